from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "yunjiao.notifications"
    label = "notifications"
    verbose_name = "消息"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="消息中心", url_name="notifications:inbox", icon="✉", order=5))
        register(MenuItem(label="我的消息", url_name="notifications:portal_inbox", icon="✉", order=90, portal=True))
