"""Where an officer looks next from an anomaly: apps register, per related object type, the pages that show the
evidence (the check-in with all its frames, the trajectory on the map around an alert…).  A link builder gets
the anomaly and the viewing user and returns [(label, url)] — nothing when the user may not open that page."""

from __future__ import annotations

from collections.abc import Callable

_LINKS: dict[str, list[Callable]] = {}
_ANY: list[Callable] = []


def register_link(related_type: str | None, fn: Callable) -> Callable:
    """fn(anomaly, user) -> list[(label, url)]; related_type None: offered for every anomaly."""
    if related_type is None:
        _ANY.append(fn)
    else:
        _LINKS.setdefault(related_type, []).append(fn)
    return fn


def links_for(anomaly, user) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for fn in [*_LINKS.get(anomaly.related_type, []), *_ANY]:
        for link in fn(anomaly, user) or []:
            if link not in out:
                out.append(link)
    return out


# Chinese names of the evidence keys the apps store, for the officer's view of an anomaly's evidence.
EVIDENCE_LABELS = {
    "checkin_id": "核查记录编号", "outcome": "核查结果", "best_match": "人脸相似度", "location_status": "定位结果",
    "lat": "纬度", "lon": "经度", "accuracy_m": "定位精度(米)", "task_id": "核查任务编号", "kind": "类型",
    "deadline": "截止时间", "distance_m": "距离(米)", "device_id": "设备编号", "geofence_alert": "围栏告警编号",
    "rule": "触发规则", "boundary_version": "边界版本", "started_at": "开始时间", "leave": "外出记录编号",
    "case": "流程案件编号", "approved_end": "批准返回日期",
}


def evidence_rows(evidence) -> list[tuple[str, str]]:
    """Scalar evidence values with Chinese labels (nested values stay in the raw view)."""
    if not isinstance(evidence, dict):
        return []
    rows = []
    for key, value in evidence.items():
        if isinstance(value, dict | list) or value in (None, ""):
            continue
        rows.append((EVIDENCE_LABELS.get(key, key), str(value)))
    return rows
