"""Scheduled jobs: one-line calls into services, acting as SYSTEM."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.core.actors import SYSTEM
from yunjiao.workflows import services


@db_periodic_task(crontab(minute="7"))
def scan_deadlines():
    return services.scan_deadlines(actor=SYSTEM)


@db_periodic_task(crontab(minute="20", hour="1"))
def open_due_discharges():
    return len(services.open_due_discharges(actor=SYSTEM))
