"""Scheduled e矫通 jobs: bodies are one-line calls into services with actor=SYSTEM."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.core.actors import SYSTEM
from yunjiao.education import services


@db_periodic_task(crontab(minute="30", hour="*/2"))
def close_finished_events_job():
    return services.close_finished_events(actor=SYSTEM)


@db_periodic_task(crontab(minute="0", hour="9", day_of_week="1"))
def warn_shortfalls_job():
    return services.warn_shortfalls(actor=SYSTEM)


@db_periodic_task(crontab(minute="10", hour="1", day="1"))
def close_previous_month_job():
    return services.close_month(services.previous_month(), actor=SYSTEM)
