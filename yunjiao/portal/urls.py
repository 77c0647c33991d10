from django.urls import path

from yunjiao.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("checkin/", views.CheckinPageView.as_view(), name="checkin"),
    path("checkins/", views.HistoryView.as_view(), name="history"),
    path("devices/<int:pk>/", views.DeviceTabView.as_view(), name="device_tab"),
    path("devices/<int:pk>/reset/", views.DeviceResetView.as_view(), name="device_reset"),
]
