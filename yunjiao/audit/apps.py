from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "yunjiao.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="审计日志", url_name="audit:list", icon="⛓", order=900, group="系统",
                          roles=frozenset({"city_admin", "city_officer", "county_head", "county_officer",
                                           "township_officer"})))
