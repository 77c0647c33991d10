"""派单式用警: creating orders, firing the declared transitions, attachments, the per-county dashboard."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.urls import reverse
from django.utils import timezone

from yunjiao.accounts.models import User
from yunjiao.anomalies.models import Anomaly
from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM, actor_label
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.dispatch import rules
from yunjiao.dispatch.models import DispatchAttachment, DispatchEvent, DispatchOrder
from yunjiao.notifications.services import notify, officers_of
from yunjiao.orgs.models import Org
from yunjiao.subjects.models import Subject

REQUESTER_ROLES = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer"})
ANOMALY_TO_TYPE = {"lost_contact": "search", "report_overdue": "search", "leave_overdue": "search",
                   "boundary_exit": "stop_violation", "prohibited_zone": "stop_violation"}


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def liaison_q(user) -> Q:
    """Orders a police liaison works on: assigned to them, or to their org's liaison room (not drafts)."""
    return (Q(assigned_liaison=user) | Q(liaison_org_id=user.org_id)) & ~Q(state="draft")


def police_grant(user, model):
    """Scoping grant: a police liaison sees the orders of their room and only the subjects of those orders."""
    if getattr(user, "role", None) != "police_liaison" or user is SYSTEM:
        return None
    if model is DispatchOrder:
        return liaison_q(user)
    if model is Subject:
        return Q(pk__in=DispatchOrder.objects.filter(liaison_q(user)).values("subject_id"))
    if model is DispatchAttachment:
        return Q(order__in=DispatchOrder.objects.filter(liaison_q(user)).values("pk"))
    return None


def side_of(actor, order: DispatchOrder) -> str | None:
    if actor is SYSTEM or actor is None:
        return None
    if actor.role == "police_liaison":
        if order.assigned_liaison_id == actor.pk or (actor.org_id and order.liaison_org_id == actor.org_id):
            return rules.LIAISON
        return None
    if (actor.is_superuser or actor.role in REQUESTER_ROLES) and actor.org is not None \
            and actor.org.contains(order.requesting_org):
        return rules.REQUESTER
    return None


def _next_number(at: datetime) -> str:
    prefix = f"PD{timezone.localtime(at):%Y%m%d}"
    n = DispatchOrder.objects.filter(number__startswith=prefix).count() + 1
    while DispatchOrder.objects.filter(number=f"{prefix}{n:04d}").exists():
        n += 1
    return f"{prefix}{n:04d}"


def create_order(*, actor, subject: Subject, order_type: str, place: str, requested_time: datetime,
                 urgency: str = "normal", officers_needed: int = 2, description: str = "",
                 anomaly: Anomaly | None = None, case=None, assigned_liaison: User | None = None,
                 now: datetime | None = None) -> DispatchOrder:
    if actor is SYSTEM or (not actor.is_superuser and actor.role not in REQUESTER_ROLES) or actor.org is None:
        raise NotAllowed("只有司法所或县(市、区)社区矫正机构工作人员可以申请用警。")
    if not Subject.objects.visible_to(actor).filter(pk=subject.pk).exists():
        raise NotAllowed("该矫正对象不属于本单位管辖，不能为其申请用警；请联系其所属司法所。")
    errors = []
    if order_type not in rules.ORDER_TYPES:
        errors.append("请选择用警类型。")
    if urgency not in rules.URGENCIES:
        errors.append("请选择紧急程度。")
    if not place.strip():
        errors.append("请填写地点。")
    if requested_time is None:
        errors.append("请填写需要到场时间。")
    if not 1 <= int(officers_needed or 0) <= 50:
        errors.append("需要警力应为 1 到 50 人。")
    if errors:
        raise ServiceError("；".join(errors), code="validation")
    if case is not None and (case.subject_id != subject.pk
                             or not type(case).objects.visible_to(actor).filter(pk=case.pk).exists()):
        raise ServiceError("关联案件不属于该矫正对象，或不在您的管辖范围内。", code="validation")
    if anomaly is not None and anomaly.subject_id != subject.pk:
        raise ServiceError("关联异常不属于该矫正对象。", code="validation")
    requesting = actor.org
    liaison_org = requesting.county() or subject.execution_org
    if assigned_liaison is not None and (assigned_liaison.role != "police_liaison"
                                         or assigned_liaison.org_id != liaison_org.pk):
        raise ServiceError("指定的民警不属于本县(区)警务联络室。", code="validation")
    at = _now(now)
    with transaction.atomic():
        order = DispatchOrder.objects.create(
            number=_next_number(at), requesting_org=requesting, org_path=requesting.path, liaison_org=liaison_org,
            assigned_liaison=assigned_liaison, subject=subject, anomaly=anomaly, case=case,
            order_type=order_type, urgency=urgency, place=place.strip(), requested_time=requested_time,
            officers_needed=int(officers_needed), description=description.strip(), created_by=actor)
        DispatchEvent.objects.create(order=order, at=at, transition="create", from_state="", to_state="draft",
                                     note="新建派单", actor_label=actor_label(actor)[:80])
        audit.record(actor, Action.CREATE, order, subject=subject, org_path=subject.org_path,
                     summary=f"新建用警派单 {order.number}：{order.get_order_type_display()}（{order.get_urgency_display()}）")
    return order


