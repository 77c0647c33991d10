from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.generic import FormView

from yunjiao.accounts import services
from yunjiao.accounts.forms import LoginForm, TokenForm
from yunjiao.accounts.models import ApiToken
from yunjiao.core.middleware import client_ip
from yunjiao.core.views import LoginRequiredView, PublicView, YunjiaoView


def lockout_response(request, credentials, *args, **kwargs):
    """django-axes calls this when a username is locked (5 failures within 15 minutes)."""
    username = (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
    services.record_login_failure(username, reason="账号已锁定")
    form = LoginForm(request)
    form.cleaned_data = {}
    form.add_error(None, "登录失败次数过多，该账号已被锁定 15 分钟。请稍后再试，或联系管理员解锁。")
    return render(request, "accounts/login.html", {"form": form}, status=429)


class LoginView(PublicView, auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_login(form.get_user(), ip=client_ip(self.request))
        return response

    def form_invalid(self, form):
        services.record_login_failure(form.data.get("username", ""), reason="用户名或密码错误")
        return super().form_invalid(form)

    def get_success_url(self):
        if self.request.user.role == "subject":
            return "/m/"
        return super().get_success_url()


class LogoutView(YunjiaoView):
    """Officers and subjects alike sign out with a POST."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.record_logout(request.user)
        logout(request)
        messages.info(request, "您已安全退出。")
        return redirect("accounts:login")


class TokenView(LoginRequiredView, FormView):
    template_name = "accounts/tokens.html"
    form_class = TokenForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tokens"] = ApiToken.objects.filter(user=self.request.user).order_by("-created_at")
        return ctx

    def form_valid(self, form):
        _, key = services.issue_token(actor=self.request.user, name=form.cleaned_data["name"],
                                      kind=ApiToken.Kind.USER, user=self.request.user, org=self.request.user.org)
        return self.render_to_response(self.get_context_data(form=TokenForm(), new_key=key))
