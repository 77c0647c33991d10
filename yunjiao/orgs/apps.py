from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "yunjiao.orgs"
    label = "orgs"
    verbose_name = "机构"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="机构", url_name="orgs:list", icon="⌂", order=800, group="系统"))
