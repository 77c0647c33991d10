"""Dispatch SLA reminders (huey): one-line call into services as SYSTEM."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.dispatch import services


@db_periodic_task(crontab(minute="*/5"))
def remind_overdue_orders():
    services.remind_overdue()
