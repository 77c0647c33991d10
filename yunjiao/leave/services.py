"""Every write of the leave app (日常外出, 经营性外出, 执行地变更) and the read API for the geofence.

Steps of a case go through `workflows.services.fire`; this module creates the records, does the
subject's own steps from the phone (the portal account is checked here, the step runs as SYSTEM and
the subject is named in the audit), and holds the periodic scans.

Geofence interface (branch geo): `active_windows(subject, at) -> [(start, end, destination_codes)]`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, NotFound, ServiceError
from yunjiao.leave import rules
from yunjiao.leave.models import BusinessTravelPermit, EnterpriseLink, Leave, LeaveAttachment, Transfer, Trip
from yunjiao.workflows import services as wf
from yunjiao.workflows.models import Case

log = logging.getLogger(__name__)

OPEN_WINDOW_STATES = ("approved", "overdue", "ordered_to_return", "township_review", "county_review",
                      "city_review")


def leave_rules() -> rules.LeaveRules:
    return rules.LeaveRules.from_mapping(getattr(settings, "YUNJIAO_LEAVE_RULES", None))


# ------------------------------------------------------------------ helpers
def notify_officers(org, *, title: str, body: str = "", link: str = "") -> None:
    from yunjiao.notifications.services import notify, officers_of

    notify(officers_of(org, roles=OFFICER_ROLES), title=title, body=body, link=link, category="leave")


def notify_subject(subject, *, title: str, body: str = "", link: str = "") -> None:
    from yunjiao.accounts.models import User
    from yunjiao.notifications.services import notify

    notify(User.objects.filter(subject=subject, role="subject", is_active=True), title=title, body=body, link=link,
           category="leave")


OFFICER_ROLES = ("township_officer", "county_officer", "county_head")


def _author_path(actor, subject) -> str:
    if actor is SYSTEM or getattr(actor, "role", "") == "subject" or not getattr(actor, "org_id", None):
        return subject.org_path
    return actor.org.path


def _check_actor_for(subject, actor):
    """The subject's own portal account, or an officer whose branch holds the subject."""
    from yunjiao.subjects.models import Subject

    if actor is SYSTEM:
        return
    if getattr(actor, "role", "") == "subject":
        if actor.subject_id != subject.pk:
            raise NotFound("未找到该社区矫正对象")
        return
    if not Subject.objects.visible_to(actor).filter(pk=subject.pk).exists():
        raise NotFound("未找到该社区矫正对象，或不在您的管辖范围内")
    if actor.role not in ("township_officer", "county_officer", "county_head", "city_officer", "city_admin"):
        raise NotAllowed("您的角色不能办理外出事项")


def _clean_destinations(codes, names: str) -> tuple[list[str], list[tuple[str, str]]]:
    codes = [c.strip() for c in (codes or []) if c and c.strip()]
    if not codes:
        raise ServiceError("请填写目的地所在市、县(区)的行政区划代码", field_errors={"destination_codes": "必填"})
    for code in codes:
        error = rules.division_code_error(code)
        if error:
            raise ServiceError(error, field_errors={"destination_codes": error})
    name_list = [n.strip() for n in (names or "").replace("，", ",").replace("、", ",").split(",") if n.strip()]
    pairs = [(c, name_list[i] if i < len(name_list) else "") for i, c in enumerate(codes)]
    return codes, pairs


def other_windows(subject, *, exclude_leave: int | None = None, exclude_trip: int | None = None):
    """(start, end) of every approved leave and every registered trip of the subject."""
    windows = []
    leaves = Leave.objects.filter(subject=subject, approved_start__isnull=False)
    if exclude_leave:
        leaves = leaves.exclude(pk=exclude_leave)
    for s, e, returned in leaves.values_list("approved_start", "approved_end", "returned_at"):
        if returned is not None:
            e = min(e, timezone.localtime(returned).date())
        windows.append((s, e))
    trips = Trip.objects.filter(subject=subject).exclude(state=Trip.State.CANCELLED)
    if exclude_trip:
        trips = trips.exclude(pk=exclude_trip)
    windows.extend(trips.values_list("start_date", "end_date"))
    return windows


def prohibited_areas(subject):
    from yunjiao.subjects.choices import ProhibitionKind

    return [rules.ProhibitedArea(p.content, p.start_date, p.end_date)
            for p in subject.prohibitions.filter(kind=ProhibitionKind.AREA)]


