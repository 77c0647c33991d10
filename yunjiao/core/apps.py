from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yunjiao.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from yunjiao.core.menu import MenuItem, register

        # Every app keeps its huey jobs in jobs.py; loading them here registers the periodic tasks for the
        # consumer (`manage.py run_huey` only looks for tasks.py by itself).
        autodiscover_modules("jobs")

        register(MenuItem(label="工作台", url_name="core:workbench", icon="▣", order=0))
