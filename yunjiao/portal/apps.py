from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "yunjiao.portal"
    label = "portal"
    verbose_name = "矫正对象端"
