"""三级预警 三级响应: raising red/yellow/blue warnings, the response plan, escalation and closing.

Level definitions and response plans are configuration (`rules.DEFAULT_WARNING_CONFIG`, overridable by the
setting `RISK_WARNING_CONFIG`).  Services take `now=` so escalation can be tested with a controllable clock.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from yunjiao.accounts.models import User
from yunjiao.anomalies.models import Anomaly
from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM, actor_label
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.notifications.services import notify, officers_of
from yunjiao.orgs.models import Org
from yunjiao.risk import rules
from yunjiao.risk.models import Warning, WarningEvent
from yunjiao.subjects.models import Subject

log = logging.getLogger(__name__)

RAISERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer"})
RESPONDERS = RAISERS | {"social_worker", "police_liaison"}


def config() -> dict:
    cfg = {**rules.DEFAULT_WARNING_CONFIG, **getattr(settings, "RISK_WARNING_CONFIG", {})}
    cfg["levels"] = {**rules.DEFAULT_WARNING_CONFIG["levels"], **cfg.get("levels", {})}
    return cfg


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _event(w: Warning, kind: str, text: str, *, actor, at: datetime, action: str = Action.UPDATE) -> None:
    WarningEvent.objects.create(warning=w, at=at, kind=kind, text=text[:300], actor_label=actor_label(actor)[:80])
    audit.record(actor, action, w, subject=w.subject, summary=f"{w.get_level_display()}·{text}"[:300],
                 data={"event": kind, "tier": w.tier, "at": at.isoformat()})


# ------------------------------------------------------------------------------------------ recipients

def tier_orgs(org: Org) -> dict[str, Org | None]:
    township = org if org.level == "township" else None
    county = org.county() if org.level != "city" else None
    city = county.parent if county is not None else (org if org.level == "city" else None)
    return {"township": township, "county": county, "city": city}


def recipients_for_tier(org: Org, tier: int):
    name = rules.TIERS[tier]
    orgs = tier_orgs(org)
    if name == "township":
        return list(officers_of(orgs["township"], ["township_officer"])) if orgs["township"] else []
    if name == "county":
        return list(officers_of(orgs["county"], ["county_head", "county_officer"])) if orgs["county"] else []
    if name == "city":
        return list(officers_of(orgs["city"], ["city_admin", "city_officer"])) if orgs["city"] else []
    county = orgs["county"]
    return list(User.objects.filter(role="police_liaison", is_active=True, org=county)) if county else []


def _notify_tiers(w: Warning, first: int, last: int, *, actor, at: datetime, prefix: str = "") -> None:
    link = reverse("risk:warning_detail", args=[w.pk])
    who = []
    for tier in range(first, last + 1):
        users = recipients_for_tier(w.org, tier)
        if users:
            notify(users, title=f"{prefix}{w.get_level_display()}：{w.title}",
                   body=f"{w.description[:200]}\n请于 {timezone.localtime(w.ack_due_at):%m-%d %H:%M} 前响应。",
                   link=link, category="warning", actor=actor)
        who.append(f"{rules.TIER_LABELS[rules.TIERS[tier]]}{len(users)}人")
    _event(w, "notified", f"{prefix}通知：" + "、".join(who), actor=actor, at=at)


# ------------------------------------------------------------------------------------------ raising

def _check_raiser(actor, subject: Subject | None, org: Org) -> None:
    if actor is SYSTEM or getattr(actor, "is_superuser", False):
        return
    if actor.role not in RAISERS:
        raise NotAllowed("您的角色不能发布预警。")
    if subject is not None and not Subject.objects.visible_to(actor).filter(pk=subject.pk).exists():
        raise NotAllowed("该矫正对象不属于本单位管辖，不能为其发布预警；请联系其所属司法所或上级机构。")
    if actor.org is None or not actor.org.contains(org):
        raise NotAllowed("只能在本单位管辖范围内发布预警。")


def raise_warning(*, level: str, kind: str, title: str, actor, subject: Subject | None = None, org: Org | None = None,
                  description: str = "", anomaly: Anomaly | None = None, source: str = "manual",
                  now: datetime | None = None) -> Warning:
    cfg = config()
    if level not in cfg["levels"]:
        raise ServiceError("预警级别无效，可选：红色、黄色、蓝色。", code="validation")
    if not title.strip():
        raise ServiceError("请填写预警标题。", code="validation")
    org = org or (subject.responsible_org if subject is not None else getattr(actor, "org", None))
    if org is None:
        raise ServiceError("请指定责任单位。", code="validation")
    _check_raiser(actor, subject, org)
    at = _now(now)
    ack_due, _ = rules.warning_deadlines(cfg, level, at)
    start = rules.level_plan(cfg, level)["start_tier"]
    with transaction.atomic():
        w = Warning.objects.create(
            org=org, org_path=subject.org_path if subject is not None else org.path, subject=subject,
            anomaly=anomaly, level=level, kind=kind, title=title.strip()[:120], description=description.strip(),
            source=source, tier=start, raised_at=at, raised_by=None if actor is SYSTEM else actor, ack_due_at=ack_due)
        _event(w, "raised", f"发布{w.get_level_display()}（{rules.MANUAL_KINDS.get(kind, kind)}）：{w.title}",
               actor=actor, at=at, action=Action.CREATE)
        _notify_tiers(w, 0, start, actor=actor, at=at)
    return w


def _lock(w: Warning, actor) -> Warning:
    locked = Warning.objects.visible_to(actor).select_for_update().filter(pk=w.pk).first()
    if locked is None:
        raise NotAllowed("该预警不在您的管辖范围内。")
    return locked


def upgrade_level(w: Warning, *, level: str, reason: str, actor=SYSTEM, now: datetime | None = None) -> Warning:
    cfg = config()
    at = _now(now)
    with transaction.atomic():
        w = _lock(w, actor)
        if rules.WARNING_LEVEL_ORDER[level] <= rules.WARNING_LEVEL_ORDER[w.level] or not w.is_open:
            return w
        old_label = w.get_level_display()
        w.level = level
        start = rules.level_plan(cfg, level)["start_tier"]
        old_tier = w.tier
        w.tier = max(w.tier, start)
        if w.state == Warning.State.OPEN:
            w.ack_due_at, _ = rules.warning_deadlines(cfg, level, at)
        w.version += 1
        w.save()
        _event(w, "upgraded", f"由{old_label}升为{w.get_level_display()}：{reason}", actor=actor, at=at)
        if w.tier > old_tier:
            _notify_tiers(w, old_tier + 1, w.tier, actor=actor, at=at, prefix="【升级】")
    return w


def acknowledge(w: Warning, *, actor, note: str = "", now: datetime | None = None) -> Warning:
    """First response (签收): starts the report-back timer."""
    if actor is not SYSTEM and actor.role not in RESPONDERS and not actor.is_superuser:
        raise NotAllowed("您的角色不能响应预警。")
    at = _now(now)
    with transaction.atomic():
        w = _lock(w, actor)
        if w.state != Warning.State.OPEN:
            raise ServiceError("该预警已有人响应，请刷新页面。", code="invalid_state")
        w.state, w.acknowledged_by, w.acknowledged_at = Warning.State.ACKNOWLEDGED, actor, at
        _, w.report_due_at = rules.warning_deadlines(config(), w.level, at)
        w.version += 1
        w.save()
        _event(w, "acknowledged", "已响应" + (f"：{note.strip()}" if note.strip() else ""), actor=actor, at=at)
    return w


def report_back(w: Warning, *, actor, text: str, now: datetime | None = None) -> Warning:
    if not text.strip():
        raise ServiceError("请填写处置反馈（采取了哪些措施、当前情况）。", code="validation")
    at = _now(now)
    with transaction.atomic():
        w = _lock(w, actor)
        if w.state not in (Warning.State.ACKNOWLEDGED, Warning.State.REPORTED):
            raise ServiceError("请先响应该预警，再反馈处置情况。", code="invalid_state")
        w.state, w.report, w.reported_at = Warning.State.REPORTED, text.strip(), at
        w.version += 1
        w.save()
        _event(w, "reported", f"处置反馈：{text.strip()[:200]}", actor=actor, at=at)
    return w


def close(w: Warning, *, actor, closing_report: str, now: datetime | None = None) -> Warning:
    if actor is not SYSTEM and actor.role not in RAISERS and not actor.is_superuser:
        raise NotAllowed("您的角色不能办结预警。")
    if not closing_report.strip():
        raise ServiceError("请填写办结报告（事件经过、处置结果、后续措施）。", code="validation")
    at = _now(now)
    with transaction.atomic():
        w = _lock(w, actor)
        if w.state not in (Warning.State.ACKNOWLEDGED, Warning.State.REPORTED):
            raise ServiceError("预警须先响应并反馈处置情况后才能办结。", code="invalid_state")
        w.state, w.closing_report, w.closed_by, w.closed_at = Warning.State.CLOSED, closing_report.strip(), actor, at
        w.version += 1
        w.save()
        _event(w, "closed", f"办结：{closing_report.strip()[:200]}", actor=actor, at=at)
    return w


def escalate(w: Warning, *, actor=SYSTEM, reason: str, now: datetime | None = None) -> Warning:
    """Notify the next tier and restart the first-response timer (at the top tier: notify again)."""
    cfg = config()
    at = _now(now)
    with transaction.atomic():
        w = _lock(w, actor)
        if not w.is_open:
            raise ServiceError("预警已办结。", code="invalid_state")
        nxt = rules.next_tier(w.tier)
        first = w.tier + 1 if nxt is not None else 0
        w.tier = nxt if nxt is not None else w.tier
        w.escalation_count += 1
        if w.state == Warning.State.OPEN:
            w.ack_due_at, _ = rules.warning_deadlines(cfg, w.level, at)
        w.version += 1
        w.save()
        target = rules.TIER_LABELS[rules.TIERS[w.tier]]
        _event(w, "escalated", f"逐级上报至{target}：{reason}" if nxt is not None else f"已至最高层级，再次通知：{reason}",
               actor=actor, at=at)
        _notify_tiers(w, first, w.tier, actor=actor, at=at, prefix="【逐级上报】")
    return w


def scan_warnings(*, now: datetime | None = None) -> int:
    """Periodic job: escalate warnings whose first response or report-back is overdue."""
    at = _now(now)
    n = 0
    for w in Warning.objects.exclude(state=Warning.State.CLOSED).filter(
            Q(state=Warning.State.OPEN, ack_due_at__lt=at) |
            Q(state=Warning.State.ACKNOWLEDGED, report_due_at__lt=at, report_overdue=False)):
        action = rules.warning_due_action(state=w.state, tier=w.tier, ack_due=w.ack_due_at, report_due=w.report_due_at,
                                          report_overdue_flagged=w.report_overdue, now=at)
        if action == "escalate":
            escalate(w, actor=SYSTEM, reason="未在首次响应时限内响应", now=at)
            n += 1
        elif action == "report_overdue":
            with transaction.atomic():
                Warning.objects.filter(pk=w.pk).update(report_overdue=True)
            escalate(w, actor=SYSTEM, reason="未在时限内反馈处置情况", now=at)
            n += 1
    return n


# ------------------------------------------------------------------------------------------ from anomalies

def _view(a: Anomaly) -> rules.AnomalyView:
    return rules.AnomalyView(kind=a.kind, count=a.count, first_seen_at=a.first_seen_at, due_at=a.due_at,
                             is_open=a.is_open, subject_is_key=a.subject.is_key_subject)


def warn_from_anomaly(a: Anomaly, *, now: datetime | None = None, minimum: str | None = None,
                      actor=SYSTEM, note: str = "") -> Warning | None:
    """Raise (or upgrade) the warning an anomaly calls for; one open warning per anomaly."""
    at = _now(now)
    found = rules.classify_anomaly(config(), _view(a), at)
    if minimum and (found is None or rules.WARNING_LEVEL_ORDER[found[0]] < rules.WARNING_LEVEL_ORDER[minimum]):
        found = (minimum, note or "工作人员将异常升级为预警")
    if found is None:
        return None
    level, reason = found
    existing = Warning.objects.filter(anomaly=a).exclude(state=Warning.State.CLOSED).first()
    if existing is not None:
        return upgrade_level(existing, level=level, reason=reason, now=at)
    return raise_warning(level=level, kind=a.kind, title=f"{a.subject.name}：{a.kind_label}（{reason}）",
                         description=f"{a.summary}\n触发原因：{reason}" + (f"\n{note}" if note else ""),
                         subject=a.subject, anomaly=a, actor=actor, source="auto" if actor is SYSTEM else "anomaly",
                         now=at)


def scan_anomalies(*, now: datetime | None = None) -> int:
    """Periodic job: open anomalies not disposed in time, or lost contact for too long."""
    cfg = config()
    at = _now(now)
    qs = Anomaly.objects.open().select_related("subject").filter(
        Q(due_at__lt=at) | Q(kind__in=cfg["lost_contact_kinds"]))
    n = 0
    for a in qs:
        if warn_from_anomaly(a, now=at) is not None:
            n += 1
    return n


def on_anomaly(anomaly: Anomaly, created: bool) -> None:
    """Anomaly listener: new or regrouped anomaly → warning check and re-evaluation of the subject."""
    from yunjiao.risk import services

    try:
        a = Anomaly.objects.select_related("subject").get(pk=anomaly.pk)
        warn_from_anomaly(a)
        services.evaluate_subject(a.subject)
    except Exception:  # a listener must never break the detector that raised the anomaly
        log.exception("risk listener failed for anomaly %s", anomaly.pk)


def escalation_handler(anomaly: Anomaly, *, actor, note: str = "") -> str:
    """Anomaly escalation target `warning`: at least a yellow warning (beyond the township's own handling)."""
    w = warn_from_anomaly(Anomaly.objects.select_related("subject").get(pk=anomaly.pk), minimum="yellow",
                          actor=actor, note=note)
    return f"warning:{w.pk}"


def board(user, *, now: datetime | None = None) -> list[dict]:
    at = _now(now)
    rows = []
    for w in (Warning.objects.visible_to(user).exclude(state=Warning.State.CLOSED)
              .select_related("subject", "org").order_by("-level", "ack_due_at")):
        due = w.ack_due_at if w.state == Warning.State.OPEN else w.report_due_at
        seconds = int((due - at).total_seconds()) if due else None
        rows.append({"w": w, "due": due, "seconds": seconds, "overdue": seconds is not None and seconds < 0,
                     "minutes": abs(seconds) // 60 if seconds is not None else None,
                     "due_label": "响应" if w.state == Warning.State.OPEN else "反馈"})
    rows.sort(key=lambda r: (-rules.WARNING_LEVEL_ORDER[r["w"].level], r["seconds"] if r["seconds"] is not None else 10**9))
    return rows
