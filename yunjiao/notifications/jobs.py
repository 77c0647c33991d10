from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yunjiao.notifications import services
from yunjiao.notifications.models import SmsOutbox


@db_task(retries=2, retry_delay=30)
def send_sms_job(outbox_id: int):
    services.deliver_sms(outbox_id)


@db_periodic_task(crontab(minute="*/5"))
def retry_pending_sms():
    for pk in SmsOutbox.objects.filter(state=SmsOutbox.State.PENDING).values_list("pk", flat=True)[:200]:
        services.deliver_sms(pk)
