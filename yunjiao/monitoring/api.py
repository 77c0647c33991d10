"""`POST /api/v1/devices/alarms/` — alarms from positioning devices and their gateways (device token only).
Thin: everything happens in services.ingest_alarms."""

from rest_framework import permissions, viewsets
from rest_framework.response import Response

from yunjiao.accounts.models import ApiToken
from yunjiao.core.views import PublicView

from . import services


class DeviceTokenOnly(permissions.BasePermission):
    message = "请使用设备令牌（Authorization: Token <令牌>）上报报警。"

    def has_permission(self, request, view):
        token = request.auth
        return isinstance(token, ApiToken) and token.kind == ApiToken.Kind.DEVICE


class DeviceAlarmView(PublicView, viewsets.ViewSet):
    """上报电子定位装置报警（防拆、低电量、越界、信号丢失；按设备+时间+类型幂等；逐条返回拒收原因）。"""

    permission_classes = [DeviceTokenOnly]

    def create(self, request):
        body = request.data
        items = body.get("alarms") if isinstance(body, dict) else body
        result = services.ingest_alarms(items, device_token=request.auth)
        return Response(result.as_dict(), status=200)


def register(router):
    router.register("devices/alarms", DeviceAlarmView, basename="device-alarms")
