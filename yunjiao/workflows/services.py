"""Every write of the workflows app.  `fire` is the only way a case changes state.

fire(case, "approve", actor=user, data={...}, note="...", expected_version=3)
  1. validates the step's data (types, required, no future date where a past one is needed);
  2. locks the case row (select_for_update) and re-reads it: if its state or version moved since the
     caller looked, someone else handled it → Conflict "已被他人处理";
  3. checks state, role, org scope and the process's guards → NotAllowed with every reason;
  4. runs the step's effects, sets state / deadline / data, bumps the version;
  5. writes the TransitionRecord and the audit row in the same transaction, re-derives the subject
     status (`derive_status`), and creates the step's documents (rows + 文号; files rendered after commit).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action as AuditAction
from yunjiao.core.actors import SYSTEM, actor_label, actor_user_id
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError
from yunjiao.subjects.choices import Status
from yunjiao.workflows import rules
from yunjiao.workflows.engine import (
    KEEP,
    DeadlineSpec,
    Transition,
    Workflow,
    clean_data,
    failure_reasons,
    get_workflow,
    start_reasons,
)
from yunjiao.workflows.models import Case, CaseAlert, RuleOverride, TransitionRecord

log = logging.getLogger(__name__)

TAKEN = "该事项已被他人处理（案件在您打开页面后已发生变化），请刷新页面查看最新状态"


class TransitionRefused(NotAllowed):
    """Carries every reason, so the UI and API can list them."""

    def __init__(self, reasons: list[str]):
        super().__init__("；".join(reasons), code="transition_refused", field_errors={"reasons": reasons})
        self.reasons = reasons


def roll_forward() -> bool:
    """Whether a calendar-day period ending on a rest day moves to the next working day.

    Setting YUNJIAO_DEADLINE_ROLL_FORWARD (default True: the 刑事诉讼法 art.105 convention; domain.md
    marks it unverified for corrections, hence a setting).
    """
    return bool(getattr(settings, "YUNJIAO_DEADLINE_ROLL_FORWARD", True))


def overrides_map() -> dict[str, dict[str, int]]:
    """{rule id: {org path: value}} from the RuleOverride table ("" = deployment-wide)."""
    result: dict[str, dict[str, int]] = {}
    for rule_id, path, value in RuleOverride.objects.values_list("rule_id", "org_path", "value"):
        result.setdefault(rule_id, {})[path] = value
    return result


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


def _validate(transition: Transition, data, note: str, attachment, today: date) -> dict[str, Any]:
    cleaned, errors = clean_data(transition, data, today=today)
    if transition.needs_note and not (note or "").strip():
        errors["note"] = "请填写办理说明（此步骤须说明理由）"
    if transition.needs_attachment and not attachment:
        errors["attachment"] = "请上传附件（此步骤须附相关材料）"
    if errors:
        raise ServiceError("提交的信息不完整或有误：" + "；".join(errors.values()), code="invalid_data",
                           field_errors=errors)
    return cleaned


def _apply_deadline(case: Case, transition: Transition, cleaned: Mapping[str, Any], today: date) -> None:
    spec = transition.deadline
    if spec == KEEP:
        return
    if spec is None:
        case.due_at, case.deadline_rule, case.deadline_warning = None, "", ""
        return
    assert isinstance(spec, DeadlineSpec)
    rule_id, due, warning = spec.compute(case, cleaned, today=today, overrides=overrides_map(),
                                         roll_forward=roll_forward())
    case.due_at, case.deadline_rule, case.deadline_warning = due, rule_id, warning[:200]
    case.reminded_for = case.overdue_for = None


def _issue_documents(case: Case, transition: Transition, actor, record: TransitionRecord) -> None:
    """Create the step's documents (Document rows with their 文号) inside the step's transaction, linked to
    its record; the documents app renders the files after commit.  Missing content makes a document 待补全,
    never blocks the step; a real error (unknown code, no 文号 prefix …) rolls the step back."""
    codes = list(transition.documents_for(record.data or {}))
    if not codes:
        return
    try:
        documents = importlib.import_module("yunjiao.documents.services")
    except ImportError:
        log.info("documents app not installed: %s not generated for case %s", codes, case.pk)
        return
    generate_for: Callable | None = getattr(documents, "generate_for", None)
    if generate_for is None:
        return
    try:
        generate_for(case, codes, actor=actor, transition_record=record)
    except ServiceError as exc:
        raise ServiceError(f"本步骤的文书无法生成：{exc.message}", code=exc.code or "document_error",
                           field_errors=exc.field_errors) from exc


def _record(case: Case, workflow: Workflow, transition: Transition, from_state: str, *, actor, note: str,
            data: Mapping[str, Any], attachment) -> TransitionRecord:
    record = TransitionRecord(
        case=case, transition=transition.name, label=transition.label, from_state=from_state,
        to_state=case.state, actor_id=actor_user_id(actor), actor_label=actor_label(actor)[:80],
        org_path=(actor.org.path if actor is not SYSTEM and getattr(actor, "org_id", None) else ""),
        note=note or "", data=_jsonable(data))
    if attachment:
        record.attachment = attachment
    record.save()
    from_label = workflow.state_label(from_state) if from_state else "（新建）"
    row = audit.record(
        actor, AuditAction.TRANSITION, case, subject=case.subject,
        summary=f"{workflow.label}：{transition.label}（{from_label}→{case.state_label}）",
        before={"state": from_state} if from_state else None,
        after={"state": case.state, "due_at": case.due_at, "version": case.version},
        data={"transition": transition.name, "record": record.pk, "note": note, "data": _jsonable(data)})
    record.audit_record_id = row.pk
    record.save(update_fields=["audit_record_id"])
    return record


def fire(case: Case, transition_name: str, *, actor, data: Mapping[str, Any] | None = None, note: str = "",
         attachment=None, expected_version: int | None = None, today: date | None = None) -> Case:
    """Do one step of a case.  Raises ServiceError (bad data), Conflict (someone else was first)
    or TransitionRefused (state, role, scope, guards — every reason).  Returns the updated case."""
    workflow = get_workflow(case.process)
    transition = workflow.transition(transition_name)
    today = today or timezone.localdate()
    cleaned = _validate(transition, data, note, attachment, today)
    seen_state = case.state
    seen_version = case.version if expected_version is None else expected_version
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state != seen_state or locked.version != seen_version:
            raise Conflict(TAKEN, code="taken")
        if locked.subject_id:
            locked.subject  # noqa: B018  (load it once for the guards)
        reasons = failure_reasons(locked, transition, actor, data=cleaned)
        if reasons:
            raise TransitionRefused(reasons)
        from_state = locked.state
        for effect in transition.effects:
            effect(locked, cleaned, actor)
        locked.data = {**locked.data, **_jsonable(cleaned)}
        locked.state = transition.target_for(from_state)
        _apply_deadline(locked, transition, cleaned, today)
        if workflow.is_final(locked.state):
            locked.is_closed, locked.due_at = True, None
        locked.version += 1
        locked.save()
        record = _record(locked, workflow, transition, from_state, actor=actor, note=note, data=cleaned,
                         attachment=attachment)
        if locked.subject_id:
            update_subject_status(locked.subject, actor=actor)
        _issue_documents(locked, transition, actor, record)
    return locked


def start_case(process: str, transition_name: str | None = None, *, actor, subject=None, org=None,
               data: Mapping[str, Any] | None = None, note: str = "", attachment=None,
               today: date | None = None) -> Case:
    """Open a new case with one of the process's starting steps."""
    workflow = get_workflow(process)
    starts = workflow.starting()
    transition = workflow.transition(transition_name) if transition_name else starts[0]
    today = today or timezone.localdate()
    cleaned = _validate(transition, data, note, attachment, today)
    if subject is not None:
        org_path = subject.org_path
    else:
        org = org or getattr(actor, "org", None)
        if org is None:
            raise ServiceError("请指定承办机构")
        org_path = org.path
    with transaction.atomic():
        if subject is not None:
            from yunjiao.subjects.models import Subject

            subject = Subject.objects.select_for_update().get(pk=subject.pk)
        reasons = start_reasons(workflow, transition, actor, org_path, subject=subject, data=cleaned)
        if not reasons and subject is not None:
            open_same = Case.objects.filter(subject=subject, process=process, is_closed=False).first()
            if open_same is not None:
                reasons.append(f"该对象已有未办结的“{workflow.label}”案件，请在原案件中办理")
        if reasons:
            raise TransitionRefused(reasons)
        title = cleaned.get("person_name") or (subject.name if subject is not None else "")
        case = Case(process=process, subject=subject, org_path=org_path, state=transition.target,
                    title=title[:100], data=_jsonable(cleaned), opened_by_id=actor_user_id(actor))
        _apply_deadline(case, transition, cleaned, today)
        case.save()
        record = _record(case, workflow, transition, "", actor=actor, note=note, data=cleaned,
                         attachment=attachment)
        if subject is not None:
            update_subject_status(subject, actor=actor)
        _issue_documents(case, transition, actor, record)
    return case