def application_refusals(subject, *, start: date, end: date, pairs, applied_on: date, urgent: bool,
                         r: rules.LeaveRules) -> list[str]:
    reasons = rules.dates_refusal(start, end)
    if reasons:
        return reasons
    days = rules.leave_days(start, end)
    reasons += rules.notice_refusal(applied_on, start, days, rules=r, urgent=urgent)
    reasons += rules.period_refusal(end, subject.period_end)
    reasons += rules.prohibition_refusal(pairs, start, end, prohibited_areas(subject))
    home = subject.execution_org.code
    if all(rules.same_city(code, home) and code == home for code, _ in pairs):
        reasons.append("目的地与执行地为同一县(区)，不属于外出，无需申请")
    return reasons


# ------------------------------------------------------------------ leave
def apply_leave(subject, *, actor, idempotency_key: str, destination_codes, destination_names: str,
                start: date, end: date, reason_kind: str, reason: str, urgent: bool = False,
                destination_detail: str = "", attachments=(), today: date | None = None) -> Leave:
    """Create a leave application and its case.  The same idempotency key returns the first record."""
    from yunjiao.subjects.models import Subject

    _check_actor_for(subject, actor)
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise ServiceError("缺少提交标识，请刷新页面后重新提交")
    existing = Leave.objects.filter(subject=subject, idempotency_key=key).first()
    if existing is not None:
        return existing
    if not (reason or "").strip():
        raise ServiceError("请填写外出事由说明", field_errors={"reason": "必填"})
    codes, pairs = _clean_destinations(destination_codes, destination_names)
    today = today or timezone.localdate()
    r = leave_rules()
    by_subject = getattr(actor, "role", "") == "subject"
    try:
        with transaction.atomic():
            subject = Subject.objects.select_for_update().get(pk=subject.pk)
            existing = Leave.objects.filter(subject=subject, idempotency_key=key).first()
            if existing is not None:
                return existing
            reasons = application_refusals(subject, start=start, end=end, pairs=pairs, applied_on=today,
                                           urgent=urgent, r=r)
            if reasons:
                raise NotAllowed("外出申请不能受理：" + "；".join(reasons), code="leave_refused",
                                 field_errors={"reasons": reasons})
            days = rules.leave_days(start, end)
            cumulative = rules.cumulative_days(start, end, other_windows(subject), rules=r)
            authority = rules.required_authority(days, cumulative, rules=r)
            leave = Leave.objects.create(
                subject=subject, idempotency_key=key, destination_codes=codes,
                destination_names="、".join(n or c for c, n in pairs)[:200], destination_detail=destination_detail[:200],
                start_date=start, end_date=end, reason_kind=reason_kind, reason=reason.strip(), urgent=urgent,
                applied_on=today, by_subject=by_subject, applied_by=None if actor is SYSTEM else actor,
                required_level=authority.level, authority_reason=authority.reason[:300], cumulative_days=cumulative,
                author_org_path=_author_path(actor, subject))
            for label, f in attachments:
                LeaveAttachment.objects.create(leave=leave, label=label[:100] or "证明材料", file=f,
                                               uploaded_by=None if actor is SYSTEM or by_subject else actor,
                                               author_org_path=leave.author_org_path)
            case = wf.start_case("leave", "apply", actor=SYSTEM if by_subject else actor, subject=subject,
                                 data={}, note=f"{'本人手机端申请' if by_subject else '工作人员录入'}：{leave}",
                                 today=today)
            case.title = f"{subject.name} 外出{leave.destination_names} {days}日"[:100]
            case.save(update_fields=["title"])
            leave.case = case
            leave.save(update_fields=["case"])
            notify_officers(subject.township or subject.execution_org, title=f"新的外出申请：{subject.name}",
                            body=f"{leave.destination_names}，{start}至{end}共{days}日；{authority.reason}",
                            link=f"/cases/{case.pk}/")
            audit.record(actor, Action.CREATE, leave, subject=subject,
                         summary=f"外出申请：{leave.destination_names}，{start}至{end}共{days}日，{authority.reason}",
                         data={"idempotency_key": key, "cumulative_days": cumulative,
                               "attachments": len(attachments)})
    except IntegrityError:  # the same submission raced in: the unique key kept one record
        existing = Leave.objects.filter(subject=subject, idempotency_key=key).first()
        if existing is None:
            raise
        return existing
    return leave


