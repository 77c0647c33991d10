"""Scheduled jobs: one-line calls into services, acting as SYSTEM."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.core.actors import SYSTEM
from yunjiao.leave import services


@db_periodic_task(crontab(minute="*/15"))
def scan_overdue_leaves():
    return services.scan_overdue(actor=SYSTEM)


@db_periodic_task(crontab(minute="5", hour="0"))
def refresh_leave_statuses():
    return services.refresh_statuses(actor=SYSTEM)


@db_periodic_task(crontab(minute="30"))
def scan_unconfirmed_trips():
    return services.scan_unconfirmed_trips(actor=SYSTEM)


@db_periodic_task(crontab(minute="15", hour="1"))
def scan_transfer_reports():
    return services.scan_transfer_reports(actor=SYSTEM)


@db_periodic_task(crontab(minute="20", hour="0"))
def expire_permits():
    return services.expire_permits(actor=SYSTEM)


@db_periodic_task(crontab(minute="25", hour="0,6"))
def plan_leave_checks():
    return services.plan_open_leave_checks(actor=SYSTEM)
