from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "yunjiao.geo"
    label = "geo"
    verbose_name = "电子定位"

    def ready(self):
        from . import jobs  # noqa: F401  (registers the periodic clock and retention jobs with huey)
