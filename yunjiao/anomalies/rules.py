"""Pure rules for anomalies: known kinds, default severity and disposal time limits (SLA)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    severity: str  # low / medium / high
    sla_hours: int  # time to dispose


KINDS = {k.code: k for k in [
    Kind("checkin_missed", "未按时核查", "medium", 24),
    Kind("face_mismatch", "人脸比对不符", "medium", 24),
    Kind("liveness_failed", "活体检测未通过", "medium", 24),
    Kind("checkin_review", "核查待人工复核", "low", 24),
    Kind("location_missing", "未上传位置", "low", 24),
    Kind("boundary_exit", "越界", "high", 4),
    Kind("prohibited_zone", "进入禁止区域", "high", 2),
    Kind("device_silent", "定位信号中断", "medium", 12),
    Kind("device_tamper", "电子定位装置防拆报警", "high", 2),
    Kind("device_low_battery", "电子定位装置电量低", "low", 24),
    Kind("phone_separation", "疑似人机分离", "medium", 24),
    Kind("leave_overdue", "外出逾期未归", "high", 4),
    Kind("report_overdue", "未按时报到", "high", 24),
    Kind("lost_contact", "失去联系", "high", 2),
    Kind("education_absent", "未参加教育学习", "low", 72),
    Kind("education_shortfall", "学习时长不足", "low", 72),
    Kind("study_face_failed", "学习过程人脸核验未通过", "medium", 24),
    Kind("deadline_overdue", "办理期限已过", "medium", 24),
    Kind("other", "其他异常", "medium", 24),
]}


def kind_for(code: str) -> Kind:
    return KINDS.get(code) or Kind(code, KINDS["other"].label, "medium", 24)


def group_key(subject_id: int, kind: str, extra: str = "") -> str:
    """Repeated anomalies of one subject and kind (and optional episode) group into one open row."""
    return f"{subject_id}:{kind}:{extra}"[:120]


def due_for(kind: Kind, at: datetime, *, quiet_start: time = time(22, 0), quiet_end: time = time(7, 0)) -> datetime:
    """Disposal deadline.  A low/medium anomaly raised at night is due counted from 07:00 (no night storms);
    high severity is counted at once."""
    start = at
    if kind.severity != "high":
        local = at
        t = local.timetz().replace(tzinfo=None)
        if t >= quiet_start:
            start = (local + timedelta(days=1)).replace(hour=quiet_end.hour, minute=quiet_end.minute, second=0,
                                                         microsecond=0)
        elif t < quiet_end:
            start = local.replace(hour=quiet_end.hour, minute=quiet_end.minute, second=0, microsecond=0)
    return start + timedelta(hours=kind.sla_hours)


TRANSITIONS = {
    "acknowledge": ({"open"}, "acknowledged"),
    "verify": ({"open", "acknowledged"}, "verified"),
    "dispose": ({"open", "acknowledged", "verified"}, "disposed"),
    "escalate": ({"open", "acknowledged", "verified"}, "escalated"),
}


def transition_errors(state: str, action: str, *, text: str = "") -> list[str]:
    sources, _ = TRANSITIONS[action]
    errors = []
    if state not in sources:
        errors.append("该异常当前状态不能执行此操作（可能已被他人处理），请刷新后查看。")
    if action in ("verify", "dispose") and not text.strip():
        errors.append("请填写核实情况或处置情况。" if action == "verify" else "请填写处置情况（甄别结果和采取的措施）。")
    return errors
