from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "yunjiao.staff"
    label = "staff"
    verbose_name = "队伍管理"
