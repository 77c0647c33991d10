"""Check tasks (核查任务): the single write path for scheduled checks, spot checks and missed checks.

Interface used by other apps (the portal pages):
- ``open_tasks_for(subject, at=None)`` → pending tasks whose window has started and whose deadline has not
  passed at ``at`` (default now), ordered by deadline (earliest first).
  Never show a subject windows that have not opened yet: the times are random so they cannot be
  prepared for (the subject's portal account can read its own CheckTask rows through visible_to, so the
  portal must filter with open_tasks_for or window_start <= now).
- ``attach_checkin(checkin)`` → links the earliest answerable task to the check-in and marks it done
  (submitted by the deadline) or late (after the deadline, within ``CHECK_TASK_LATE_GRACE_MINUTES``);
  returns the task or None.  Called by ``checkins.services.submit_checkin`` inside its transaction
  (the hook at the end of that function), so nothing else needs to call it.

A check-in counts only when it answers an open task (never "once per calendar day"), so a check-in just
after midnight satisfies nothing.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.checkins import schedule
from yunjiao.checkins.models import Checkin, CheckPolicySetting, CheckTask, CheckTaskKind, CheckTaskStatus
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.subjects.choices import Status as SubjectStatus
from yunjiao.subjects.models import Subject


def default_response_minutes() -> int:
    return int(getattr(settings, "CHECK_TASK_RESPONSE_MINUTES", 30))


def late_grace() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "CHECK_TASK_LATE_GRACE_MINUTES", 30)))


def open_tasks_for(subject, at: datetime | None = None):
    at = at or timezone.now()
    return CheckTask.objects.filter(
        subject=subject, status=CheckTaskStatus.PENDING, window_start__lte=at, deadline__gt=at
    ).order_by("deadline", "id")


def attach_checkin(checkin: Checkin) -> CheckTask | None:
    """Mark the earliest answerable task of the check-in's subject done (or late) and link it."""
    at = checkin.submitted_at
    with transaction.atomic():
        task = (
            CheckTask.objects.select_for_update()
            .filter(
                subject_id=checkin.subject_id,
                status=CheckTaskStatus.PENDING,
                window_start__lte=at,
                deadline__gt=at - late_grace(),
            )
            .order_by("deadline", "id")
            .first()
        )
        if task is None:
            return None
        task.status = CheckTaskStatus.DONE if at <= task.deadline else CheckTaskStatus.LATE
        task.checkin = checkin
        task.completed_at = at
        task.save(update_fields=["status", "checkin", "completed_at"])
    return task


# --- configuration: frequencies per management level -----------------------------------------------------

LEVELS = ("strict", "normal", "lenient")
POLICY_FIELDS = ("per_week", "extra_key_subject", "extra_high_risk", "response_minutes", "waking_start",
                 "waking_end", "min_gap_minutes")
POLICY_ADMIN_ROLES = ("city_admin",)


def default_policy_values(level: str) -> dict:
    base = schedule.DEFAULT_POLICIES[level]
    return {
        "per_week": base.per_week,
        "extra_key_subject": schedule.DEFAULT_EXTRA["key_subject"],
        "extra_high_risk": schedule.DEFAULT_EXTRA["high_risk"],
        "response_minutes": default_response_minutes(),
        "waking_start": base.waking_start,
        "waking_end": base.waking_end,
        "min_gap_minutes": base.min_gap_minutes,
    }


def policy_table() -> dict[str, dict]:
    """level -> effective values (the stored row, else the defaults of checkins.schedule)."""
    table = {level: default_policy_values(level) for level in LEVELS}
    for row in CheckPolicySetting.objects.all():
        table[row.level] = {f: getattr(row, f) for f in POLICY_FIELDS}
    return table


def subject_policy(subject, table: dict[str, dict] | None = None) -> schedule.CheckPolicy:
    """The check policy of one subject: its level's row plus the extra checks for its flags."""
    table = table or policy_table()
    level = subject.supervision_level if subject.supervision_level in table else "normal"
    v = table[level]
    policies = {level: schedule.CheckPolicy(
        per_week=v["per_week"], response_minutes=v["response_minutes"], waking_start=v["waking_start"],
        waking_end=v["waking_end"], min_gap_minutes=v["min_gap_minutes"])}
    policies.setdefault("normal", policies[level])
    return schedule.policy_for(
        level, key_subject=subject.is_key_subject, high_risk=subject.risk_level == "high", policies=policies,
        extra={"key_subject": v["extra_key_subject"], "high_risk": v["extra_high_risk"]})


