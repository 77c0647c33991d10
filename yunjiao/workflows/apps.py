from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "yunjiao.workflows"
    label = "workflows"
    verbose_name = "流程"
