"""DRF authentication by `Authorization: Token <key>` (or `Bearer`)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from yunjiao.accounts.models import ApiToken
from yunjiao.accounts.services import token_for_key


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式错误：应为 “Authorization: Token <令牌>”。")
        token = token_for_key(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效、已过期或已吊销。")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        if token.kind == ApiToken.Kind.DEVICE:
            # Device tokens authenticate as no user; device endpoints read request.auth.
            from django.contrib.auth.models import AnonymousUser

            return (AnonymousUser(), token)
        if token.user is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("令牌对应的账号已停用。")
        return (token.user, token)

    def authenticate_header(self, request):
        return "Token"
