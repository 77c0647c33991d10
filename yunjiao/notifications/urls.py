from django.urls import path

from yunjiao.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("m/", views.PortalInboxView.as_view(), name="portal_inbox"),
    path("<int:pk>/", views.ReadView.as_view(), name="read"),
]
