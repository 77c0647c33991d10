from django.urls import path

from yunjiao.core import views_workbench

app_name = "core"

urlpatterns = [
    path("", views_workbench.WorkbenchView.as_view(), name="workbench"),
]
