from django.urls import path

from yunjiao.education import views

app_name = "education"

urlpatterns = [
    path("", views.CourseListView.as_view(), name="courses"),
    path("courses/new/", views.CourseCreateView.as_view(), name="course_new"),
    path("courses/<int:pk>/", views.CourseDetailView.as_view(), name="course"),
    path("courses/<int:pk>/media/", views.CourseMediaView.as_view(), name="course_media"),
    path("events/", views.EventListView.as_view(), name="events"),
    path("events/new/", views.EventCreateView.as_view(), name="event_new"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event"),
    path("events/<int:pk>/face/", views.EventFaceSignInView.as_view(), name="event_face"),
    path("hours/", views.HoursReportView.as_view(), name="report"),
    path("hours/standards/", views.LevelHoursView.as_view(), name="standards"),
    path("subjects/<int:pk>/", views.SubjectEducationTabView.as_view(), name="subject_tab"),
    # the subject's phone pages
    path("m/", views.PortalCourseListView.as_view(), name="m_courses"),
    path("m/courses/<int:pk>/", views.PortalCourseView.as_view(), name="m_course"),
    path("m/courses/<int:pk>/media/", views.PortalMediaView.as_view(), name="m_media"),
    path("m/sessions/<int:pk>/heartbeat/", views.PortalHeartbeatView.as_view(), name="m_heartbeat"),
    path("m/sessions/<int:pk>/quiz/", views.PortalQuizView.as_view(), name="m_quiz"),
    path("m/sessions/<int:pk>/face/", views.PortalFaceCheckView.as_view(), name="m_face"),
]
