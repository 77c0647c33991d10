"""`/api/v1/checkins/` — 信息化核查 from the supervised person's phone.

- `POST start/`   → a one-time nonce and 1–2 actions (转头向左/向右, 张嘴…), valid for a short window.
- `POST submit/`  → multipart: `nonce`, 10–20 `frames` (JPEG files), `capture_times` (JSON list of seconds),
                    `lat`, `lon`, `accuracy`, `coord_system` (wgs84 default / gcj02 / bd09; without a fix the
                    outcome is “缺少定位”; a fix is judged by the geofence engine: 在允许区域内 / 接近边界 /
                    超出允许区域, the last one makes the outcome `outside_area` and opens a 越界 anomaly;
                    a county without boundary data gives 未做电子围栏判断).  The answer carries
                    `location_status`, `location_label` (Chinese) and `location_reason` (what it means);
                    `latitude`/`longitude` are stored and returned in WGS-84 whatever `coord_system` was sent.
- `GET  /`        → own check-ins (officers: those of their branch), newest first.
- `POST {id}/request-review/` → “仍然提交，交由工作人员审核” for the latest failed check-in.

Who: a subject's portal session on the bound phone (the phone pages), or a device token
(`Authorization: Token …`) issued for the bound phone of a portal account.  Refusals are JSON
`{"code", "message", "fields"}` and store nothing: an oversized upload is refused before it is read.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yunjiao.accounts.models import ApiToken
from yunjiao.api.base import ScopedReadOnlyViewSet
from yunjiao.checkins import services
from yunjiao.checkins.face import liveness
from yunjiao.checkins.face.config import get_config
from yunjiao.checkins.models import Checkin
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.portal import services as portal


class UploadTooLarge(ServiceError):
    code = "upload_too_large"
    status = 413


def max_upload_bytes() -> int:
    return int(getattr(settings, "CHECKIN_MAX_UPLOAD_BYTES", 8 * 1024 * 1024))


def portal_actor(request):
    """(portal account, device id) of the request: a device token, or a session on the bound phone."""
    token = request.auth
    if isinstance(token, ApiToken) and token.kind == ApiToken.Kind.DEVICE:
        user = token.user
        if user is None or not user.is_active or user.role != "subject":
            raise NotAllowed("该设备令牌没有关联矫正对象的手机端账号。")
        return user, token.device_id
    user = request.user
    if not (user and user.is_authenticated and user.role == "subject"):
        raise NotAllowed("只有矫正对象本人可以进行信息化核查。")
    device = getattr(request, "portal_device", None)
    if device is None or isinstance(token, ApiToken):
        raise ServiceError("请在已绑定的手机上打开核查页面，或使用该手机的设备令牌。", code="device_missing")
    return user, device.device_id


class SubjectDeviceOrOfficer(permissions.BasePermission):
    message = "请先登录，或使用设备令牌。"

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and token.kind == ApiToken.Kind.DEVICE:
            return token.user_id is not None
        user = request.user
        return bool(user and user.is_authenticated)


class CheckinSerializer(serializers.ModelSerializer):
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    face_outcome_label = serializers.CharField(source="get_face_outcome_display", read_only=True)
    location_label = serializers.CharField(source="get_location_status_display", read_only=True)
    location_reason = serializers.CharField(read_only=True)
    actions = serializers.JSONField(source="challenge.actions", read_only=True)
    review_requested = serializers.SerializerMethodField()

    class Meta:
        model = Checkin
        fields = ["id", "subject", "submitted_at", "outcome", "outcome_label", "face_outcome",
                  "face_outcome_label", "reasons", "actions", "best_match", "matched_frames", "liveness_passed",
                  "frame_count", "location_status", "location_label", "location_reason", "latitude", "longitude", "accuracy_m",
                  "review_requested"]
        read_only_fields = fields

    def get_review_requested(self, obj) -> bool:
        return hasattr(obj, "review_request")


class SubmitSerializer(serializers.Serializer):
    """Documents the multipart body of submit/ (parsed by hand: files + JSON times + optional fix)."""

    nonce = serializers.CharField(help_text="start/ 返回的一次性凭证")
    frames = serializers.ListField(child=serializers.FileField(), help_text="10–20 张 JPEG 画面（同名字段重复）")
    capture_times = serializers.CharField(help_text="拍摄时间（秒）的 JSON 数组，严格递增，与画面一一对应")
    lat = serializers.FloatField(required=False, help_text="纬度（坐标系见 coord_system）")
    lon = serializers.FloatField(required=False, help_text="经度（坐标系见 coord_system）")
    accuracy = serializers.FloatField(required=False, help_text="定位精度（米）")
    coord_system = serializers.ChoiceField(choices=["wgs84", "gcj02", "bd09"], required=False,
                                           help_text="坐标系，默认 wgs84（浏览器定位）")


def result_payload(checkin: Checkin) -> dict:
    data = CheckinSerializer(checkin).data
    # a stored check-in that did not pass answers like an error too: stable code + Chinese message
    data["code"] = checkin.outcome
    data["message"] = ("核查通过。" if checkin.outcome == "pass"
                       else "；".join(checkin.reasons) or checkin.get_outcome_display())
    state = portal.attempts(checkin.subject)
    data["attempts_left"] = state.left
    data["can_retry"] = checkin.outcome not in portal.PASSING and state.left > 0
    data["can_request_review"] = portal.can_request_review(checkin)
    return data


def _times(data) -> list:
    raw = data.getlist("capture_times") if hasattr(data, "getlist") else data.get("capture_times")
    if isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], str) and raw[0].lstrip().startswith("["):
        raw = raw[0]
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ServiceError("拍摄时间格式不正确，请重新核查。", code="bad_capture_times")
    if not isinstance(raw, list):
        raise ServiceError("缺少拍摄时间，请重新核查。", code="bad_capture_times")
    return raw


def _location(data) -> dict | None:
    lat, lon = data.get("lat"), data.get("lon")
    if lat in (None, "") or lon in (None, ""):
        return None
    acc = data.get("accuracy")
    # coordinate system of the fix: browsers report WGS-84; a native app using 高德/百度 SDKs may send gcj02/bd09
    return {"lat": lat, "lon": lon, "accuracy": None if acc in (None, "") else acc,
            "system": data.get("coord_system") or "wgs84"}


class CheckinViewSet(ScopedReadOnlyViewSet):
    """信息化核查：发起、提交、查看记录。"""

    model = Checkin
    serializer_class = CheckinSerializer
    permission_classes = [SubjectDeviceOrOfficer]

    def get_queryset(self):
        token = self.request.auth
        who = token.user if isinstance(token, ApiToken) and token.kind == ApiToken.Kind.DEVICE else self.request.user
        return Checkin.objects.visible_to(who).select_related("challenge", "subject", "review_request")

    def initial(self, request, *args, **kwargs):
        if self.action == "submit":
            # refuse an oversized upload before anything (authentication's CSRF check included) reads it
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = max_upload_bytes()
            if length > limit:
                raise UploadTooLarge(
                    f"上传内容 {length / 1048576:.1f} MB，超过 {limit / 1048576:.0f} MB 的上限。"
                    "请降低画面数量或质量后重新核查。")
        try:
            super().initial(request, *args, **kwargs)
        except (TooManyFilesSent, TooManyFieldsSent, RequestDataTooBig) as exc:
            raise self._parse_refusal(exc)

    @staticmethod
    def _parse_refusal(exc) -> ServiceError:
        if isinstance(exc, TooManyFilesSent):
            return ServiceError(f"上传的画面过多，最多只接受 {get_config().burst_max_frames} 张，请重新核查。",
                                code="too_many_frames")
        if isinstance(exc, RequestDataTooBig):
            return UploadTooLarge("上传内容超过上限，请重新核查。")
        return ServiceError("上传的字段过多，请重新核查。", code="too_many_fields")

    @extend_schema(request=None, responses={201: None})
    @action(detail=False, methods=["post"])
    def start(self, request):
        user, device_id = portal_actor(request)
        challenge, nonce = portal.start_checkin(user, device_id=device_id)
        return Response({
            "challenge": challenge.pk,
            "nonce": nonce,
            "actions": list(challenge.actions),
            "action_labels": [liveness.ACTION_LABELS[a] for a in challenge.actions],
            "prompt": liveness.challenge_text(challenge.actions),
            "expires_at": challenge.expires_at,
            "seconds": max(0, int((challenge.expires_at - challenge.created_at).total_seconds())),
            "attempts_left": portal.attempts(user.subject).left,
            "frames": {"min": get_config().burst_min_frames, "max": get_config().burst_max_frames},
        }, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": SubmitSerializer}, responses={201: CheckinSerializer})
    @action(detail=False, methods=["post"])
    def submit(self, request):
        user, device_id = portal_actor(request)
        try:
            data, files = request.data, request.FILES
        except (TooManyFilesSent, TooManyFieldsSent, RequestDataTooBig) as exc:
            raise self._parse_refusal(exc)
        nonce = data.get("nonce")
        uploads = files.getlist("frames") if hasattr(files, "getlist") else []
        cfg = get_config()
        if len(uploads) > cfg.burst_max_frames:  # don't even read them
            raise ServiceError(
                f"收到 {len(uploads)} 张画面，最多只接受 {cfg.burst_max_frames} 张，请重新核查。",
                code="too_many_frames")
        frames = [f.read() for f in uploads]
        checkin = services.submit_checkin(
            user.subject, nonce=nonce if isinstance(nonce, str) else "", frames=frames,
            capture_times=_times(data), location=_location(data), actor=user, device_id=device_id,
        )
        return Response(result_payload(checkin), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CheckinSerializer})
    @action(detail=True, methods=["post"], url_path="request-review")
    def request_review(self, request, pk=None):
        user, _ = portal_actor(request)
        checkin = self.get_object()
        note = request.data.get("note", "") if hasattr(request.data, "get") else ""
        portal.request_review(checkin, actor=user, note=note if isinstance(note, str) else "")
        checkin.refresh_from_db()
        return Response(result_payload(checkin), status=status.HTTP_200_OK)


def register(router):
    router.register("checkins", CheckinViewSet, basename="checkin")
