from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "yunjiao.geo"
    label = "geo"
    verbose_name = "电子定位"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        from . import jobs  # noqa: F401  (registers the periodic clock and retention jobs with huey)
        from .services import TOKEN_MANAGER_ROLES

        register(MenuItem(label="设备接口令牌", url_name="geo:tokens", icon="⚿", order=39, group="风险管控",
                          roles=TOKEN_MANAGER_ROLES))
