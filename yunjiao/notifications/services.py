"""Notifying people: in-app messages (always) and SMS (optional, sent by a job after commit)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from yunjiao.accounts.models import User
from yunjiao.core import crypto
from yunjiao.core.actors import SYSTEM
from yunjiao.notifications import sms
from yunjiao.notifications.models import Message, SmsOutbox
from yunjiao.subjects.rules import mask_phone


def officers_of(org, roles: Iterable[str] | None = None):
    qs = User.objects.filter(org=org, is_active=True).exclude(role="subject")
    if roles:
        qs = qs.filter(role__in=list(roles))
    return qs


def notify(recipients: Iterable[User], *, title: str, body: str = "", link: str = "", category: str = "",
           actor=SYSTEM, sms_phones: Iterable[str] = ()) -> list[Message]:
    """Create one in-app message per recipient; queue SMS to `sms_phones` (sent after commit)."""
    del actor  # messages are not audit events by themselves; the action that caused them is audited
    users = {u.pk: u for u in recipients if u is not None}
    msgs = Message.objects.bulk_create([
        Message(recipient=u, title=title[:120], body=body, link=link, category=category) for u in users.values()
    ])
    for phone in sms_phones:
        if not phone:
            continue
        row = SmsOutbox.objects.create(
            phone_enc=crypto.encrypt(phone), phone_masked=mask_phone(phone), text=f"【云矫】{title} {body}"[:500],
            state=SmsOutbox.State.PENDING if sms.gateway_configured() else SmsOutbox.State.DISABLED)
        if row.state == SmsOutbox.State.PENDING:
            from yunjiao.notifications.jobs import send_sms_job

            transaction.on_commit(lambda pk=row.pk: send_sms_job(pk))
    return msgs


def deliver_sms(outbox_id: int) -> SmsOutbox:
    row = SmsOutbox.objects.get(pk=outbox_id)
    if row.state != SmsOutbox.State.PENDING:
        return row
    row.attempts += 1
    try:
        sms.send(crypto.decrypt(row.phone_enc), row.text)
    except sms.SmsError as exc:
        row.last_error = str(exc)[:300]
        if row.attempts >= 3:
            row.state = SmsOutbox.State.FAILED
        row.save(update_fields=["attempts", "last_error", "state"])
        return row
    row.state, row.sent_at = SmsOutbox.State.SENT, timezone.now()
    row.save(update_fields=["attempts", "state", "sent_at"])
    return row


def mark_read(user, message_ids: Iterable[int] | None = None) -> int:
    qs = Message.objects.visible_to(user).filter(read_at__isnull=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=list(message_ids))
    return qs.update(read_at=timezone.now())


def unread_count(user) -> int:
    return Message.objects.visible_to(user).filter(read_at__isnull=True).count()
