from django.urls import path

from yunjiao.risk import views

app_name = "risk"

urlpatterns = [
    path("board/", views.BoardView.as_view(), name="board"),
    path("warnings/new/", views.WarningNewView.as_view(), name="warning_new"),
    path("warnings/<int:pk>/", views.WarningDetailView.as_view(), name="warning_detail"),
    path("key-subjects/", views.KeySubjectListView.as_view(), name="key_subjects"),
    path("subjects/<int:pk>/", views.SubjectRiskTabView.as_view(), name="subject_tab"),
    path("proposals/", views.ProposalListView.as_view(), name="proposals"),
    path("rulesets/", views.RuleSetListView.as_view(), name="rulesets"),
    path("rulesets/versions/<int:pk>/", views.VersionView.as_view(), name="version"),
    path("meetings/", views.MeetingListView.as_view(), name="meetings"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting"),
    path("meetings/<int:pk>/docx/", views.MeetingDocxView.as_view(), name="meeting_docx"),
]
