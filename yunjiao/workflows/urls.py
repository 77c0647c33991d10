from django.urls import path

from yunjiao.workflows import views

app_name = "workflows"

urlpatterns = [
    path("todo/", views.TodoView.as_view(), name="todo"),
    path("cases/", views.CaseListView.as_view(), name="list"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case"),
    path("cases/<int:pk>/fire/<str:name>/", views.FireView.as_view(), name="fire"),
    path("start/<str:process>/<str:name>/", views.StartView.as_view(), name="start"),
    path("diagrams/<str:process>.svg", views.DiagramView.as_view(), name="diagram"),
    path("rules/", views.RulesView.as_view(), name="rules"),
]
