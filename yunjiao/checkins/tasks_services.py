"""Check tasks (核查任务): the single write path for scheduled checks, spot checks and missed checks.

Interface used by other apps (the portal pages):
- ``open_tasks_for(subject, at=None)`` → pending tasks whose window has started and whose deadline has not
  passed at ``at`` (default now), ordered by deadline (earliest first).
- ``upcoming_tasks_for(subject, day=None)`` → pending tasks of that local day whose window has not opened.
- ``attach_checkin(checkin)`` → links the earliest answerable task to the check-in and marks it done
  (submitted by the deadline) or late (after the deadline, within ``CHECK_TASK_LATE_GRACE_MINUTES``);
  returns the task or None.  Called by ``checkins.services.submit_checkin`` inside its transaction
  (the hook at the end of that function), so nothing else needs to call it.

A check-in counts only when it answers an open task (never "once per calendar day"), so a check-in just
after midnight satisfies nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yunjiao.checkins.models import Checkin, CheckTask, CheckTaskStatus


def default_response_minutes() -> int:
    return int(getattr(settings, "CHECK_TASK_RESPONSE_MINUTES", 30))


def late_grace() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "CHECK_TASK_LATE_GRACE_MINUTES", 30)))


def open_tasks_for(subject, at: datetime | None = None):
    at = at or timezone.now()
    return CheckTask.objects.filter(
        subject=subject, status=CheckTaskStatus.PENDING, window_start__lte=at, deadline__gt=at
    ).order_by("deadline", "id")


def upcoming_tasks_for(subject, day: date | None = None):
    now = timezone.now()
    day = day or timezone.localdate(now)
    return CheckTask.objects.filter(
        subject=subject, status=CheckTaskStatus.PENDING, plan_date=day, window_start__gt=now
    ).order_by("window_start", "id")


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
