from django.urls import path

from yunjiao.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.OrgListView.as_view(), name="list"),
]
