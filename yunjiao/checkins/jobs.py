"""Huey jobs of the check tasks: daily planning, window notifications and missed checks."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.checkins import tasks_services
from yunjiao.core.actors import SYSTEM


@db_periodic_task(crontab(hour="0,6", minute="20"))
def plan_checks_today():
    """Plan today's scheduled checks (the 06:20 run is a catch-up if the worker was down at night; the plan
    is idempotent, so it creates nothing twice)."""
    tasks_services.plan_day(timezone.localdate(), actor=SYSTEM)


@db_periodic_task(crontab(minute="*/2"))
def check_tasks_clock():
    """Every 2 minutes: tell subjects whose window opened; mark overdue tasks missed (grouped anomaly)."""
    tasks_services.notify_opened_tasks(actor=SYSTEM)
    tasks_services.mark_missed(actor=SYSTEM)
