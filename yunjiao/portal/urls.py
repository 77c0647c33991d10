from django.urls import path

from yunjiao.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
]
