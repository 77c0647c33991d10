from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "yunjiao.audit"
    label = "audit"
    verbose_name = "审计"