SUBJECT_STEPS = {"resubmit", "withdraw", "request_extension", "register_departure"}


def subject_step(leave: Leave, transition: str, *, actor, data=None, note: str = "") -> Case:
    """A step the subject does on the phone (own leave only); runs as SYSTEM, audited with the subject."""
    if getattr(actor, "role", "") != "subject" or actor.subject_id != leave.subject_id:
        raise NotFound("未找到该外出申请")
    if transition not in SUBJECT_STEPS:
        raise NotAllowed("此步骤须由工作人员办理")
    with transaction.atomic():
        current = Case.objects.get(pk=leave.case_id)
        case = wf.fire(current, transition, actor=SYSTEM, data=data, note=f"本人手机端操作：{note}".strip("："))
        audit.record(actor, Action.UPDATE, leave, subject=leave.subject,
                     summary=f"本人办理外出步骤：{case.workflow.transition(transition).label}")
    return case


def add_attachment(leave: Leave, *, actor, label: str, file) -> LeaveAttachment:
    _check_actor_for(leave.subject, actor)
    with transaction.atomic():
        att = LeaveAttachment.objects.create(leave=leave, label=(label or "证明材料")[:100], file=file,
                                             uploaded_by=None if getattr(actor, "role", "") == "subject" else actor,
                                             author_org_path=_author_path(actor, leave.subject))
        audit.record(actor, Action.CREATE, att, subject=leave.subject, summary=f"上传外出证明材料：{att.label}")
    return att


def _window_bounds(start: date, end: date, grace_hours: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) + timedelta(hours=grace_hours))


def active_windows(subject, at: datetime | None = None, *, margin: timedelta = timedelta(0)
                   ) -> list[tuple[datetime, datetime, tuple[str, ...]]]:
    """Approved leave and registered trip windows in force at `at` (the configured return grace is
    included in `end`; the geofence adds its own before/after grace, so `margin` lets it ask for windows
    starting or ending within that distance of `at`).

    A leave counts from its approval until 销假 (an extension under review keeps the approved window);
    a trip from its registration until its return or cancellation.  Overdue leaves are not returned.
    """
    return active_windows_many([subject.pk], at, margin=margin).get(subject.pk, [])


def active_windows_many(subject_ids, at: datetime | None = None, *, margin: timedelta = timedelta(0)
                        ) -> dict[int, list[tuple[datetime, datetime, tuple[str, ...]]]]:
    """``active_windows`` for many subjects in two queries (the location ingestion judges a batch of fixes
    from many subjects at once): {subject_id: windows}, subjects without a window left out."""
    at = at or timezone.now()
    grace = leave_rules().return_grace_hours
    out: dict[int, list] = {}
    leaves = (Leave.objects.filter(subject_id__in=subject_ids, approved_start__isnull=False, returned_at__isnull=True,
                                   case__state__in=OPEN_WINDOW_STATES)
              .select_related("case").order_by("pk"))
    for leave in leaves:
        start, end = _window_bounds(leave.approved_start, leave.approved_end, grace)
        if leave.case.state in ("overdue", "ordered_to_return"):
            continue  # overdue: the area is no longer widened (the anomaly is already raised)
        if start - margin <= at < end + margin:
            out.setdefault(leave.subject_id, []).append((start, end, tuple(leave.destination_codes)))
    trips = Trip.objects.filter(subject_id__in=subject_ids,
                                state__in=[Trip.State.REGISTERED, Trip.State.CONFIRMED]).order_by("pk")
    for trip in trips:
        start, end = _window_bounds(trip.start_date, trip.end_date, grace)
        if start - margin <= at < end + margin:
            out.setdefault(trip.subject_id, []).append((start, end, tuple(trip.destination_codes)))
    return out


def on_leave_status(subject):
    """Status source for workflows.derive_status: 外出中 while an approved window holds today."""
    from yunjiao.subjects.choices import Status

    return Status.ON_LEAVE if active_windows(subject) else None


def overdue_moment(leave: Leave) -> datetime:
    _, end = _window_bounds(leave.approved_start or leave.start_date, leave.approved_end, 0)
    return end + timedelta(hours=leave_rules().overdue_after_hours)


