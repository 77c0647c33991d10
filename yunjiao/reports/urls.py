from django.urls import path

from yunjiao.reports import views

app_name = "reports"

urlpatterns: list = [
    path("checks/", views.CheckReportView.as_view(), name="checks"),
]
