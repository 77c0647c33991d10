"""Appending to the audit chain.  Called by services inside their own transaction."""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yunjiao.audit.chain import first_break, row_hash
from yunjiao.audit.models import GENESIS_HASH, Action, AuditHead, AuditRecord
from yunjiao.core import context
from yunjiao.core.actors import SYSTEM, actor_label, actor_user_id


def _jsonable(value):
    """Round-trip through JSON so the hashed form equals what the database gives back."""
    if value is None:
        return None

    def default(v):
        if isinstance(v, Decimal):
            return str(v)
        if hasattr(v, "isoformat"):
            return v.isoformat()
        return str(v)

    return json.loads(json.dumps(value, ensure_ascii=False, default=default))


def _object_ref(obj) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    meta = obj._meta
    org_path = getattr(obj, "org_path", "") or ""
    if not org_path and hasattr(obj, "subject") and getattr(obj, "subject_id", None):
        org_path = obj.subject.org_path
    if not org_path and hasattr(obj, "path") and meta.label == "orgs.Org":
        org_path = obj.path
    return meta.label, str(obj.pk), org_path


def record(actor, action: str, obj=None, *, subject=None, summary: str = "", before=None, after=None,
           data=None, org_path: str | None = None) -> AuditRecord:
    """Append one audit row.  Must run inside the caller's transaction (it opens one if not)."""
    object_type, object_id, obj_path = _object_ref(obj)
    if subject is None and obj is not None and obj._meta.label == "subjects.Subject":
        subject = obj
    if org_path is None:
        org_path = obj_path or (subject.org_path if subject is not None else "")
    info = context.current()
    user_org_path = ""
    if actor is not None and actor is not SYSTEM and getattr(actor, "org_id", None):
        user_org_path = actor.org.path
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        row = AuditRecord(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor_user_id(actor),
            actor_label=actor_label(actor)[:80],
            actor_org_path=user_org_path,
            action=action,
            object_type=object_type,
            object_id=object_id,
            subject_id=subject.pk if subject is not None else None,
            org_path=org_path,
            summary=(summary or "")[:300],
            before=_jsonable(before),
            after=_jsonable(after),
            data=_jsonable(data),
            source="job" if actor is SYSTEM and info.source == "shell" else info.source,
            ip=info.ip,
            request_id=info.request_id,
            prev_hash=head.hash,
        )
        row.hash = row_hash(head.hash, _row_dict(row))
        row.save()
        head.seq, head.hash = row.seq, row.hash
        head.save(update_fields=["seq", "hash"])
    return row


def record_read(actor, obj, *, subject=None, summary: str = "") -> AuditRecord:
    return record(actor, Action.READ, obj, subject=subject, summary=summary)


def _row_dict(row: AuditRecord) -> dict:
    return {
        "pk": row.pk, "seq": row.seq, "at": row.at, "actor_id": row.actor_id, "actor_label": row.actor_label,
        "actor_org_path": row.actor_org_path, "action": row.action, "object_type": row.object_type,
        "object_id": row.object_id, "subject_id": row.subject_id, "org_path": row.org_path,
        "summary": row.summary, "before": row.before, "after": row.after, "data": row.data,
        "source": row.source, "ip": row.ip, "request_id": row.request_id, "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def iter_rows(queryset=None, chunk: int = 2000):
    qs = queryset if queryset is not None else AuditRecord.objects.order_by("seq")
    for row in qs.iterator(chunk_size=chunk):
        yield _row_dict(row)


def verify_chain():
    """Return the first broken link (or None) and the number of rows checked."""
    count = 0

    def counted():
        nonlocal count
        for row in iter_rows():
            count += 1
            yield row

    broken = first_break(counted(), GENESIS_HASH)
    if broken is None:
        head = AuditHead.objects.filter(id=1).first()
        if head and head.seq != count:
            from yunjiao.audit.chain import Break

            return Break(head.seq, 0, f"链头序号为 {head.seq}，但只有 {count} 条记录（末尾记录被删除）"), count
    return broken, count


def model_snapshot(obj, fields=None) -> dict:
    """A JSON-able before/after snapshot of a model row (encrypted fields are left out)."""
    out = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        if f.name.endswith("_enc") or f.name.endswith("_digest"):
            continue
        value = f.value_from_object(obj)
        if hasattr(value, "name") and f.get_internal_type() in ("FileField", "ImageField"):
            value = value.name or ""
        out[f.attname] = value
    return _jsonable(out)


NOISE_FIELDS = {"updated_at", "version"}


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed (bookkeeping fields such as updated_at are left out)."""
    keys = [k for k in after if k not in NOISE_FIELDS and before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
