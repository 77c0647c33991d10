"""Nightly: store the 信息化核查 reports of every org for each period that ended yesterday."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.core.actors import SYSTEM
from yunjiao.reports import rules, services


@db_periodic_task(crontab(hour="0", minute="45"))
def close_check_reports():
    for period in rules.periods_ended_by(timezone.localdate()):
        services.generate_snapshots(period, actor=SYSTEM)
