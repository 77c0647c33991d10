from django.urls import path

from yunjiao.anomalies import views

app_name = "anomalies"

urlpatterns = [
    path("", views.AnomalyListView.as_view(), name="list"),
    path("<int:pk>/", views.AnomalyDetailView.as_view(), name="detail"),
]
