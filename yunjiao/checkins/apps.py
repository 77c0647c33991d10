from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "yunjiao.checkins"
    label = "checkins"
    verbose_name = "信息化核查"