def scan_overdue(*, actor=SYSTEM, now: datetime | None = None) -> int:
    """Approved leaves past their end without 销假 → 逾期未归 (anomaly leave_overdue).  Idempotent."""
    now = now or timezone.now()
    count = 0
    for leave in Leave.objects.filter(case__state="approved", returned_at__isnull=True,
                                      approved_end__lt=timezone.localtime(now).date()).select_related("case"):
        if now < overdue_moment(leave):
            continue
        try:
            wf.fire(leave.case, "mark_overdue", actor=actor)
            count += 1
        except ServiceError as exc:
            log.info("leave %s not marked overdue: %s", leave.pk, exc)
    return count


def refresh_statuses(*, actor=SYSTEM) -> int:
    """Re-derive 外出中/在矫 for subjects with a leave or trip starting or ending around today."""
    from yunjiao.subjects.models import Subject

    today = timezone.localdate()
    near = (today - timedelta(days=2), today + timedelta(days=1))
    ids = set(Leave.objects.filter(approved_start__range=near).values_list("subject_id", flat=True))
    ids |= set(Leave.objects.filter(approved_end__range=near).values_list("subject_id", flat=True))
    ids |= set(Trip.objects.filter(start_date__range=near).values_list("subject_id", flat=True))
    ids |= set(Trip.objects.filter(end_date__range=near).values_list("subject_id", flat=True))
    changed = 0
    for subject in Subject.objects.filter(pk__in=ids):
        old = subject.status
        with transaction.atomic():
            changed += int(wf.update_subject_status(subject, actor=actor) != old)
    return changed


# ------------------------------------------------------------------ business travel
def add_enterprise_link(subject, *, actor, company: str, credit_code: str, role: str, proof) -> EnterpriseLink:
    _check_actor_for(subject, actor)
    code = (credit_code or "").strip().upper()
    error = rules.uscc_error(code)
    if error:
        raise ServiceError(error, field_errors={"credit_code": error})
    if not (company or "").strip():
        raise ServiceError("请填写企业名称")
    if not proof:
        raise ServiceError("请上传营业执照、任职文件等证明材料")
    with transaction.atomic():
        link, created = EnterpriseLink.objects.get_or_create(
            subject=subject, credit_code=code,
            defaults=dict(company=company.strip()[:100], role=role, proof=proof,
                          author_org_path=_author_path(actor, subject)))
        if created:
            audit.record(actor, Action.CREATE, link, subject=subject, summary=f"登记涉企关系：{link}（{code}）")
    return link


def verify_enterprise_link(link: EnterpriseLink, *, actor) -> EnterpriseLink:
    _check_actor_for(link.subject, actor)
    if getattr(actor, "role", "") == "subject":
        raise NotAllowed("涉企关系须由工作人员核实")
    with transaction.atomic():
        link = EnterpriseLink.objects.select_for_update().get(pk=link.pk)
        if link.verified_at is None:
            link.verified_at, link.verified_by = timezone.now(), None if actor is SYSTEM else actor
            link.save(update_fields=["verified_at", "verified_by"])
            audit.record(actor, Action.UPDATE, link, subject=link.subject, summary=f"核实涉企关系：{link}")
    return link


def apply_permit(subject, *, actor, link: EnterpriseLink, valid_from: date, destination_codes,
                 destination_names: str, max_days_per_trip: int | None = None, valid_until: date | None = None,
                 reporting_duty: str = "") -> BusinessTravelPermit:
    _check_actor_for(subject, actor)
    subject = type(subject).objects.get(pk=subject.pk)
    if link.subject_id != subject.pk:
        raise ServiceError("涉企关系不属于该对象")
    r = leave_rules()
    codes, pairs = _clean_destinations(destination_codes, destination_names)
    valid_until = valid_until or (rules._add_months(valid_from, r.permit_validity_months) - timedelta(days=1))
    valid_until = min(valid_until, subject.period_end)
    max_days = max_days_per_trip or r.permit_max_trip_days
    if max_days > r.county_max_days:
        raise ServiceError(f"每次最长日数不能超过{r.county_max_days}日")
    reasons = rules.prohibition_refusal(pairs, valid_from, valid_until, prohibited_areas(subject))
    if reasons:
        raise NotAllowed("；".join(reasons), field_errors={"reasons": reasons})
    with transaction.atomic():
        permit = BusinessTravelPermit.objects.create(
            subject=subject, link=link, valid_from=valid_from, valid_until=valid_until, destination_codes=codes,
            destination_names="、".join(n or c for c, n in pairs)[:300], max_days_per_trip=max_days,
            reporting_duty=reporting_duty or BusinessTravelPermit._meta.get_field("reporting_duty").default,
            author_org_path=_author_path(actor, subject))
        case = wf.start_case("business_travel", "apply", actor=SYSTEM if actor.role == "subject" else actor,
                             subject=subject, data={}, note=f"经营性外出：{link.company}，{permit.destination_names}")
        permit.case = case
        permit.save(update_fields=["case"])
        audit.record(actor, Action.CREATE, permit, subject=subject,
                     summary=f"申请经营性外出许可：{permit.destination_names}，{valid_from}至{valid_until}")
    return permit