def allowed_transitions(order: DispatchOrder, actor) -> list[dict]:
    """Buttons for the page: every transition from this state, with the reasons it is refused."""
    side = side_of(actor, order)
    out = []
    for t in rules.TRANSITIONS.values():
        if order.state not in t.sources:
            continue
        reasons = [r for r in rules.refusal_reasons(order.state, t.code, side=side, data=None)
                   if not r.startswith("请填写")]
        if t.side == side or side is None:
            out.append({"code": t.code, "label": t.label, "needs": t.needs, "reasons": reasons})
    return out


def fire(order: DispatchOrder, code: str, *, actor, data: dict | None = None, now: datetime | None = None,
         expected_version: int | None = None) -> DispatchOrder:
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in (data or {}).items()}
    at = _now(now)
    with transaction.atomic():
        o = DispatchOrder.objects.visible_to(actor).select_for_update().filter(pk=order.pk).first()
        if o is None:
            raise NotAllowed("未找到该派单，或不在您的管辖范围内。")
        if expected_version is not None and o.version != expected_version:
            raise ServiceError("该派单已被他人办理，请刷新页面后查看。", code="conflict")
        reasons = rules.refusal_reasons(o.state, code, side=side_of(actor, o), data=data)
        if reasons:
            raise NotAllowed(reasons[0]) if "不能办理" in reasons[0] or "只能由" in reasons[0] \
                else ServiceError(reasons[0], code="invalid")
        t = rules.TRANSITIONS[code]
        before = o.state
        note = ""
        if code == "submit":
            o.submitted_at = at
        elif code in ("cancel", "return"):
            o.closing_reason = note = data["reason"][:300]
        elif code == "accept":
            o.accepted_by, o.accepted_at = actor, at
            if o.assigned_liaison_id is None:
                o.assigned_liaison = actor
        elif code == "dispatch":
            o.officers, o.dispatched_at = data["officers"][:200], at
            note = f"出警民警：{o.officers}"
        elif code == "arrive":
            o.on_site_at = at
        elif code == "complete":
            o.result, o.completed_at = data["result"], at
            note = data["result"][:300]
        elif code == "evaluate":
            o.score, o.evaluation, o.evaluated_at = int(data["score"]), data.get("comment", ""), at
            note = f"{o.score}分 {o.evaluation}"[:300]
        o.state = t.target
        o.version += 1
        o.save()
        DispatchEvent.objects.create(order=o, at=at, transition=code, from_state=before, to_state=o.state,
                                     note=note, actor_label=actor_label(actor)[:80])
        audit.record(actor, Action.TRANSITION, o, subject=o.subject, org_path=o.subject.org_path,
                     before={"state": before}, after={"state": o.state},
                     summary=f"派单 {o.number}：{t.label}" + (f"（{note[:100]}）" if note else ""))
        _notify(o, code, actor)
    return o


def _notify(o: DispatchOrder, code: str, actor) -> None:
    link = reverse("dispatch:detail", args=[o.pk])
    title = f"用警派单 {o.number}（{o.get_order_type_display()}·{o.get_urgency_display()}）{rules.TRANSITIONS[code].label}"
    if code == "submit":
        users = [o.assigned_liaison] if o.assigned_liaison else list(
            User.objects.filter(role="police_liaison", org=o.liaison_org, is_active=True))
    elif code in ("cancel", "evaluate"):
        users = [o.assigned_liaison] if o.assigned_liaison else []
    else:
        users = list(officers_of(o.requesting_org, REQUESTER_ROLES))
    if users:
        notify(users, title=title, body=f"对象：{o.subject.name}；地点：{o.place}", link=link, category="dispatch",
               actor=actor)


