"""Scheduled risk jobs (huey): one-line calls into services as SYSTEM."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.risk import services, warnings


@db_periodic_task(crontab(hour="2", minute="30"))
def evaluate_key_subjects_daily():
    services.evaluate_all()


@db_periodic_task(crontab(minute="*/5"))
def scan_warnings_job():
    warnings.scan_anomalies()
    warnings.scan_warnings()