# ---------------------------------------------------------------------------- document fields
# Apps that hold a process's facts supply the fields of its documents: fn(case, code) -> dict.
_DOCUMENT_FIELDS: dict[str, Callable] = {}


def register_document_fields(process: str, fn: Callable) -> Callable:
    _DOCUMENT_FIELDS[process] = fn
    return fn


def provided_document_fields(case: Case, code: str) -> dict:
    """What the process's registered provider supplies (empty when none is registered)."""
    fn = _DOCUMENT_FIELDS.get(case.process)
    return dict(fn(case, code) or {}) if fn is not None else {}


def document_fields_for(case: Case, code: str) -> dict:
    """The type fields of a document the case's step produces (workflows.document_fields, one place)."""
    from yunjiao.workflows.document_fields import fields_for

    return fields_for(case, code)


# ---------------------------------------------------------------------------- subject status
# Other apps may add a status while a subject is in correction (leave → 外出中):
# fn(subject) -> Status value or None.  Registered in their AppConfig.ready().
_STATUS_SOURCES: list[Callable] = []


def register_status_source(fn: Callable) -> Callable:
    _STATUS_SOURCES.append(fn)
    return fn


def derive_status(subject) -> str:
    """The subject's status from its cases (domain.md §3.3); the only place it is decided.

    已终止 (termination done) > 已解除 (discharge certificate issued) > 暂停 (in custody under a
    coercive measure) > 脱管 (did not report) > 待接收 (intake not finished) > 在矫 (+ other apps'
    sources such as 外出中).  A subject without any intake case keeps its recorded status for the
    intake part (records imported from an earlier system).
    """
    cases = list(Case.objects.filter(subject=subject).order_by("opened_at", "id")
                 .values_list("process", "state", "data"))
    def has(process, states):
        return any(p == process and s in states for p, s, _ in cases)

    if has("termination", {"terminated", "archived"}):
        return Status.TERMINATED
    if has("discharge", {"discharged", "notified", "archived"}):
        return Status.DISCHARGED
    if any(p == "coercive_measure" and s == "in_effect" and (d or {}).get("in_custody") for p, s, d in cases):
        return Status.SUSPENDED
    intake = [s for p, s, _ in cases if p == "intake"]
    if intake:
        last = intake[-1]
        if last == "not_reported":
            return Status.LOST_CONTACT
        if last != "in_correction":
            return Status.PENDING_INTAKE
        base = Status.IN_CORRECTION
    else:
        base = subject.status
        if base in (Status.TERMINATED, Status.DISCHARGED, Status.SUSPENDED, Status.ON_LEAVE):
            base = Status.IN_CORRECTION  # the case that caused it was closed or withdrawn
    if base == Status.IN_CORRECTION:
        for source in _STATUS_SOURCES:
            extra = source(subject)
            if extra:
                return extra
    return base


