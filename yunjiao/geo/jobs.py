from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunjiao.core.actors import SYSTEM

from . import services


@db_periodic_task(crontab(minute="*/5"))
def geofence_clock():
    services.run_clock(actor=SYSTEM)


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_old_fixes():
    services.purge_old_fixes(actor=SYSTEM)
