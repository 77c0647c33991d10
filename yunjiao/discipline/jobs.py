"""Scheduled jobs: one-line calls into services, acting as SYSTEM."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.core.actors import SYSTEM
from yunjiao.discipline import services


@db_periodic_task(crontab(minute="40", hour="2"))
def refresh_sanction_proposals():
    return services.scan_all(actor=SYSTEM)


@db_periodic_task(crontab(minute="10", hour="3", day="1"))
def score_previous_month():
    return services.compute_all_scores(services.previous_month(), actor=SYSTEM)
