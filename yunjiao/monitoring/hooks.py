"""Guards and effects of the 电子定位 process (workflows/processes/monitoring.py).

Guards: `guard(case, user, data) -> [reasons]` (read only; `data` is None when the case page only asks
whether to enable a button).  Effects: `effect(case, data, actor)`, run by workflows.services.fire inside
its transaction after the checks.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from yunjiao.monitoring import rules

IN_CORRECTION = ("in_correction", "on_leave")


def _date(value) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _max_end(case, start: date) -> date:
    """start + the D9 period (3 months, 社区矫正法 art.29; a local override can only be configured lower)."""
    from yunjiao.workflows import rules as wrules
    from yunjiao.workflows.services import overrides_map

    return wrules.compute_deadline("D9", start, org_path=case.org_path or "",
                                   overrides=overrides_map().get("D9")).due_date


# ------------------------------------------------------------------ guards
def subject_in_correction(case, user, data):
    subject = getattr(case, "subject", None)
    if subject is None:
        return ["请先选择社区矫正对象"]
    if subject.status not in IN_CORRECTION:
        return [f"该对象当前状态为“{subject.get_status_display()}”，电子定位只适用于在矫的社区矫正对象"]
    return []


def ground_supported(case, user, data):
    """The ground must be one of the five of art.29, and the file must show the fact it rests on where the
    system holds it (禁止令 on record, a warning decided, a police penalty recorded)."""
    if not data or "ground" not in data:
        return []
    subject = getattr(case, "subject", None)
    if subject is None:
        return []
    from yunjiao.workflows.models import Case

    ground = data["ground"]
    if ground == "prohibition_order" and not subject.prohibitions.exists():
        return ["该对象档案中没有禁止令记录，不能以“违反人民法院禁止令”为由提请；请先在对象档案中登记禁止令"]
    if ground == "refused_reporting_warned" and not Case.objects.filter(
            subject=subject, process="warning", state__in=("decided", "delivered")).exists():
        return ["该对象没有已作出的警告决定，不能以“拒不按照规定报告自己的活动情况被给予警告”为由提请"]
    if ground == "police_penalty" and not Case.objects.filter(
            subject=subject, process="police_penalty_request", state="penalised").exists():
        return ["该对象没有公安机关已作出的治安管理处罚记录，不能以“被给予治安管理处罚”为由提请"]
    return []


def period_within_limit(case, user, data):
    if not data or "start_date" not in data or "end_date" not in data:
        return []
    start, end = _date(data["start_date"]), _date(data["end_date"])
    today = timezone.localdate()
    reasons = []
    if start < today:
        reasons.append(f"使用起始日期不能早于批准之日（{today.isoformat()}）")
    if end < start:
        reasons.append("使用截止日期不能早于起始日期")
    elif end > _max_end(case, start):
        reasons.append(f"每次使用电子定位装置的期限不得超过三个月（社区矫正法第29条），"
                       f"自{start.isoformat()}起最迟至{_max_end(case, start).isoformat()}")
    return reasons


def device_available(case, user, data):
    if not data or "device_id" not in data:
        return []
    from yunjiao.geo.models import Device

    reasons = []
    fitted = _date(data.get("fitted_on"))
    start = _date((case.data or {}).get("start_date"))
    end = _date((case.data or {}).get("end_date"))
    if fitted and start and fitted < start:
        reasons.append(f"佩戴日期不能早于批准的使用起始日期（{start.isoformat()}）")
    if fitted and end and fitted > end:
        reasons.append(f"批准的使用期限已于{end.isoformat()}届满，请重新提请")
    device = Device.objects.filter(device_id=str(data["device_id"]).strip()).select_related("subject").first()
    if device is not None and device.is_active:
        if device.kind != Device.Kind.WRISTBAND:
            reasons.append(f"编号{device.device_id}已登记为{device.get_kind_display()}，电子定位装置不包括手机，"
                           "请核对腕带编号")
        elif device.subject_id != case.subject_id:
            reasons.append(f"电子定位装置{device.device_id}正在其他对象处使用，请先解除后再佩戴")
    return reasons


def conclusion_is(expected):
    def guard(case, user, data):
        if (case.data or {}).get("conclusion") != expected:
            return [rules.CONCLUSION_REFUSAL[expected]]
        return []

    guard.__name__ = f"conclusion_is_{expected}"
    return guard


def extension_within_limit(case, user, data):
    if not data or "new_end" not in data:
        return []
    current = _date((case.data or {}).get("end_date"))
    new_end = _date(data["new_end"])
    if current is None:
        return ["案件没有已批准的使用期限，不能延长"]
    if new_end <= current:
        return [f"延长后的截止日期须晚于现截止日期（{current.isoformat()}）"]
    limit = _max_end(case, current)
    if new_end > limit:
        return [f"每次延长不得超过三个月（社区矫正法第29条），最迟至{limit.isoformat()}"]
    return []


def expiry_near(case, user, data):
    if case.due_at is None:
        return ["案件没有使用期限"]
    days = int(getattr(settings, "MONITORING_EXPIRY_NOTICE_DAYS", rules.EXPIRY_NOTICE_DAYS))
    if case.due_at - timedelta(days=days) > timezone.localdate():
        return [f"距使用期限届满（{case.due_at.isoformat()}）还有{days}日以上，尚未到评估时间"]
    return []


# ------------------------------------------------------------------ effects
def record_initial_period(case, data, actor):
    from yunjiao.monitoring.models import MonitoringPeriod

    MonitoringPeriod.objects.create(case=case, subject=case.subject, kind=MonitoringPeriod.Kind.INITIAL,
                                    start_date=data["start_date"], end_date=data["end_date"],
                                    approved_by=_user(actor))
    case.data["periods"] = 1


def link_device(case, data, actor):
    from yunjiao.monitoring import services

    device = services.link_wristband(case.subject, data["device_id"], actor=actor, case=case)
    case.data["device_pk"] = device.pk
    key = services.issue_wristband_token(device, actor=actor)
    if key:
        # never stored: handed to the page that fired the step (workflows FireView shows it once)
        case.shown_once = {"label": f"腕带 {device.device_id} 的设备接口令牌", "key": key,
                           "hint": "请立即保存并配置到腕带或厂商平台（POST /api/v1/locations/batch/，"
                                   "请求头 Authorization: Token <令牌>）；令牌只显示这一次。"}


def record_extension(case, data, actor):
    from yunjiao.monitoring.models import MonitoringPeriod

    current = _date(case.data.get("end_date"))
    MonitoringPeriod.objects.create(case=case, subject=case.subject, kind=MonitoringPeriod.Kind.EXTENSION,
                                    start_date=current + timedelta(days=1), end_date=data["new_end"],
                                    approved_by=_user(actor))
    case.data["end_date"] = data["new_end"].isoformat()
    case.data["periods"] = int(case.data.get("periods", 1)) + 1
    case.data.pop("conclusion", None)  # the next expiry needs a new assessment


def extension_refused(case, data, actor):
    case.data["conclusion"] = "end"


def unlink_device(case, data, actor):
    from yunjiao.monitoring import services

    services.unlink_wristband(case, actor=actor, reason=data.get("removal_reason", ""))


def _user(actor):
    from yunjiao.core.actors import SYSTEM

    return None if actor is SYSTEM else actor