def register_trip(permit: BusinessTravelPermit, *, actor, idempotency_key: str, start: date, end: date,
                  destination_codes, purpose: str, urgent: bool = False, today: date | None = None) -> Trip:
    """A trip under an active permit: a short registration, counted for the cumulative rule and geofence."""
    from yunjiao.subjects.models import Subject

    _check_actor_for(permit.subject, actor)
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise ServiceError("缺少提交标识，请刷新页面后重新提交")
    existing = Trip.objects.filter(subject_id=permit.subject_id, idempotency_key=key).first()
    if existing is not None:
        return existing
    if permit.case is None or permit.case.state != "active":
        raise NotAllowed("经营性外出许可尚未批准或已失效，请按日常外出申请")
    today = today or timezone.localdate()
    r = leave_rules()
    codes = [c.strip() for c in destination_codes if c.strip()]
    with transaction.atomic():
        subject = Subject.objects.select_for_update().get(pk=permit.subject_id)
        terms = rules.PermitTerms(permit.valid_from, permit.valid_until, tuple(permit.destination_codes),
                                  permit.max_days_per_trip)
        reasons = rules.trip_refusal(terms, start, end, codes, other_windows(subject), registered_on=today,
                                     urgent=urgent, rules=r, period_end=subject.period_end)
        if reasons:
            raise NotAllowed("行程不能登记：" + "；".join(reasons), code="trip_refused",
                             field_errors={"reasons": reasons})
        tz = timezone.get_current_timezone()
        if urgent:  # green channel: the township confirms the same day
            due = datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz) + timedelta(hours=r.green_channel_hours)
        else:
            due = datetime.combine(start, time.min, tzinfo=tz)
        trip = Trip.objects.create(permit=permit, subject=subject, idempotency_key=key, destination_codes=codes,
                                   start_date=start, end_date=end, purpose=purpose[:200], urgent=urgent,
                                   confirm_due=due, author_org_path=_author_path(actor, subject))
        audit.record(actor, Action.CREATE, trip, subject=subject,
                     summary=f"登记经营性外出行程：{start}至{end}，{'、'.join(codes)}{'（绿色通道）' if urgent else ''}")
    return trip


def confirm_trip(trip: Trip, *, actor) -> Trip:
    _check_actor_for(trip.subject, actor)
    if getattr(actor, "role", "") not in ("township_officer", "county_officer", "county_head"):
        raise NotAllowed("行程须由司法所或县级机构工作人员确认")
    with transaction.atomic():
        trip = Trip.objects.select_for_update().get(pk=trip.pk)
        if trip.state != Trip.State.REGISTERED:
            raise ServiceError("该行程已处理")
        trip.state, trip.confirmed_by = Trip.State.CONFIRMED, actor
        trip.save(update_fields=["state", "confirmed_by"])
        audit.record(actor, Action.UPDATE, trip, subject=trip.subject, summary="确认经营性外出行程")
    return trip


def close_trip(trip: Trip, *, actor, cancelled: bool = False) -> Trip:
    _check_actor_for(trip.subject, actor)
    with transaction.atomic():
        trip = Trip.objects.select_for_update().get(pk=trip.pk)
        trip.state = Trip.State.CANCELLED if cancelled else Trip.State.RETURNED
        trip.returned_at = None if cancelled else timezone.now()
        trip.save(update_fields=["state", "returned_at"])
        audit.record(actor, Action.UPDATE, trip, subject=trip.subject,
                     summary="取消经营性外出行程" if cancelled else "经营性外出行程返回")
    return trip


def expire_permits(*, actor=SYSTEM, today: date | None = None) -> int:
    """Standing permits past their validity → 已到期 (trips can no longer be registered)."""
    today = today or timezone.localdate()
    count = 0
    for permit in BusinessTravelPermit.objects.filter(case__state="active", valid_until__lt=today).select_related("case"):
        try:
            wf.fire(permit.case, "expire", actor=actor, today=today)
            count += 1
        except ServiceError as exc:
            log.info("permit %s not expired: %s", permit.pk, exc)
    return count


