from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yunjiao.accounts"
    label = "accounts"
    verbose_name = "账户"

    def ready(self):
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        # accounts.services.record_login moves last_login to previous_login_at before stamping the new
        # login; Django's own receiver would overwrite last_login first and the "上次登录" shown would be now.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        from yunjiao.core.menu import MenuItem, register

        register(MenuItem(label="接口令牌", url_name="accounts:tokens", icon="⚿", order=850, group="系统"))