# Apps that must act when a subject's status changes (supervision ended → the wristband comes off, pending
# check tasks are cancelled): fn(subject, old, new, actor), called inside the step's transaction, so a
# failure rolls the step back.  Registered in their AppConfig.ready(); explicit calls, not Django signals.
_STATUS_LISTENERS: list[Callable] = []


def register_status_listener(fn: Callable) -> Callable:
    _STATUS_LISTENERS.append(fn)
    return fn


def update_subject_status(subject, *, actor) -> str:
    """Re-derive and store the status; audited when it changes.  Called by fire/start_case."""
    new = derive_status(subject)
    if new != subject.status:
        old = subject.status
        type(subject).objects.filter(pk=subject.pk).update(status=new)
        subject.status = new
        audit.record(actor, AuditAction.UPDATE, subject, summary=f"对象状态变更：{Status(old).label}→{Status(new).label}",
                     before={"status": old}, after={"status": new})
        for listener in _STATUS_LISTENERS:
            listener(subject, old, new, actor)
    return new


# ---------------------------------------------------------------------------- rule overrides
OVERRIDE_ROLES = {"city_admin"}


def set_rule_override(rule_id: str, *, actor, value: int | None, org=None, note: str = "") -> RuleOverride | None:
    """Set (or with value None remove) the local value of a statutory period.  City admin only."""
    rule = rules.get_rule(rule_id)
    if actor is not SYSTEM and not getattr(actor, "is_superuser", False) and actor.role not in OVERRIDE_ROLES:
        raise NotAllowed("只有市局管理员可以修改期限规则")
    if actor is not SYSTEM and org is not None and not getattr(actor, "is_superuser", False):
        if not (org.path == actor.org.path or org.path.startswith(actor.org.path + ".")):
            raise NotAllowed("只能设置本市范围内机构的期限")
    if value is not None and (value < 0 or value > 3650):
        raise ServiceError("期限值应在0到3650之间")
    path = org.path if org is not None else ""
    with transaction.atomic():
        current = RuleOverride.objects.select_for_update().filter(rule_id=rule_id, org_path=path).first()
        before = {"value": current.value} if current else {"value": rule.default, "source": "national"}
        where = org.name if org is not None else "全省(本系统)"
        if value is None:
            if current is None:
                return None
            current.delete()
            audit.record(actor, AuditAction.CONFIG, None, org_path=path,
                         summary=f"恢复期限规则{rule_id}“{rule.name}”在{where}的默认值", before=before,
                         after={"value": rule.default}, data={"rule": rule_id, "note": note})
            return None
        override = current or RuleOverride(rule_id=rule_id, org=org, org_path=path)
        override.value, override.note = value, note
        override.changed_by_id = actor_user_id(actor)
        override.save()
        audit.record(actor, AuditAction.CONFIG, override, org_path=path,
                     summary=f"修改期限规则{rule_id}“{rule.name}”在{where}为{value}{rule.unit.label}",
                     before=before, after={"value": value}, data={"rule": rule_id, "note": note})
    return override