def scan_unconfirmed_trips(*, actor=SYSTEM, now: datetime | None = None) -> int:
    """Trips past their confirmation deadline (green channel: same day) → deadline anomaly."""
    from yunjiao.anomalies.services import raise_anomaly

    now = now or timezone.now()
    count = 0
    for trip in Trip.objects.filter(state=Trip.State.REGISTERED, confirm_due__lt=now).select_related("subject"):
        raise_anomaly(trip.subject, kind="deadline_overdue", actor=actor, related=trip, source="leave",
                      episode=f"trip-{trip.pk}",
                      summary=f"经营性外出行程（{trip.start_date}至{trip.end_date}）未在时限内确认，请司法所及时核实")
        count += 1
    return count


# ------------------------------------------------------------------ transfer
def apply_transfer(subject, *, actor, to_county_code: str, to_county_name: str, new_address: str, reason: str,
                   proof) -> Transfer:
    from yunjiao.orgs.models import Org, OrgLevel

    _check_actor_for(subject, actor)
    subject = type(subject).objects.select_related("execution_org", "township").get(pk=subject.pk)
    error = rules.division_code_error(to_county_code)
    if error:
        raise ServiceError(error)
    if to_county_code == subject.execution_org.code:
        raise ServiceError("新执行地与现执行地为同一县(区)，不属于执行地变更")
    if not proof:
        raise ServiceError("请上传新居住地证明材料（如房产证明、租赁合同、居住证明）")
    if not (new_address or "").strip() or not (reason or "").strip():
        raise ServiceError("请填写新居住地和变更理由")
    to_county = Org.objects.filter(code=to_county_code, level=OrgLevel.COUNTY, is_active=True).first()
    with transaction.atomic():
        transfer = Transfer.objects.create(
            subject=subject, from_county=subject.execution_org, from_township=subject.township,
            to_county_code=to_county_code, to_county_name=(to_county.name if to_county else to_county_name)[:64],
            to_county=to_county, new_address=new_address.strip()[:200], reason=reason.strip(), proof=proof,
            author_org_path=_author_path(actor, subject))
        case = wf.start_case("transfer", "apply", actor=SYSTEM if actor.role == "subject" else actor,
                             subject=subject, data={}, note=f"申请变更至{transfer.to_county_name}")
        transfer.case = case
        transfer.save(update_fields=["case"])
        audit.record(actor, Action.CREATE, transfer, subject=subject,
                     summary=f"申请执行地变更：{subject.execution_org.name}→{transfer.to_county_name}"
                             f"（{'系统内征求意见' if transfer.in_system else '系统外发函'}）")
    return transfer


def reply_consultation(transfer: Transfer, *, actor, reply: str, township=None, note: str = "") -> Case:
    """The receiving county agency (inside Yunjiao) answers the consultation on its own page."""
    from yunjiao.core.scoping import path_q, scope_path  # noqa: F401

    if not transfer.in_system:
        raise NotAllowed("新执行地不在本系统内，回复由原执行地按来函登记")
    path = scope_path(actor)
    county_path = transfer.to_county.path
    if path is None or not (path == "" or county_path == path or county_path.startswith(path + ".")) or \
            actor.role not in ("county_officer", "county_head"):
        raise NotFound("未找到该征求意见函")
    if reply == "accept":
        if township is None or township.parent_id != transfer.to_county_id:
            raise ServiceError("同意接收时请指定负责的司法所（须为本县(区)的司法所）")
    elif reply != "refuse":
        raise ServiceError("请选择回复意见")
    with transaction.atomic():
        if township is not None:
            Transfer.objects.filter(pk=transfer.pk).update(to_township=township)
        case = wf.fire(Case.objects.get(pk=transfer.case_id), "receive_reply", actor=SYSTEM,
                       data={"reply": reply, "replied_on": timezone.localdate()},
                       note=f"{transfer.to_county_name}社区矫正机构回复：{note}".strip("："))
        audit.record(actor, Action.UPDATE, transfer, subject=transfer.subject,
                     summary=f"回复执行地变更征求意见：{'同意接收' if reply == 'accept' else '不同意接收'}",
                     org_path=county_path)
    return case


