from django.apps import AppConfig


class DisciplineConfig(AppConfig):
    name = "yunjiao.discipline"
    label = "discipline"
    verbose_name = "考核奖惩"

    def ready(self):
        from yunjiao.anomalies.services import register_escalation
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.core.views_workbench import register_widget
        from yunjiao.discipline import jobs  # noqa: F401
        from yunjiao.discipline.services import escalate_anomaly
        from yunjiao.discipline.views import proposals_widget

        register_widget(proposals_widget)
        from yunjiao.discipline import documents

        documents.register()
        register_escalation("sanction", "转考核奖惩(训诫/警告调查)", escalate_anomaly)
        register(MenuItem(label="考核奖惩", url_name="discipline:list", icon="⚖", order=45))
