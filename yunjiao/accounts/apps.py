from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yunjiao.accounts"
    label = "accounts"
    verbose_name = "账户"
