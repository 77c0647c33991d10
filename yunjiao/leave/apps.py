from django.apps import AppConfig


class LeaveConfig(AppConfig):
    name = "yunjiao.leave"
    label = "leave"
    verbose_name = "外出管理"
