from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "yunjiao.dispatch"
    label = "dispatch"
    verbose_name = "派单用警"
