from django.apps import AppConfig


class AnomaliesConfig(AppConfig):
    name = "yunjiao.anomalies"
    label = "anomalies"
    verbose_name = "异常信息"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="异常处置", url_name="anomalies:list", icon="⚠", order=30,
                          roles=frozenset({"city_admin", "city_officer", "county_head", "county_officer",
                                           "township_officer", "social_worker"})))