def incoming_consultations(user):
    """Transfers whose consultation waits for `user`'s county (the receiving side)."""
    from yunjiao.core.scoping import path_q, scope_path

    path = scope_path(user)
    if path is None or user.role not in ("county_officer", "county_head", "city_officer", "city_admin"):
        return Transfer.objects.none()
    qs = Transfer.objects.filter(to_county__isnull=False, case__state="consulting")
    return qs if path == "" else qs.filter(path_q("to_county__path", path))


def move_subject(transfer: Transfer, *, case, actor) -> None:
    """Change the subject's execution org — only the transfer process calls this (inside fire).

    The subject, its open cases and this case move to the new county/township; the old township keeps
    read access to the rows it wrote (author_org_path) and nothing more.
    """
    from yunjiao.subjects.models import Subject

    subject = Subject.objects.select_for_update().get(pk=transfer.subject_id)
    if transfer.to_county is None:
        raise ServiceError("新执行地不在本系统内：移交档案后请在对方系统接收，本系统不能变更执行地")
    new_township = transfer.to_township
    new_path = new_township.path if new_township else transfer.to_county.path
    before = {"execution_org": subject.execution_org_id, "township": subject.township_id, "org_path": subject.org_path}
    subject.execution_org, subject.township, subject.org_path = transfer.to_county, new_township, new_path
    subject.version += 1
    subject.save(update_fields=["execution_org", "township", "org_path", "version", "updated_at"])
    moved = Case.objects.filter(subject=subject, is_closed=False).exclude(pk=case.pk).update(org_path=new_path)
    case.org_path = new_path
    Transfer.objects.filter(pk=transfer.pk).update(moved_at=timezone.now())
    audit.record(actor, Action.UPDATE, subject,
                 summary=f"执行地变更：{transfer.from_county.name}→{transfer.to_county.name}"
                         f"{('（' + new_township.name + '）') if new_township else ''}，随同移交未结案件{moved}件",
                 before=before, after={"execution_org": subject.execution_org_id, "township": subject.township_id,
                                       "org_path": new_path}, data={"transfer": transfer.pk})


def scan_transfer_reports(*, actor=SYSTEM, today: date | None = None) -> int:
    today = today or timezone.localdate()
    count = 0
    for t in Transfer.objects.filter(case__state="awaiting_report", report_due__lt=today).select_related("case"):
        try:
            wf.fire(t.case, "mark_not_reported", actor=actor, today=today)
            count += 1
        except ServiceError as exc:
            log.info("transfer %s not marked: %s", t.pk, exc)
    return count


def plan_open_leave_checks(*, actor=SYSTEM, today: date | None = None) -> int:
    """Catch-up for the 外出核查 of approved leaves not yet over (approved before the planning existed, or
    a subject enrolled after the approval): idempotent, so it only adds what is missing.  Returns the
    number of tasks created."""
    from yunjiao.checkins.tasks_services import plan_leave_checks

    today = today or timezone.localdate()
    created = 0
    leaves = (Leave.objects.filter(approved_start__isnull=False, approved_end__gte=today - timedelta(days=1),
                                   returned_at__isnull=True,
                                   case__state="approved").select_related("subject").order_by("pk"))
    for leave in leaves:
        created += len(plan_leave_checks(leave, actor=actor).created)
    return created


def geofence_windows(subject, start: datetime, end: datetime):
    """Window provider for the geofence engine (geo.services.register_window_provider): approved leave and
    registered trips overlapping [start, end), as geo Windows whose destinations are boundary keys."""
    return geofence_windows_many([subject.pk], start, end).get(subject.pk, [])


def geofence_windows_many(subject_ids, start: datetime, end: datetime) -> dict:
    """The same for many subjects in two queries ({subject_id: [Window]}); geo's batch ingestion uses it."""
    from yunjiao.geo import rules as geo_rules
    from yunjiao.geo.services import current_catalog, destination_keys

    middle = start + (end - start) / 2
    found = active_windows_many(subject_ids, middle, margin=(end - start) / 2)
    if not found:
        return {}
    catalog = current_catalog()
    out = {}
    for sid, windows in found.items():
        out[sid] = [geo_rules.Window(w_start.timestamp(), w_end.timestamp(), destination_keys(codes, catalog),
                                     kind="leave")
                    for w_start, w_end, codes in windows if not (w_end <= start or w_start >= end)]
    return out


geofence_windows.many = geofence_windows_many
