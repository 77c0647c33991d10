from django.urls import path

from yunjiao.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.StaffListView.as_view(), name="list"),
    path("<int:pk>/", views.StaffDetailView.as_view(), name="detail"),
    path("certificates/", views.CertificateListView.as_view(), name="certificates"),
    path("certificates/<int:pk>/", views.CertificateDetailView.as_view(), name="certificate"),
    path("certificates/<int:pk>/qr.png", views.CertificateQrView.as_view(), name="certificate_qr"),
    path("verify/<str:code>/", views.CertificateVerifyView.as_view(), name="verify"),
    path("squads/", views.SquadListView.as_view(), name="squads"),
    path("trainings/", views.TrainingListView.as_view(), name="trainings"),
    path("trainings/<int:pk>/", views.TrainingDetailView.as_view(), name="training"),
    path("trainings/report/", views.TrainingReportView.as_view(), name="training_report"),
]
