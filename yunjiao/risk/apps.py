from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "yunjiao.risk"
    label = "risk"
    verbose_name = "风险管控"
