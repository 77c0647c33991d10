from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "yunjiao.workflows"
    label = "workflows"
    verbose_name = "流程"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.workflows import jobs  # noqa: F401  (registers the periodic jobs)
        from yunjiao.workflows.engine import all_workflows

        all_workflows()  # import the process declarations once, at start-up
        register(MenuItem(label="我的待办", url_name="workflows:todo", icon="☑", order=5))
        register(MenuItem(label="流程案件", url_name="workflows:list", icon="⇄", order=30))
        register(MenuItem(label="期限规则", url_name="workflows:rules", icon="⏱", order=90, group="设置"))
