from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "yunjiao.reports"
    label = "reports"
    verbose_name = "统计报表"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="核查报表", url_name="reports:checks", icon="▤", order=31))
