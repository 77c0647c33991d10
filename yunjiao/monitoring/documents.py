"""Fields of the 电子定位 documents (审批表, 告知书, 延长审批表, 解除通知书) from the case and its periods."""

from __future__ import annotations

from datetime import date


def case_fields(case, code: str) -> dict:
    from yunjiao.documents.numbering import chinese_date
    from yunjiao.monitoring.models import MonitoringPeriod
    from yunjiao.monitoring.rules import ground_text

    data = case.data or {}
    out = {"monitoring_ground": ground_text(data.get("ground", ""))}
    period = MonitoringPeriod.objects.filter(case_id=case.pk).order_by("-start_date", "-id").first()
    if code == "monitoring_notice" or period is None:
        start, end = data.get("start_date"), data.get("end_date")
    else:
        start, end = period.start_date, period.end_date
    for key, value in (("monitoring_start_cn", start), ("monitoring_end_cn", end)):
        if value:
            out[key] = chinese_date(value if isinstance(value, date) else date.fromisoformat(value))
    if data.get("device_id"):
        out["device_number"] = data["device_id"]
    for key in ("extension_reason", "removal_reason"):
        if data.get(key):
            out[key] = data[key]
    return out


def register() -> None:
    from yunjiao.workflows.services import register_document_fields

    register_document_fields("monitoring", case_fields)
