from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "yunjiao.api"
    label = "api"
    verbose_name = "接口"