def attach(order: DispatchOrder, *, actor, upload) -> DispatchAttachment:
    if side_of(actor, order) is None:
        raise NotAllowed("只有申请单位或承接民警可以上传附件。")
    if order.state in ("evaluated", "cancelled"):
        raise ServiceError("派单已办结，不能再上传附件。", code="invalid_state")
    if upload.size > 20 * 1024 * 1024:
        raise ServiceError("附件不能超过 20 MB。", code="validation")
    with transaction.atomic():
        att = DispatchAttachment.objects.create(order=order, file=upload, name=upload.name[:200], uploaded_by=actor)
        audit.record(actor, Action.CREATE, att, subject=order.subject, org_path=order.subject.org_path,
                     summary=f"派单 {order.number} 上传附件：{att.name}")
    return att


def escalation_handler(anomaly: Anomaly, *, actor, note: str = "") -> str:
    """Anomaly escalation target `dispatch`: a draft order for the officer to complete and submit."""
    when = timezone.now()
    order = create_order(actor=actor, subject=anomaly.subject, order_type=ANOMALY_TO_TYPE.get(anomaly.kind, "other"),
                         urgency="high" if anomaly.severity == "high" else "normal",
                         place=(anomaly.evidence or {}).get("address", "") or "待补充",
                         requested_time=when, description=f"由异常升级：{anomaly.kind_label}，{anomaly.summary}。{note}",
                         anomaly=anomaly)
    return f"dispatch:{order.pk}"


def dashboard(user, *, now: datetime | None = None) -> list[dict]:
    """Per county: volume, average response (submit→accept) and arrival (accept→on site), SLA breaches, score."""
    at = _now(now)
    qs = DispatchOrder.objects.visible_to(user).exclude(state="draft")
    counties = Org.objects.filter(level="county", pk__in=qs.values("liaison_org")).order_by("code")
    rows = []
    for county in counties:
        cq = qs.filter(liaison_org=county)
        agg = cq.aggregate(
            total=Count("id"), open=Count("id", filter=~Q(state__in=["completed", "evaluated", "cancelled", "returned"])),
            completed=Count("id", filter=Q(state__in=["completed", "evaluated"])),
            avg_score=Avg("score"),
            avg_accept=Avg(F("accepted_at") - F("submitted_at"), filter=Q(accepted_at__isnull=False)),
            avg_arrive=Avg(F("on_site_at") - F("accepted_at"), filter=Q(on_site_at__isnull=False)))
        breaches = sum(1 for o in cq.only("urgency", "submitted_at", "accepted_at", "on_site_at", "state")
                       if o.state not in ("cancelled", "returned") and rules.sla_breaches(
                           o.urgency, submitted_at=o.submitted_at, accepted_at=o.accepted_at, on_site_at=o.on_site_at,
                           now=at))

        def minutes(td):
            return round(td.total_seconds() / 60, 1) if td is not None else None

        rows.append({"org": county, **agg, "avg_accept_min": minutes(agg["avg_accept"]),
                     "avg_arrive_min": minutes(agg["avg_arrive"]),
                     "avg_score": round(agg["avg_score"], 2) if agg["avg_score"] is not None else None,
                     "sla_breaches": breaches})
    return rows


def remind_overdue(*, now: datetime | None = None) -> int:
    """SLA timers: tell the liaison room (and the requesting unit) once per limit that is exceeded."""
    at = _now(now)
    n = 0
    for o in DispatchOrder.objects.filter(state__in=["submitted", "accepted", "dispatched"]).select_related("subject"):
        breaches = [b for b in rules.sla_breaches(o.urgency, submitted_at=o.submitted_at, accepted_at=o.accepted_at,
                                                  on_site_at=o.on_site_at, now=at)
                    if b not in o.sla_reminded.split(",")]
        if not breaches:
            continue
        with transaction.atomic():
            o = DispatchOrder.objects.select_for_update().get(pk=o.pk)
            o.sla_reminded = ",".join(filter(None, o.sla_reminded.split(",") + breaches))
            o.save(update_fields=["sla_reminded"])
            what = "、".join({"accept": "受理", "on_site": "到场"}[b] for b in breaches)
            audit.record(SYSTEM, Action.UPDATE, o, subject=o.subject, org_path=o.subject.org_path,
                         summary=f"派单 {o.number} 超过{what}时限，已催办")
            users = list(User.objects.filter(role="police_liaison", org=o.liaison_org, is_active=True))
            users += list(officers_of(o.requesting_org, REQUESTER_ROLES))
            link = reverse("dispatch:detail", args=[o.pk])
            notify(users, title=f"用警派单 {o.number} 已超过{what}时限", body=f"对象：{o.subject.name}；地点：{o.place}",
                   link=link, category="dispatch")
        n += 1
    return n
