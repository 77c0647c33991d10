from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.core.actors import SYSTEM

from . import services


@db_periodic_task(crontab(hour="6", minute="40"))
def monitoring_expiry_scan():
    services.scan_expiring(actor=SYSTEM)
