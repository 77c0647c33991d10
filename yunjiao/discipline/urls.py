from django.urls import path

from yunjiao.discipline import views

app_name = "discipline"

# mounted at /discipline/
urlpatterns = [
    path("", views.DisciplineView.as_view(), name="list"),
    path("records/new/", views.RecordCreateView.as_view(), name="record_new"),
    path("proposals/<int:pk>/", views.ProposalDecisionView.as_view(), name="proposal"),
    path("scores/", views.ScoreView.as_view(), name="scores"),
]
