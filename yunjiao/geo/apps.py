from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "yunjiao.geo"
    label = "geo"
    verbose_name = "电子定位"
