"""Raising and closing anomalies.  Detectors call `raise_anomaly`; officers close them with a disposition."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from yunjiao.anomalies import rules
from yunjiao.anomalies.models import Anomaly, AnomalyState
from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError

# Escalation targets registered by other apps: code -> (label, handler(anomaly, *, actor, note) -> ref str)
ESCALATIONS: dict[str, tuple[str, Callable]] = {}
# Listeners told about every new or regrouped anomaly (e.g. warnings): fn(anomaly, created: bool)
LISTENERS: list[Callable] = []


def register_escalation(code: str, label: str, handler: Callable) -> None:
    ESCALATIONS[code] = (label, handler)


def register_listener(fn: Callable) -> Callable:
    LISTENERS.append(fn)
    return fn


def raise_anomaly(subject, *, kind: str, summary: str, evidence: dict | None = None, source: str = "system",
                  actor=SYSTEM, episode: str = "", related=None, at: datetime | None = None) -> Anomaly:
    """Open an anomaly, or add to the open one of the same subject, kind and episode (grouping)."""
    k = rules.kind_for(kind)
    at = at or timezone.now()
    key = rules.group_key(subject.pk, kind, episode)
    with transaction.atomic():
        existing = (Anomaly.objects.select_for_update().filter(group_key=key, state__in=[
            AnomalyState.OPEN, AnomalyState.ACKNOWLEDGED, AnomalyState.VERIFIED]).first())
        if existing is not None:
            existing.count += 1
            existing.last_seen_at = max(existing.last_seen_at, at)
            occurrences = existing.evidence.get("occurrences", [])
            occurrences.append({"at": at.isoformat(), "summary": summary[:200], **(evidence or {})})
            existing.evidence["occurrences"] = occurrences[-50:]
            existing.summary = summary[:300]
            existing.version += 1
            existing.save()
            anomaly, created = existing, False
        else:
            anomaly = Anomaly.objects.create(
                subject=subject, org_path=subject.org_path, kind=kind, kind_label=k.label, source=source,
                severity=k.severity, summary=summary[:300], evidence=evidence or {}, group_key=key,
                first_seen_at=at, last_seen_at=at, due_at=rules.due_for(k, timezone.localtime(at)),
                related_type=related._meta.label if related is not None else "",
                related_id=str(related.pk) if related is not None else "",
            )
            created = True
        audit.record(actor, Action.CREATE if created else Action.UPDATE, anomaly, subject=subject,
                     summary=f"{'产生' if created else '归并'}异常：{k.label}（{summary[:80]}）")
        for listener in LISTENERS:
            transaction.on_commit(lambda a=anomaly, c=created, fn=listener: fn(a, c))
    return anomaly


def _lock(anomaly: Anomaly, actor, expected_version: int | None) -> Anomaly:
    locked = Anomaly.objects.visible_to(actor).select_for_update().filter(pk=anomaly.pk).first()
    if locked is None:
        raise NotAllowed("该异常不在您的管辖范围内。")
    if getattr(actor, "role", "") in ("subject", "police_liaison"):
        raise NotAllowed("您的角色不能处置异常。")
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("该异常已被他人处理，请刷新页面后查看。")
    return locked


def _act(anomaly: Anomaly, action: str, *, actor, text: str = "", expected_version: int | None = None,
         **changes) -> Anomaly:
    with transaction.atomic():
        locked = _lock(anomaly, actor, expected_version)
        errors = rules.transition_errors(locked.state, action, text=text)
        if errors:
            raise ServiceError(errors[0], code="invalid_state" if "状态" in errors[0] else "validation")
        before = locked.state
        locked.state = rules.TRANSITIONS[action][1]
        for k, v in changes.items():
            setattr(locked, k, v)
        now = timezone.now()
        if action == "acknowledge":
            locked.acknowledged_by, locked.acknowledged_at = actor, now
        if action in ("dispose", "escalate"):
            locked.closed_by, locked.closed_at = actor, now
            if locked.acknowledged_at is None:
                locked.acknowledged_by, locked.acknowledged_at = actor, now
        locked.version += 1
        locked.save()
        audit.record(actor, Action.UPDATE, locked, subject=locked.subject, before={"state": before},
                     after={"state": locked.state, **{k: str(v) for k, v in changes.items()}},
                     summary=f"异常{locked.get_state_display()}：{locked.kind_label}" + (f"（{text[:80]}）" if text else ""))
    return locked


def acknowledge(anomaly: Anomaly, *, actor, expected_version: int | None = None) -> Anomaly:
    return _act(anomaly, "acknowledge", actor=actor, expected_version=expected_version)


def verify(anomaly: Anomaly, *, actor, text: str, expected_version: int | None = None) -> Anomaly:
    return _act(anomaly, "verify", actor=actor, text=text, expected_version=expected_version, verification=text)


def dispose(anomaly: Anomaly, *, actor, text: str, false_alarm: bool = False,
            expected_version: int | None = None) -> Anomaly:
    return _act(anomaly, "dispose", actor=actor, text=text, expected_version=expected_version, disposition=text,
                is_false_alarm=false_alarm)


def escalate(anomaly: Anomaly, *, actor, target: str, note: str = "", expected_version: int | None = None) -> Anomaly:
    if target not in ESCALATIONS:
        raise ServiceError("不支持的升级方式。可选：" + "、".join(label for label, _ in ESCALATIONS.values()))
    label, handler = ESCALATIONS[target]
    with transaction.atomic():
        locked = _act(anomaly, "escalate", actor=actor, text=note, expected_version=expected_version,
                      escalated_to=target, disposition=note or f"升级为{label}")
        ref = handler(locked, actor=actor, note=note)
        if ref:
            Anomaly.objects.filter(pk=locked.pk).update(escalation_ref=str(ref)[:64])
            locked.escalation_ref = str(ref)[:64]
    return locked


def close_automatically(subject, *, kind: str, episode: str = "", reason: str) -> int:
    """A detector saw the condition end (e.g. back inside the area): close the open row as disposed."""
    key = rules.group_key(subject.pk, kind, episode)
    n = 0
    with transaction.atomic():
        for anomaly in Anomaly.objects.select_for_update().filter(group_key=key, state=AnomalyState.OPEN):
            anomaly.state, anomaly.disposition = AnomalyState.DISPOSED, reason
            anomaly.closed_at = timezone.now()
            anomaly.version += 1
            anomaly.save()
            audit.record(SYSTEM, Action.UPDATE, anomaly, subject=subject, summary=f"异常自动关闭：{reason}")
            n += 1
    return n
