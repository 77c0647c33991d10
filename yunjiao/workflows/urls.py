from django.urls import path

from yunjiao.workflows import views

app_name = "workflows"

# mounted at /cases/
urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("todo/", views.TodoView.as_view(), name="todo"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case"),
    path("<int:pk>/fire/<str:name>/", views.FireView.as_view(), name="fire"),
    path("start/<str:process>/<str:name>/", views.StartView.as_view(), name="start"),
    path("diagrams/<str:process>.svg", views.DiagramView.as_view(), name="diagram"),
    path("rules/", views.RulesView.as_view(), name="rules"),
]
