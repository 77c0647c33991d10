from django.urls import path

from . import views

app_name = "monitoring"

# mounted at /monitoring/
urlpatterns = [
    path("map/", views.LiveMapView.as_view(), name="live"),
    path("map/latest.geojson", views.LiveDataView.as_view(), name="live_data"),
    path("boundaries.geojson", views.BoundariesView.as_view(), name="boundaries"),
    path("subjects/<int:pk>/trajectory/", views.TrajectoryView.as_view(), name="trajectory"),
    path("subjects/<int:pk>/trajectory.geojson", views.TrajectoryDataView.as_view(), name="trajectory_data"),
]