# ---------------------------------------------------------------------------- scanner
def scan_deadlines(*, actor=SYSTEM, today: date | None = None) -> dict[str, int]:
    """Reminders one working day before a deadline, overdue flags after it (idempotent per due date).

    Intake cases whose report period passed are moved to 逾期未报到 (a search case) automatically.
    """
    today = today or timezone.localdate()
    counts = {"reminders": 0, "overdue": 0, "not_reported": 0}
    due_cases = Case.objects.open().filter(due_at__isnull=False)
    # reminders: the reminder day is the working day before the due date
    for case in due_cases.filter(due_at__gte=today, reminded_for__isnull=True).select_related("subject"):
        if rules.reminder_day(case.due_at).date <= today:
            counts["reminders"] += _raise_alert(case, CaseAlert.Kind.REMINDER, actor=actor)
    for case in due_cases.filter(due_at__lt=today).exclude(overdue_for=F("due_at")).select_related("subject"):
        if case.process == "intake" and case.state in ("notified", "awaiting_report"):
            try:
                fire(case, "mark_not_reported", actor=actor, today=today)
                counts["not_reported"] += 1
            except (Conflict, TransitionRefused) as exc:  # handled meanwhile
                log.info("intake %s not marked: %s", case.pk, exc)
            except ServiceError as exc:  # e.g. its 报到情况通知单 cannot be numbered: the other cases go on
                log.warning("intake %s not marked: %s", case.pk, exc)
            continue
        counts["overdue"] += _raise_alert(case, CaseAlert.Kind.OVERDUE, actor=actor)
    return counts


