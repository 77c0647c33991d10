from django.urls import path

from yunjiao.checkins import views_tasks

app_name = "checkins"

urlpatterns: list = [
    path("tasks/", views_tasks.TaskListView.as_view(), name="tasks"),
    path("tasks/spot/", views_tasks.SpotCheckView.as_view(), name="spot_check"),
    path("tasks/<int:pk>/cancel/", views_tasks.TaskCancelView.as_view(), name="task_cancel"),
    path("tasks/policy/", views_tasks.PolicySettingsView.as_view(), name="task_policy"),
    path("subjects/<int:pk>/tasks/", views_tasks.SubjectTasksView.as_view(), name="subject_tasks"),
]