def policy_errors(values: dict) -> list[str]:
    errors = []
    if not 0 <= int(values["per_week"]) <= 70:
        errors.append("每周核查次数应在 0～70 之间。")
    for f, label in (("extra_key_subject", "重点管控对象加查次数"), ("extra_high_risk", "高风险对象加查次数")):
        if not 0 <= int(values[f]) <= 35:
            errors.append(f"{label}应在 0～35 之间。")
    if not 5 <= int(values["response_minutes"]) <= 240:
        errors.append("响应时限应在 5～240 分钟之间。")
    if not 0 <= int(values["min_gap_minutes"]) <= 720:
        errors.append("最小间隔应在 0～720 分钟之间。")
    start, end = values["waking_start"], values["waking_end"]
    if start < time(6, 0) or end > time(22, 0):
        errors.append("定时核查只能安排在 06:00～22:00 之间（夜间不安排定时核查，夜间核查须由民警下达指令）。")
    if end <= start:
        errors.append("核查时段的结束时间应晚于开始时间。")
    elif (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60 <= int(
            values["response_minutes"]):
        errors.append("核查时段应长于响应时限。")
    return errors


def update_policy(level: str, *, actor, **values) -> CheckPolicySetting:
    """Change one level's check frequencies (city administrator only); audited with before/after."""
    if actor is not SYSTEM and not (getattr(actor, "is_superuser", False)
                                    or getattr(actor, "role", "") in POLICY_ADMIN_ROLES):
        raise NotAllowed("只有市局管理员可以修改核查频次设置。")
    if level not in LEVELS:
        raise ServiceError("管理等级无效。", code="bad_level")
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ServiceError(f"未知的设置项：{'、'.join(sorted(unknown))}", code="bad_field")
    with transaction.atomic():
        row = CheckPolicySetting.objects.select_for_update().filter(level=level).first()
        before = {f: getattr(row, f) for f in POLICY_FIELDS} if row else default_policy_values(level)
        merged = {**before, **values}
        errors = policy_errors(merged)
        if errors:
            raise ServiceError("".join(errors), code="bad_policy")
        if row is None:
            row = CheckPolicySetting(level=level)
        for f in POLICY_FIELDS:
            setattr(row, f, merged[f])
        row.updated_by = None if actor is SYSTEM else actor
        row.save()
        audit.record(actor, Action.CONFIG, row, summary=f"修改核查频次设置：{row.get_level_display()}",
                     before={k: str(v) for k, v in before.items()},
                     after={k: str(v) for k, v in merged.items()}, org_path="")
    return row


# --- planning scheduled checks (定时核查) ------------------------------------------------------------------

PLANNED_STATUSES = (SubjectStatus.IN_CORRECTION, SubjectStatus.ON_LEAVE)
PLAN_CHUNK = 200


def plan_secret() -> str:
    return getattr(settings, "CHECK_PLAN_SECRET", "") or settings.SECRET_KEY


def plannable_subjects():
    """Subjects under correction (or on leave) with 信息化核查 enabled.  Those without an active face
    enrolment are not planned (they could not answer: a miss would be the office's gap, not the subject's);
    `not_enrolled` lists them so the office enrols them."""
    return Subject.objects.filter(status__in=PLANNED_STATUSES, info_check_enabled=True)


def not_enrolled(qs=None):
    from yunjiao.checkins.models import FaceEnrolment

    qs = plannable_subjects() if qs is None else qs
    return qs.exclude(pk__in=FaceEnrolment.objects.filter(is_active=True).values("subject_id"))


@dataclass
class PlanResult:
    day: date
    subjects: int = 0
    created: int = 0
    existing: int = 0
    skipped_past: int = 0
    leave: int = 0
    not_enrolled: int = 0


def _on_leave(subject, opens: datetime, due: datetime, windows: list) -> bool:
    return any(w.start <= opens.timestamp() and due.timestamp() <= w.end for w in windows)


def plan_day(day: date, *, actor=SYSTEM, subjects=None, now: datetime | None = None) -> PlanResult:
    """Realise the schedule rules for `day` as CheckTask rows for every subject in correction (or on
    approved leave: a check during the leave is an 外出核查 judged against the destination).  Idempotent: a
    slot (subject, day, seq) is created once; re-running creates nothing new.  Windows that have already
    started when planning runs late (e.g. a manual run at noon) are skipped rather than sprung on people."""
    from yunjiao.geo.services import windows_for

    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    table = policy_table()
    secret = plan_secret()
    result = PlanResult(day=day)
    qs = plannable_subjects() if subjects is None else subjects
    day_start = datetime.combine(day, time(0, 0), tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    skipped = set(not_enrolled(qs).values_list("pk", flat=True))
    result.not_enrolled = len(skipped)
    subjects = [s for s in qs.order_by("pk") if s.pk not in skipped]
    for i in range(0, len(subjects), PLAN_CHUNK):
        chunk = subjects[i:i + PLAN_CHUNK]
        existing = defaultdict(set)
        for sid, seq in CheckTask.objects.filter(subject__in=chunk, plan_date=day, seq__gt=0).values_list(
                "subject_id", "seq"):
            existing[sid].add(seq)
        rows = []
        for subject in chunk:
            result.subjects += 1
            policy = subject_policy(subject, table)
            leave_windows = None
            for seq, w in enumerate(schedule.plan_day(policy, day, secret=secret, subject_key=subject.pk, tz=tz),
                                    start=1):
                if seq in existing[subject.pk]:
                    result.existing += 1
                    continue
                if w.opens_at <= now:
                    result.skipped_past += 1
                    continue
                if leave_windows is None:
                    leave_windows = list(windows_for(subject, day_start, day_end))
                kind = CheckTaskKind.LEAVE if _on_leave(subject, w.opens_at, w.due_at, leave_windows) \
                    else CheckTaskKind.SCHEDULED
                result.leave += kind == CheckTaskKind.LEAVE
                rows.append(CheckTask(subject=subject, kind=kind, plan_date=day, seq=seq, window_start=w.opens_at,
                                      org_path=subject.org_path, supervision_level=subject.supervision_level,
                                      deadline=w.due_at, reason="定时核查（系统随机安排）", created_at=now))
        if rows:  # one transaction per chunk; a concurrent run's rows are skipped by the slot constraint
            with transaction.atomic():
                CheckTask.objects.bulk_create(rows, ignore_conflicts=True)
            result.created += len(rows)
    if result.created:
        audit.record(actor, Action.CREATE, None, org_path="",
                     summary=f"生成 {day:%Y-%m-%d} 定时核查任务 {result.created} 条（{result.subjects} 名对象）",
                     data={"day": day.isoformat(), "created": result.created, "leave": result.leave,
                           "skipped_past": result.skipped_past, "not_enrolled": result.not_enrolled})
    return result


# --- 外出核查 around an approved leave (出发 / 到达 / 返回) -------------------------------------------------


def leave_batch(leave) -> str:
    return f"leave-{leave.pk}"


@dataclass
class LeavePlanResult:
    created: list = field(default_factory=list)
    moved: list = field(default_factory=list)
    kept: int = 0
    skipped: list = field(default_factory=list)  # (label, why)


@transaction.atomic
def plan_leave_checks(leave, *, actor, now: datetime | None = None) -> LeavePlanResult:
    """Plan (or re-plan) the 外出核查 of an approved leave: 出发核查 on the first day, 到达核查 at the
    destination, 返回核查 the day after the approved end, at home (checkins.schedule.plan_leave).  Called by the leave process when
    a leave or its extension is approved (inside that transaction), with the approver as actor.

    Idempotent: a check already planned for the leave is kept; an extension moves the pending 返回核查 to
    the day after the new end.  A window that has already passed is not sprung on the subject afterwards, except
    that a check of today opens at once when waking hours still allow it (an urgent leave approved in the
    morning still gets its 出发核查).  Subjects who cannot answer (信息化核查 off, no face enrolment, not in
    correction) get no tasks, as for scheduled checks."""
    from yunjiao.checkins.models import FaceEnrolment
    from yunjiao.leave.services import leave_rules

    now = now or timezone.now()
    result = LeavePlanResult()
    subject = leave.subject
    if leave.approved_start is None or leave.approved_end is None:
        return result
    if subject.status not in PLANNED_STATUSES or not subject.info_check_enabled \
            or not FaceEnrolment.objects.filter(subject=subject, is_active=True).exists():
        result.skipped = [(label, "对象未开启信息化核查或未登记人脸") for label in schedule.LEAVE_CHECK_LABELS.values()]
        return result
    tz = timezone.get_current_timezone()
    policy = subject_policy(subject)
    batch = leave_batch(leave)
    existing = {t.seq: t for t in CheckTask.objects.select_for_update().filter(
        subject=subject, batch_id=batch, kind=CheckTaskKind.LEAVE).exclude(status=CheckTaskStatus.CANCELLED)}
    today = timezone.localdate(now)
    for check in schedule.plan_leave(policy, leave.approved_start, leave.approved_end, secret=plan_secret(),
                                     leave_key=leave.pk, tz=tz, return_grace_hours=leave_rules().return_grace_hours):
        opens, due = check.window.opens_at, check.window.due_at
        if opens <= now:
            latest = datetime.combine(check.day, policy.waking_end, tzinfo=tz) - timedelta(
                minutes=policy.response_minutes)
            if check.day != today or now >= latest:
                if check.seq not in existing:
                    result.skipped.append((check.label, "核查时段已过"))
                else:
                    result.kept += 1
                continue
            opens, due = now, now + timedelta(minutes=policy.response_minutes)
        task = existing.get(check.seq)
        if task is not None:
            if task.plan_date == check.day or task.status != CheckTaskStatus.PENDING:
                result.kept += 1
                continue
            before = {"plan_date": task.plan_date.isoformat(), "window_start": task.window_start.isoformat()}
            task.plan_date, task.window_start, task.deadline = check.day, opens, due
            task.notified_at = task.alerted_at = None
            try:
                with transaction.atomic():
                    task.save(update_fields=["plan_date", "window_start", "deadline", "notified_at",
                                             "alerted_at"])
            except IntegrityError:  # the new day's slot is taken: keep the old check rather than fail approval
                result.skipped.append((check.label, "当日该核查已安排"))
                continue
            audit.record(actor, Action.UPDATE, task, subject=subject,
                         summary=f"外出延期，{check.label}改至{check.day:%Y-%m-%d}",
                         before=before, after={"plan_date": check.day.isoformat(), "leave": leave.pk})
            result.moved.append(task)
            continue
        try:
            with transaction.atomic():
                task = CheckTask.objects.create(
                    subject=subject, kind=CheckTaskKind.LEAVE, plan_date=check.day, seq=check.seq,
                    org_path=subject.org_path, supervision_level=subject.supervision_level,
                    window_start=opens, deadline=due, batch_id=batch, created_at=now,
                    reason=f"{check.label}（外出至{leave.destination_names[:60]}，"
                           f"{leave.approved_start:%m-%d}至{leave.approved_end:%m-%d}）")
        except IntegrityError:  # the slot of that day is taken (another leave's check): keep that one
            result.skipped.append((check.label, "当日该核查已安排"))
            continue
        result.created.append(task)
    if result.created:
        # The times stay out of the summary: the subject must not learn a window before it opens.
        audit.record(actor, Action.CREATE, leave, subject=subject,
                     summary=f"安排外出核查：{'、'.join(t.reason.split('（')[0] for t in result.created)}",
                     data={"leave": leave.pk, "tasks": [t.pk for t in result.created],
                           "skipped": result.skipped})
    return result


@transaction.atomic
def drop_leave_checks(leave, *, actor, reason: str, only_future: bool = False,
                      now: datetime | None = None) -> int:
    """Cancel the pending 外出核查 of a leave (rejected, withdrawn, or 销假 already done in person: a check
    about a trip that is over or never happened would only produce false misses).  `only_future` keeps
    the windows already open.  Audited; returns the number cancelled."""
    now = now or timezone.now()
    qs = CheckTask.objects.select_for_update().filter(subject_id=leave.subject_id, batch_id=leave_batch(leave),
                                                      kind=CheckTaskKind.LEAVE, status=CheckTaskStatus.PENDING)
    if only_future:
        qs = qs.filter(window_start__gt=now)
    return _cancel_pending(list(qs), actor=actor, obj=leave, subject=leave.subject,
                           summary=lambda n: f"取消外出核查 {n} 条：{reason[:100]}", data={"leave": leave.pk})


def _cancel_pending(tasks: list, *, actor, obj, subject, summary, data: dict) -> int:
    """Cancel pending tasks (already locked by the caller) in one statement, with one audit row naming them."""
    if not tasks:
        return 0
    CheckTask.objects.filter(pk__in=[t.pk for t in tasks]).update(status=CheckTaskStatus.CANCELLED)
    audit.record(actor, Action.UPDATE, obj, subject=subject, summary=summary(len(tasks)),
                 data={**data, "tasks": [t.pk for t in tasks]})
    return len(tasks)


# --- telling the subject a window opened ------------------------------------------------------------------


def _subject_accounts(subject):
    from yunjiao.accounts.models import User

    return User.objects.filter(subject=subject, role="subject", is_active=True)


def _tell_subject(task: CheckTask, *, actor, sms: bool = True) -> None:
    from yunjiao.notifications.services import notify

    local_deadline = timezone.localtime(task.deadline)
    title = f"请完成{task.get_kind_display()}"
    body = f"请在 {local_deadline:%m-%d %H:%M} 前打开“云矫”完成人脸核查签到。"
    phone = task.subject.phone if sms else ""
    notify(_subject_accounts(task.subject), title=title, body=body, link=_portal_link(), category="checkin",
           actor=actor, sms_phones=[phone] if phone else [])


def _portal_link() -> str:
    try:
        return reverse("portal:home")
    except Exception:  # noqa: BLE001 - the portal app may not define the page yet
        return ""


def notify_opened_tasks(*, now: datetime | None = None, actor=SYSTEM) -> int:
    """Tell subjects about scheduled windows that have opened (in-app message + SMS), once per task."""
    now = now or timezone.now()
    sent = 0
    qs = (CheckTask.objects.filter(status=CheckTaskStatus.PENDING, notified_at__isnull=True,
                                   window_start__lte=now, deadline__gt=now)
          .select_related("subject").order_by("deadline")[:1000])
    for task in qs:
        with transaction.atomic():
            claimed = CheckTask.objects.filter(pk=task.pk, notified_at__isnull=True).update(notified_at=now)
            if claimed:
                _tell_subject(task, actor=actor)
                sent += 1
    return sent


# --- spot checks and ordered checks (点对点抽查 / 指令核查) ---------------------------------------------------

SPOT_MAX_SUBJECTS = 500


def _require_orderer(actor) -> None:
    if actor is SYSTEM:
        return
    if not getattr(actor, "can_write_subjects", False):
        raise NotAllowed("您的角色无权下达核查指令。")


def order_checks(subjects, *, actor, minutes: int | None = None, reason: str = "",
                 kind: str = CheckTaskKind.SPOT, now: datetime | None = None) -> list[CheckTask]:
    """Create a check now for each subject (one batch), deadline `minutes` from now; notify each subject by
    message and SMS, audit each task.  All-or-nothing: a subject outside the officer's branch, or not under
    correction, refuses the whole order and nothing is created.  Night orders are allowed (an officer's
    explicit decision) — only the system never schedules at night."""
    _require_orderer(actor)
    if kind not in (CheckTaskKind.SPOT, CheckTaskKind.ORDERED):
        raise ServiceError("核查类型无效。", code="bad_kind")
    minutes = default_response_minutes() if minutes in (None, "") else int(minutes)
    if not 5 <= minutes <= 240:
        raise ServiceError("响应时限应在 5～240 分钟之间。", code="bad_minutes")
    ids = list(dict.fromkeys(s.pk if hasattr(s, "pk") else int(s) for s in subjects))
    if not ids:
        raise ServiceError("请至少选择一名矫正对象。", code="no_subjects")
    if len(ids) > SPOT_MAX_SUBJECTS:
        raise ServiceError(f"一次最多向 {SPOT_MAX_SUBJECTS} 名对象下达核查。", code="too_many_subjects")
    reason = (reason or "").strip()[:200]
    if kind == CheckTaskKind.ORDERED and not reason:
        raise ServiceError("指令核查须填写事由。", code="reason_required")
    visible = {s.pk: s for s in Subject.objects.visible_to(actor).filter(pk__in=ids)}
    if len(visible) != len(ids):
        raise NotAllowed("所选对象中有不在您管辖范围内的，未下达任何核查。")
    inactive = [s.name for s in visible.values() if s.status not in PLANNED_STATUSES]
    if inactive:
        raise ServiceError(f"以下对象不在矫正期内，不能核查：{'、'.join(inactive)}。", code="not_in_correction")
    now = now or timezone.now()
    batch = uuid.uuid4().hex
    tasks = []
    with transaction.atomic():
        for pk in ids:
            subject = visible[pk]
            task = CheckTask.objects.create(
                subject=subject, kind=kind, plan_date=timezone.localdate(now), seq=0, window_start=now,
                org_path=subject.org_path, supervision_level=subject.supervision_level,
                deadline=now + timedelta(minutes=minutes), ordered_by=None if actor is SYSTEM else actor,
                reason=reason or f"{CheckTaskKind(kind).label}（{len(ids)} 人批次）", batch_id=batch,
                created_at=now, notified_at=now)
            audit.record(actor, Action.CREATE, task, subject=subject,
                         summary=f"下达{task.get_kind_display()}，{minutes} 分钟内完成" + (f"：{reason}" if reason else ""),
                         data={"batch_id": batch, "deadline": task.deadline.isoformat(), "subjects": len(ids)})
            _tell_subject(task, actor=actor)
            tasks.append(task)
    return tasks


def sample_scope(actor, *, n: int, org=None, levels=None, rng: random.Random | None = None) -> list[Subject]:
    """A stratified random sample of the subjects under correction in the officer's scope (optionally one
    org of it and some levels), strata = (management level, high risk / key subject)."""
    n = int(n)
    if n <= 0:
        raise ServiceError("抽查人数应大于 0。", code="bad_n")
    qs = Subject.objects.visible_to(actor).filter(status__in=PLANNED_STATUSES, info_check_enabled=True)
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if levels:
        qs = qs.filter(supervision_level__in=list(levels))
    items = list(qs.order_by("pk"))
    rng = rng or random.SystemRandom()
    return schedule.stratified_sample(
        items, lambda s: (s.supervision_level, s.risk_level == "high" or s.is_key_subject), n, rng=rng)


def cancel_task(task: CheckTask, *, actor, reason: str) -> CheckTask:
    _require_orderer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写取消原因。", code="reason_required")
    with transaction.atomic():
        locked = CheckTask.objects.visible_to(actor).select_for_update().filter(pk=task.pk).first()
        if locked is None:
            raise NotAllowed("该核查任务不在您的管辖范围内。")
        if locked.status != CheckTaskStatus.PENDING:
            raise ServiceError("只有待签到的核查任务可以取消。", code="not_pending")
        locked.status = CheckTaskStatus.CANCELLED
        locked.save(update_fields=["status"])
        audit.record(actor, Action.UPDATE, locked, subject=locked.subject, summary=f"取消核查任务：{reason[:100]}")
    return locked


def cancel_when_not_supervised(subject, old: str, new: str, actor) -> int:
    """Status listener (workflows.register_status_listener): a subject who leaves the checked statuses
    (解除, 终止, 暂停 in custody…) is not asked to check in any more — pending tasks are cancelled, so the
    missed-check job raises no anomaly for a person who can no longer answer.  Returns how many."""
    if new in PLANNED_STATUSES or old not in PLANNED_STATUSES:
        return 0
    label = SubjectStatus(new).label
    pending = list(CheckTask.objects.select_for_update().filter(subject_id=subject.pk, status=CheckTaskStatus.PENDING))
    return _cancel_pending(pending, actor=actor, obj=subject, subject=subject,
                           summary=lambda n: f"对象状态变为“{label}”，取消待签到核查任务 {n} 条", data={"status": new})


# --- missed checks (未响应) ------------------------------------------------------------------------------


def quiet_hours() -> tuple[time, time]:
    start, end = getattr(settings, "CHECK_QUIET_HOURS", ("22:00", "07:00"))
    return time.fromisoformat(start), time.fromisoformat(end)


def is_quiet(at: datetime) -> bool:
    start, end = quiet_hours()
    t = timezone.localtime(at).time()
    return t >= start or t < end if start > end else start <= t < end


@dataclass
class MissedResult:
    missed: int = 0
    cancelled: int = 0
    anomalies: int = 0
    alerts_sent: int = 0
    alerts_deferred: int = 0


MISSED_CHUNK = 50  # the audit chain is locked for the length of a chunk: keep it short


def _mark_one_missed(task: CheckTask, result: MissedResult, *, actor) -> None:
    from yunjiao.anomalies.services import raise_anomaly

    locked = CheckTask.objects.select_for_update().filter(pk=task.pk, status=CheckTaskStatus.PENDING).first()
    if locked is None:
        return
    if task.subject.status not in PLANNED_STATUSES:
        locked.status = CheckTaskStatus.CANCELLED
        locked.save(update_fields=["status"])
        audit.record(actor, Action.UPDATE, locked, subject=task.subject,
                     summary=f"对象状态为{task.subject.get_status_display()}，核查任务自动取消")
        result.cancelled += 1
        return
    locked.status = CheckTaskStatus.MISSED
    locked.save(update_fields=["status"])
    opens = timezone.localtime(task.window_start)
    deadline = timezone.localtime(task.deadline)
    anomaly = raise_anomaly(
        task.subject, kind="checkin_missed", source="checkin", actor=actor,
        episode=task.plan_date.isoformat(), related=locked, at=task.deadline,
        summary=f"{task.get_kind_display()}未响应（{opens:%m-%d %H:%M}～{deadline:%H:%M}）",
        evidence={"task_id": locked.pk, "kind": task.kind, "deadline": task.deadline.isoformat()})
    result.anomalies += anomaly.count == 1
    result.missed += 1


def mark_missed(*, now: datetime | None = None, actor=SYSTEM) -> MissedResult:
    """Tasks past deadline + grace become missed; each miss is added to ONE anomaly per subject and day
    (kind checkin_missed, episode = the task's day: repeated misses raise its count, not new rows).
    Pending tasks of subjects no longer under correction are cancelled instead.  Officers get one message
    per branch per run listing the subjects — never at night: night misses are told in the morning."""
    now = now or timezone.now()
    result = MissedResult()
    due = (CheckTask.objects.filter(status=CheckTaskStatus.PENDING, deadline__lte=now - late_grace())
           .select_related("subject").order_by("deadline", "id"))
    due = list(due[:5000])
    for i in range(0, len(due), MISSED_CHUNK):  # one transaction per chunk (an fsync per task is slow)
        with transaction.atomic():
            for task in due[i:i + MISSED_CHUNK]:
                _mark_one_missed(task, result, actor=actor)
    if is_quiet(now):
        result.alerts_deferred = CheckTask.objects.filter(status=CheckTaskStatus.MISSED,
                                                          alerted_at__isnull=True).count()
    else:
        result.alerts_sent = alert_officers(now=now, actor=actor)
    return result


def _responsible_org(subject):
    return subject.township or subject.execution_org


def alert_officers(*, now: datetime, actor=SYSTEM) -> int:
    """One message per responsible branch listing its subjects with new missed checks (grouped)."""
    from yunjiao.notifications.services import notify, officers_of

    pending = list(CheckTask.objects.filter(status=CheckTaskStatus.MISSED, alerted_at__isnull=True)
                   .select_related("subject__township", "subject__execution_org")[:5000])
    if not pending:
        return 0
    by_org: dict = defaultdict(lambda: defaultdict(int))
    orgs = {}
    for task in pending:
        org = _responsible_org(task.subject)
        orgs[org.pk] = org
        by_org[org.pk][task.subject.name] += 1
    sent = 0
    with transaction.atomic():
        CheckTask.objects.filter(pk__in=[t.pk for t in pending], alerted_at__isnull=True).update(alerted_at=now)
        link = reverse("checkins:tasks") + "?status=missed"
        for org_pk, names in by_org.items():
            users = officers_of(orgs[org_pk], roles=("township_officer", "county_officer", "county_head"))
            listing = "、".join(f"{n}（{c} 次）" if c > 1 else n for n, c in sorted(names.items()))
            notify(users, title=f"{len(names)} 名矫正对象未按时完成核查", body=f"未响应：{listing}。请甄别处置。",
                   link=link, category="checkin", actor=actor)
            sent += 1
    return sent
