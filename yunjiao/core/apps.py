from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yunjiao.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="工作台", url_name="core:workbench", icon="▣", order=0))
