from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "yunjiao.portal"
    label = "portal"
    verbose_name = "矫正对象端"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register
        from yunjiao.subjects.views import register_tab

        register(MenuItem(label="信息化核查", url_name="portal:checkin", icon="◉", order=10, portal=True))
        register(MenuItem(label="核查记录", url_name="portal:history", icon="☰", order=11, portal=True))
        register_tab("portal_device", "手机绑定", "portal:device_tab")
