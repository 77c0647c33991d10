from django.urls import path

from yunjiao.checkins import views_officer, views_tasks

app_name = "checkins"

urlpatterns: list = [
    path("tasks/", views_tasks.TaskListView.as_view(), name="tasks"),
    path("tasks/spot/", views_tasks.SpotCheckView.as_view(), name="spot_check"),
    path("tasks/<int:pk>/cancel/", views_tasks.TaskCancelView.as_view(), name="task_cancel"),
    path("tasks/policy/", views_tasks.PolicySettingsView.as_view(), name="task_policy"),
    path("subjects/<int:pk>/tasks/", views_tasks.SubjectTasksView.as_view(), name="subject_tasks"),
    # officer side: enrolment, check-in list and review, scoped + audited biometric images
    path("", views_officer.CheckinListView.as_view(), name="list"),
    path("review/", views_officer.PendingReviewListView.as_view(), name="pending"),
    path("<int:pk>/", views_officer.CheckinReviewView.as_view(), name="review"),
    path("<int:pk>/frames/<int:index>/", views_officer.CheckinFrameView.as_view(), name="frame"),
    path("subjects/<int:pk>/", views_officer.SubjectCheckinTabView.as_view(), name="subject_tab"),
    path("subjects/<int:pk>/face/", views_officer.EnrolmentView.as_view(), name="enrol"),
    path("enrolments/<int:pk>/photos/<int:index>/", views_officer.EnrolmentPhotoView.as_view(), name="enrolment_photo"),
]
