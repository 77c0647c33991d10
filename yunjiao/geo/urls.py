from django.urls import path

from . import views

app_name = "geo"

urlpatterns = [
    path("tokens/", views.DeviceTokensView.as_view(), name="tokens"),
]
