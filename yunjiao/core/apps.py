from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yunjiao.core"
    label = "core"
    verbose_name = "核心"
