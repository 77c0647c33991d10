"""Write path of 电子定位: wristband link/unlink (called by the workflow's effects), device alarms from
gateways, and the expiry scan.  Reading location data for maps is in maps.py.

Settings (optional, defaults in brackets):
    MONITORING_EXPIRY_NOTICE_DAYS       days before a period ends that the case moves to 即将到期 [10]
    MONITORING_ALARM_MAX_BATCH          alarms per call                                         [1000]
    MONITORING_ALARM_EPISODE_MINUTES    alarms of one device and type closer than this form one
                                        episode (one anomaly, occurrences grouped)              [60]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import ServiceError

from .models import DeviceAlarm

ACTIVE_STATES = ("approved", "active", "expiring", "assessed", "extension_review")


def _setting(name, default):
    return getattr(settings, name, default)


# --------------------------------------------------------------------------- wristband link
def link_wristband(subject, device_id: str, *, actor, case=None):
    """Register the wristband as the subject's geo Device (kind wristband), or re-link a wristband that was
    used before and is free now.  Called inside the fit_device transition (its guard explains refusals)."""
    from yunjiao.geo.models import Device

    device_id = (device_id or "").strip()
    if not device_id or len(device_id) > 64:
        raise ServiceError("腕带编号不能为空，且不超过 64 个字符。")
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(device_id=device_id).first()
        if device is None:
            device = Device.objects.create(device_id=device_id, subject=subject, kind=Device.Kind.WRISTBAND)
            audit.record(actor, Action.CREATE, device, subject=subject,
                         summary=f"登记电子定位腕带 {device_id} 并与对象关联")
            return device
        if device.is_active and (device.kind != Device.Kind.WRISTBAND or device.subject_id != subject.pk):
            raise ServiceError(f"装置 {device_id} 正在使用中，不能佩戴给该对象。", code="device_in_use")
        before = {"subject": device.subject_id, "kind": device.kind, "is_active": device.is_active}
        device.subject, device.kind, device.is_active = subject, Device.Kind.WRISTBAND, True
        device.save(update_fields=["subject", "kind", "is_active"])
        audit.record(actor, Action.UPDATE, device, subject=subject, before=before,
                     after={"subject": subject.pk, "kind": device.kind, "is_active": True},
                     summary=f"电子定位腕带 {device_id} 与对象关联（重新启用）")
    return device


def unlink_wristband(case, *, actor, reason: str = ""):
    """Removal: the wristband no longer reports for the subject (device inactive, heartbeat rule off)."""
    from yunjiao.geo.models import Device

    pk = (case.data or {}).get("device_pk")
    if not pk:
        return None
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(pk=pk, subject_id=case.subject_id).first()
        if device is None or not device.is_active:
            return device
        device.is_active = False
        device.save(update_fields=["is_active"])
        audit.record(actor, Action.UPDATE, device, subject=case.subject, before={"is_active": True},
                     after={"is_active": False}, summary=f"解除电子定位腕带 {device.device_id}：{reason}"[:300])
        revoke_wristband_tokens(device, actor=actor, reason=reason)
    return device


# --------------------------------------------------------------------------- gateway tokens of wristbands
def _token_actor(actor, org):
    """Device tokens are managed by the county/city (geo.TOKEN_MANAGER_ROLES); a township officer fitting or
    removing a wristband has the system issue or revoke the token on the step's behalf (the step itself is
    audited with the officer as actor, and so is the token, below)."""
    from yunjiao.geo.services import TOKEN_MANAGER_ROLES

    if actor is SYSTEM or getattr(actor, "is_superuser", False):
        return actor
    if getattr(actor, "role", "") in TOKEN_MANAGER_ROLES and actor.org is not None and actor.org.contains(org):
        return actor
    return SYSTEM


def gateway_covers(org) -> bool:
    """A valid gateway token (device id "*") of `org` or an org above it: the supplier's platform already
    reports every wristband of the branch, so a fitted wristband needs no token of its own."""
    from django.db.models import Q

    from yunjiao.accounts.models import ApiToken
    from yunjiao.geo.services import GATEWAY

    tokens = (ApiToken.objects.filter(kind=ApiToken.Kind.DEVICE, device_id=GATEWAY, revoked_at__isnull=True)
              .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())).select_related("org"))
    return any(t.org.contains(org) for t in tokens)


def issue_wristband_token(device, *, actor) -> str | None:
    """When a wristband is fitted: make sure something may report its fixes and alarms.  Under a gateway token
    of the branch nothing is issued (None); otherwise a device token bound to this wristband is issued through
    geo.issue_device_token and its plaintext returned, to be shown once to the officer who fitted it."""
    from yunjiao.geo import services as geo

    org = device.subject.execution_org
    if gateway_covers(org):
        return None
    key = geo.issue_device_token(actor=_token_actor(actor, org), device=device)
    audit.record(actor, Action.UPDATE, device, subject=device.subject,
                 summary=f"佩戴电子定位腕带 {device.device_id}：签发设备接口令牌 {key[:8]}…（只显示一次）")
    return key


def revoke_wristband_tokens(device, *, actor, reason: str = "") -> int:
    """When a wristband comes off: its own device tokens are revoked (through geo.revoke_device_token), so a
    wristband fitted to someone else later is not reported with the old token."""
    from yunjiao.accounts.models import ApiToken
    from yunjiao.geo import services as geo

    n = 0
    for token in (ApiToken.objects.select_for_update().filter(kind=ApiToken.Kind.DEVICE, device_id=device.device_id,
                                                              revoked_at__isnull=True).select_related("org")):
        geo.revoke_device_token(token, actor=_token_actor(actor, token.org))
        n += 1
    if n:
        audit.record(actor, Action.UPDATE, device, subject=device.subject,
                     summary=f"解除电子定位腕带 {device.device_id}：吊销其设备接口令牌 {n} 个 {reason}"[:300])
    return n


def active_case_for(subject_id):
    from yunjiao.workflows.models import Case

    return Case.objects.filter(process="monitoring", subject_id=subject_id, state__in=ACTIVE_STATES,
                               is_closed=False).order_by("-opened_at").first()


ENDED_STATUSES = {"discharged": "矫正期满解除", "terminated": "矫正终止"}


def end_with_supervision(subject, old: str, new: str, actor) -> None:
    """Status listener (workflows.register_status_listener): when supervision ends (已解除 / 已终止), close
    the subject's open 电子定位 case — the wristband is unlinked, so its fixes and alarms are refused from
    then on and no heartbeat alert fires for a person who is no longer supervised."""
    reason = ENDED_STATUSES.get(new)
    if reason is None:
        return
    from yunjiao.workflows import services as wf
    from yunjiao.workflows.models import Case

    for case in Case.objects.filter(process="monitoring", subject_id=subject.pk, is_closed=False):
        wf.fire(case, "end_with_supervision", actor=SYSTEM, data={"removal_reason": reason})


# --------------------------------------------------------------------------- alarms
ALARM_TYPES = {
    "tamper": DeviceAlarm.Kind.TAMPER, "防拆": DeviceAlarm.Kind.TAMPER,
    "low_battery": DeviceAlarm.Kind.LOW_BATTERY, "低电量": DeviceAlarm.Kind.LOW_BATTERY,
    "out_of_area": DeviceAlarm.Kind.OUT_OF_AREA, "越界": DeviceAlarm.Kind.OUT_OF_AREA,
    "signal_loss": DeviceAlarm.Kind.SIGNAL_LOSS, "信号丢失": DeviceAlarm.Kind.SIGNAL_LOSS,
}
ANOMALY_KINDS = {DeviceAlarm.Kind.TAMPER: "device_tamper", DeviceAlarm.Kind.LOW_BATTERY: "device_low_battery",
                 DeviceAlarm.Kind.OUT_OF_AREA: "boundary_exit", DeviceAlarm.Kind.SIGNAL_LOSS: "device_silent"}
SUMMARY = {DeviceAlarm.Kind.TAMPER: "电子定位装置防拆报警：腕带可能被拆卸或破坏，请立即核实",
           DeviceAlarm.Kind.LOW_BATTERY: "电子定位装置电量低：请提醒对象及时充电",
           DeviceAlarm.Kind.OUT_OF_AREA: "电子定位装置报告越界：对象可能离开允许活动范围",
           DeviceAlarm.Kind.SIGNAL_LOSS: "电子定位装置信号丢失：请联系对象核实位置"}

REJECT_REASONS = {
    "invalid": "报警数据格式错误：需要 device_id、time、type 字段。",
    "bad_type": "报警类型只能是 tamper（防拆）、low_battery（低电量）、out_of_area（越界）、signal_loss（信号丢失）。",
    "naive_time": "报警时间必须带时区（如 2026-05-01T08:00:00+08:00）或为 Unix 时间戳。",
    "future_time": "报警时间晚于当前时间：请检查设备时钟。",
    "bad_position": "报警位置无效：经度 −180～180，纬度 −90～90，坐标系 wgs84/gcj02/bd09，精度 0～100000 米。",
    "bad_battery": "电量须为 0～100 的整数。",
    "unknown_device": "设备未登记或已停用：请先在系统中登记该设备。",
    "wrong_token": "该令牌无权上报此设备的报警。",
    "duplicate_in_batch": "同一批次中该设备同一时间同一类型的报警重复。",
}


@dataclass
class AlarmResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list = field(default_factory=list)
    alarms: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected,
                "alarms": self.alarms}


def _parse_time(value) -> datetime:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        v = float(value)
        return datetime.fromtimestamp(v / 1000.0 if v > 1e11 else v, tz=UTC)
    dt = parse_datetime(str(value))
    if dt is None:
        raise ValueError
    if timezone.is_naive(dt):
        raise TypeError
    return dt




def _parse_item(item, now):
    """(parsed dict, None) or (None, reject code)."""
    from yunjiao.geo import coords

    if not isinstance(item, dict):
        return None, "invalid"
    try:
        dev = str(item["device_id"]).strip()
        raw_type = str(item["type"]).strip()
        t = _parse_time(item["time"])
    except TypeError:
        return None, "naive_time"
    except (KeyError, ValueError, OverflowError, OSError):
        return None, "invalid"
    if not dev:
        return None, "invalid"
    kind = ALARM_TYPES.get(raw_type.lower()) or ALARM_TYPES.get(raw_type)
    if kind is None:
        return None, "bad_type"
    if t > now + timedelta(seconds=_setting("GEO_FUTURE_TOLERANCE_S", 300)):
        return None, "future_time"
    lon = lat = acc = None
    if item.get("lon") is not None or item.get("lat") is not None:
        try:
            lon, lat = float(item["lon"]), float(item["lat"])
            acc = float(item["accuracy"]) if item.get("accuracy") is not None else None
            system = coords.normalise_system(item.get("system") or "wgs84")
        except (KeyError, TypeError, ValueError):
            return None, "bad_position"
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90) or \
                (acc is not None and not (math.isfinite(acc) and 0 < acc <= 100000)):
            return None, "bad_position"
        wl, wa = coords.to_wgs84(lon, lat, system)
        lon, lat = round(float(wl), 7), round(float(wa), 7)
    battery = item.get("battery")
    if battery is not None:
        if isinstance(battery, bool) or not isinstance(battery, int | float) or not 0 <= battery <= 100 \
                or int(battery) != battery:
            return None, "bad_battery"
        battery = int(battery)
    detail = str(item.get("detail") or "")[:300]
    return {"device_id": dev, "kind": kind, "time": t, "lon": lon, "lat": lat, "accuracy": acc,
            "battery": battery, "detail": detail}, None


def ingest_alarms(items, *, device_token, received_at: datetime | None = None) -> AlarmResult:
    """Store device alarms and hand each new one to the anomaly queue.

    Each item: {"device_id", "time" (ISO 8601 with zone, or Unix s/ms), "type": tamper|low_battery|
    out_of_area|signal_loss (or 防拆/低电量/越界/信号丢失), optional "lon", "lat", "system", "accuracy",
    "battery" (0–100), "detail"}.  Authorised by a device token (its own device) or a gateway token ("*",
    devices of subjects in its org's branch).  Bad items are rejected one by one with a reason; good ones
    are kept.  Idempotent on (device, time, type).  Alarms of one device and type closer together than
    MONITORING_ALARM_EPISODE_MINUTES are one episode: one anomaly whose occurrences grow."""
    from yunjiao.geo.models import Device
    from yunjiao.geo.services import token_allows as geo_token_allows

    if device_token is None:
        raise ServiceError("必须使用设备令牌上报报警。", code="not_authenticated")
    if not isinstance(items, list | tuple):
        raise ServiceError("请求体须为报警数组（{\"alarms\": [...]}）。", code="invalid")
    limit = _setting("MONITORING_ALARM_MAX_BATCH", 1000)
    if len(items) > limit:
        raise ServiceError(f"每批最多 {limit} 条报警，本批 {len(items)} 条：请分批上报。", code="batch_too_large")
    now = received_at or timezone.now()
    res = AlarmResult()

    def reject(i, code):
        dev = items[i].get("device_id") if isinstance(items[i], dict) else None
        res.rejected.append({"index": i, "device_id": dev, "code": code, "reason": REJECT_REASONS[code]})

    parsed = []
    for i, item in enumerate(items):
        p, code = _parse_item(item, now)
        if code:
            reject(i, code)
        else:
            parsed.append((i, p))
    devices = {d.device_id: d for d in Device.objects.filter(
        device_id__in={p["device_id"] for _, p in parsed}, is_active=True).select_related("subject")}
    seen = set()
    good = []
    for i, p in parsed:
        device = devices.get(p["device_id"])
        if device is None:
            reject(i, "unknown_device")
        elif not geo_token_allows(device_token, device):
            reject(i, "wrong_token")
        elif (p["device_id"], p["time"], p["kind"]) in seen:
            reject(i, "duplicate_in_batch")
        else:
            seen.add((p["device_id"], p["time"], p["kind"]))
            good.append((i, device, p))
    res.rejected.sort(key=lambda r: r["index"])
    good.sort(key=lambda g: g[2]["time"])  # episodes are decided in time order
    for _, device, p in good:
        alarm = _store_alarm(device, p, now)
        if alarm is None:
            res.duplicates += 1
        else:
            res.accepted += 1
            res.alarms.append(alarm.pk)
    return res


def _episode_for(device, kind, t) -> str:
    gap = timedelta(minutes=_setting("MONITORING_ALARM_EPISODE_MINUTES", 60))
    prev = (DeviceAlarm.objects.filter(device=device, kind=kind, time__lte=t, time__gte=t - gap)
            .order_by("-time").values_list("episode", flat=True).first())
    return prev or f"alarm-{device.pk}-{kind}-{int(t.timestamp())}"


def _store_alarm(device, p, now) -> DeviceAlarm | None:
    from yunjiao.anomalies.services import raise_anomaly

    subject = device.subject
    try:
        with transaction.atomic():
            # serialise alarms of one device so concurrent gateway retries agree on the episode
            type(device).objects.select_for_update().filter(pk=device.pk).first()
            if DeviceAlarm.objects.filter(device=device, time=p["time"], kind=p["kind"]).exists():
                return None
            case = active_case_for(subject.pk)
            alarm = DeviceAlarm.objects.create(
                device=device, subject=subject, case=case, kind=p["kind"], time=p["time"], received_at=now,
                lon=p["lon"], lat=p["lat"], accuracy=p["accuracy"], battery=p["battery"], detail=p["detail"],
                episode=_episode_for(device, p["kind"], p["time"]))
            summary = SUMMARY[alarm.kind] + (f"（电量{alarm.battery}%）" if alarm.battery is not None else "")
            evidence = {"device_alarm": alarm.pk, "device_id": device.device_id, "type": alarm.kind,
                        "time": alarm.time.isoformat(), "lon": alarm.lon, "lat": alarm.lat,
                        "accuracy": alarm.accuracy, "battery": alarm.battery, "detail": alarm.detail,
                        "case": case.pk if case else None}
            anomaly = raise_anomaly(subject, kind=ANOMALY_KINDS[alarm.kind], summary=summary, evidence=evidence,
                                    source="device", episode=alarm.episode, related=alarm, at=alarm.time)
            alarm.anomaly = anomaly
            alarm.save(update_fields=["anomaly"])
            audit.record(SYSTEM, Action.CREATE, alarm, subject=subject,
                         summary=f"{alarm.get_kind_display()}：装置 {device.device_id}",
                         data={"episode": alarm.episode, "anomaly": anomaly.pk})
    except IntegrityError:  # a concurrent retry stored the same alarm first
        return None
    return alarm


# --------------------------------------------------------------------------- expiry scan
def scan_expiring(*, actor=SYSTEM, today=None) -> int:
    """Move monitoring cases whose period ends within MONITORING_EXPIRY_NOTICE_DAYS to 即将到期 and tell the
    responsible officers to assess (the deadline scanner adds its reminder the working day before and the
    overdue flag after the end).  Idempotent: a case moves once per period."""
    from yunjiao.monitoring.rules import EXPIRY_NOTICE_DAYS
    from yunjiao.notifications.services import notify
    from yunjiao.workflows import services as wf
    from yunjiao.workflows.models import Case

    today = today or timezone.localdate()
    days = int(_setting("MONITORING_EXPIRY_NOTICE_DAYS", EXPIRY_NOTICE_DAYS))
    moved = 0
    for case in Case.objects.filter(process="monitoring", state="active", is_closed=False,
                                    due_at__lte=today + timedelta(days=days)).select_related("subject"):
        try:
            done = wf.fire(case, "mark_expiring", actor=actor, today=today)
        except (ServiceError, wf.TransitionRefused):
            continue
        moved += 1
        notify(wf.responsible_users(done), title=f"电子定位即将到期：{done.subject.name}",
               body=f"使用期限至{done.due_at.isoformat()}届满，请及时评估是否需要延长（社区矫正法第29条）",
               link=f"/cases/{done.pk}/", category="monitoring_expiring")
    return moved
