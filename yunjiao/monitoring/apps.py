from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "yunjiao.monitoring"
    label = "monitoring"
    verbose_name = "电子定位监管"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.core.views_workbench import register_widget
        from yunjiao.monitoring import access, documents, jobs  # noqa: F401  (jobs: periodic expiry scan)
        from yunjiao.monitoring.views import monitoring_widget
        from yunjiao.subjects.views import register_tab

        documents.register()
        from yunjiao.monitoring.services import end_with_supervision
        from yunjiao.workflows.services import register_status_listener

        register_status_listener(end_with_supervision)  # 解除/终止 closes an open 电子定位 case
        from yunjiao.anomalies.links import register_link

        from .views import trajectory_links

        register_link(None, trajectory_links)  # anomaly page → trajectory around it
        register_widget(monitoring_widget)
        register_tab("trajectory", "定位轨迹", "monitoring:trajectory")
        register(MenuItem(label="定位地图", url_name="monitoring:live", icon="◎", order=38, group="风险管控",
                          roles=frozenset(access.LOCATION_ROLES)))
