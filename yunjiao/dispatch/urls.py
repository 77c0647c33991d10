from django.urls import path

from yunjiao.dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.OrderListView.as_view(), name="list"),
    path("new/", views.OrderNewView.as_view(), name="new"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="detail"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
]
