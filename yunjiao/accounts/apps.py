from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yunjiao.accounts"
    label = "accounts"
    verbose_name = "账户"

    def ready(self):
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="接口令牌", url_name="accounts:tokens", icon="⚿", order=850, group="系统"))
