from django.urls import path

from yunjiao.checkins import views_officer

app_name = "checkins"

urlpatterns: list = [
    # officer side: enrolment, check-in list and review, scoped + audited biometric images
    path("", views_officer.CheckinListView.as_view(), name="list"),
    path("review/", views_officer.PendingReviewListView.as_view(), name="pending"),
    path("<int:pk>/", views_officer.CheckinReviewView.as_view(), name="review"),
    path("<int:pk>/frames/<int:index>/", views_officer.CheckinFrameView.as_view(), name="frame"),
    path("subjects/<int:pk>/", views_officer.SubjectCheckinTabView.as_view(), name="subject_tab"),
    path("subjects/<int:pk>/face/", views_officer.EnrolmentView.as_view(), name="enrol"),
    path("enrolments/<int:pk>/photos/<int:index>/", views_officer.EnrolmentPhotoView.as_view(), name="enrolment_photo"),
]