def _raise_alert(case: Case, kind: str, *, actor) -> int:
    with transaction.atomic():
        locked = Case.objects.select_for_update(skip_locked=True).filter(pk=case.pk).first()
        if locked is None or locked.due_at is None:
            return 0
        flag = "reminded_for" if kind == CaseAlert.Kind.REMINDER else "overdue_for"
        if getattr(locked, flag) == locked.due_at:
            return 0
        wf = locked.workflow
        rule = rules.RULES.get(locked.deadline_rule)
        what = rule.name if rule else "办理期限"
        if kind == CaseAlert.Kind.REMINDER:
            message = f"{wf.label}“{locked.title}”{what}将于{locked.due_at.isoformat()}届满，请及时办理"
        else:
            message = f"{wf.label}“{locked.title}”{what}已于{locked.due_at.isoformat()}届满，现已逾期"
        alert, created = CaseAlert.objects.get_or_create(case=locked, kind=kind, due_at=locked.due_at,
                                                        defaults={"message": message[:300]})
        setattr(locked, flag, locked.due_at)
        locked.save(update_fields=[flag, "updated_at"])
        if created:
            audit.record(actor, AuditAction.OTHER, locked, subject=locked.subject, summary=message[:300],
                         data={"alert": kind, "due_at": locked.due_at})
            _notify_responsible(locked, message, kind)
            if kind == CaseAlert.Kind.OVERDUE and locked.subject_id:
                from yunjiao.anomalies.services import raise_anomaly

                raise_anomaly(locked.subject, kind="deadline_overdue", actor=actor, related=locked,
                              episode=f"case-{locked.pk}-{locked.due_at.isoformat()}", summary=message,
                              evidence={"case": locked.pk, "rule": locked.deadline_rule})
        return int(created)


def responsible_users(case: Case):
    """Active staff of the case's org and its county whose role has the next main step to do."""
    from yunjiao.accounts.models import User

    wf = case.workflow
    roles = {r for t in wf.outgoing(case.state) if not t.automatic and t.style == "primary" for r in t.roles}
    parts = case.org_path.split(".")
    paths = [".".join(parts[: i + 1]) for i in range(1, len(parts))] or [case.org_path]
    return User.objects.filter(is_active=True, role__in=roles, org__path__in=paths)


def _notify_responsible(case: Case, message: str, kind: str) -> None:
    from django.urls import reverse

    from yunjiao.notifications.services import notify

    notify(responsible_users(case), title=message[:120], link=reverse("workflows:case", args=[case.pk]),
           category=f"deadline_{kind}")


def open_due_discharges(*, actor=SYSTEM, today: date | None = None) -> list[Case]:
    """Open the discharge case D17 days (30 by default, overridable) before each period end."""
    from yunjiao.subjects.models import Subject

    today = today or timezone.localdate()
    overrides = overrides_map().get("D17")
    horizon = today + _max_days(overrides)
    opened = []
    has_discharge = Case.objects.filter(process="discharge").values("subject_id")
    candidates = (Subject.objects.filter(status=Status.IN_CORRECTION, period_end__lte=horizon)
                  .exclude(pk__in=has_discharge))
    for subject in candidates:
        opening = rules.compute_deadline("D17", subject.period_end, org_path=subject.org_path,
                                         overrides=overrides).due_date
        if opening > today:
            continue
        try:
            opened.append(start_case("discharge", "open", actor=actor, subject=subject, today=today))
        except ServiceError as exc:
            log.warning("discharge not opened for subject %s: %s", subject.pk, exc)
    return opened


def _max_days(overrides: Mapping[str, int] | None):
    from datetime import timedelta

    values = [rules.get_rule("D17").default or 0, *(overrides or {}).values()]
    return timedelta(days=max(values))


# ---------------------------------------------------------------------------- to-do
def todo_for(user):
    """Open cases in the user's scope whose current step the user's role must do, soonest due first."""
    from yunjiao.workflows.engine import all_workflows

    q = Q(pk__in=[])
    for wf in all_workflows():
        states = wf.states_for_role(getattr(user, "role", ""))
        if states:
            q |= Q(process=wf.name, state__in=states)
    return (Case.objects.visible_to(user).open().filter(q).select_related("subject")
            .order_by(F("due_at").asc(nulls_last=True), "opened_at"))
