from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(label="用户名", max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label="密码", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    error_messages = {
        "invalid_login": "用户名或密码错误。连续失败 5 次后账号将被锁定 15 分钟。",
        "inactive": "该账号已停用，请联系管理员。",
    }


class TokenForm(forms.Form):
    name = forms.CharField(label="令牌名称", max_length=64, help_text="如“统计脚本”")
