from django.apps import AppConfig


class DisciplineConfig(AppConfig):
    name = "yunjiao.discipline"
    label = "discipline"
    verbose_name = "考核奖惩"
