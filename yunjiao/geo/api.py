"""`POST /api/v1/locations/batch/` — location fixes from phones and device gateways (device token), or from
an officer's tools (user token/session, devices in scope).  Thin: everything happens in
services.ingest_fixes."""

from rest_framework import permissions, viewsets
from rest_framework.response import Response

from yunjiao.accounts.models import ApiToken
from yunjiao.core.views import PublicView

from . import services


class DeviceOrOfficer(permissions.BasePermission):
    message = "请使用设备令牌（Authorization: Token <令牌>）上报定位。"

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and token.kind == ApiToken.Kind.DEVICE:
            return True
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or getattr(user, "is_officer", False)))


class LocationBatchView(PublicView, viewsets.ViewSet):
    """上报定位点（每批最多 1000 个；按设备+时间幂等；逐点返回拒收原因）。"""

    permission_classes = [DeviceOrOfficer]

    def create(self, request):
        body = request.data
        fixes = body.get("fixes") if isinstance(body, dict) else body
        token = request.auth if isinstance(request.auth, ApiToken) and request.auth.kind == ApiToken.Kind.DEVICE \
            else None
        if token is not None:
            result = services.ingest_fixes(fixes, device_token=token)
        else:
            result = services.ingest_fixes(fixes, actor=request.user)
        return Response(result.as_dict(), status=200)


def register(router):
    router.register("locations/batch", LocationBatchView, basename="location-batch")
