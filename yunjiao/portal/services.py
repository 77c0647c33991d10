"""Write path of the phone pages: binding a portal account to one phone, the officer's reset, the bounded
retries of a failed check-in and “仍然提交，交由工作人员审核”.

A portal account is bound to the first phone it is used on: the phone keeps a random device key in a
long-lived cookie, the server keeps only its keyed digest (PortalDevice).  Any other phone is refused with
a message telling the person to ask their officer, who can release the binding (audited); the next login
then binds the new phone.  The public ``device_id`` of the binding is what the check-in services get.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core import crypto
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError
from yunjiao.portal.models import PortalDevice, ReviewRequest

DEVICE_COOKIE = "yj_device"
DEVICE_COOKIE_MAX_AGE = 10 * 365 * 24 * 3600
LAST_SEEN_EVERY = timedelta(minutes=5)
DEFAULT_MAX_ATTEMPTS = 3

DEVICE_REFUSED_MESSAGE = (
    "您的账号已绑定另一部手机，不能在这部手机上登录。如已更换手机，请联系您的矫正工作人员解除绑定后再登录。"
)


class DeviceRefused(NotAllowed):
    code = "device_not_bound"


def _key_digest(key: str) -> str:
    return crypto.digest("portal-device:" + key)


def _valid_key(key: str | None) -> bool:
    return bool(key) and len(key) == 64 and all(c in "0123456789abcdef" for c in key)


@dataclass
class DeviceCheck:
    device: PortalDevice
    new_key: str | None = None  # set when the phone was just bound: the caller stores it in the cookie


def check_device(user, key: str | None, *, user_agent: str = "", session_device: int | None = None,
                 now: datetime | None = None) -> DeviceCheck:
    """Bind the account to this phone on first use, accept the bound phone, refuse any other phone.

    ``session_device``: the binding the session was opened under; a session that outlived its binding (an
    officer released it) is refused, so only a new login can bind a phone again."""
    if getattr(user, "role", None) != "subject":
        raise ServiceError("只有矫正对象的手机端账号需要绑定手机。", code="not_portal_account")
    now = now or timezone.now()
    active = PortalDevice.objects.filter(user=user, released_at__isnull=True).first()
    if session_device and (active is None or active.pk != session_device):
        raise DeviceRefused("您的手机绑定已被工作人员解除，请重新登录。", code="device_released")
    if active is not None and _valid_key(key) and _key_digest(key) == active.key_digest:
        if now - active.last_seen >= LAST_SEEN_EVERY:
            PortalDevice.objects.filter(pk=active.pk).update(last_seen=now)
            active.last_seen = now
        return DeviceCheck(active)
    if active is not None:
        audit.record(user, Action.LOGIN_FAILED, active, subject=user.subject,
                     summary="未绑定的手机尝试使用手机端账号，已拒绝",
                     data={"user_agent": (user_agent or "")[:300], "bound_device": active.device_id})
        raise DeviceRefused(DEVICE_REFUSED_MESSAGE)
    from yunjiao.accounts.models import User

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        again = PortalDevice.objects.filter(user=locked, released_at__isnull=True).first()
        if again is not None:  # another request of the same first login bound a phone meanwhile
            if _valid_key(key) and _key_digest(key) == again.key_digest:
                return DeviceCheck(again)
            raise DeviceRefused(DEVICE_REFUSED_MESSAGE)
        new_key = secrets.token_hex(32)
        device = PortalDevice.objects.create(
            user=locked, device_id="m-" + secrets.token_hex(8), key_digest=_key_digest(new_key),
            user_agent=(user_agent or "")[:300], first_seen=now, last_seen=now,
        )
        User.objects.filter(pk=locked.pk).update(bound_device_id=device.device_id)
        user.bound_device_id = device.device_id
        audit.record(user, Action.CREATE, device, subject=locked.subject,
                     summary=f"手机端账号绑定手机 {device.device_id}",
                     data={"user_agent": device.user_agent})
    return DeviceCheck(device, new_key)


def reset_device(account, *, actor, reason: str) -> PortalDevice | None:
    """An officer releases the phone binding of a subject's portal account (e.g. a new phone).  Device
    tokens issued for that phone are revoked too.  Returns the released binding (None if none was bound)."""
    from yunjiao.accounts.models import ApiToken, User
    from yunjiao.subjects.models import Subject

    if getattr(account, "role", None) != "subject" or account.subject_id is None:
        raise ServiceError("该账号不是矫正对象的手机端账号。", code="not_portal_account")
    if not getattr(actor, "can_write_subjects", False):
        raise NotAllowed("您的角色无权解除手机绑定。")
    if not Subject.objects.visible_to(actor).filter(pk=account.subject_id).exists():
        raise NotAllowed("该矫正对象不在您的管辖范围内。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写解除绑定的原因（如：更换手机）。", code="reason_required",
                           field_errors={"reason": ["请填写原因"]})
    now = timezone.now()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=account.pk)
        device = PortalDevice.objects.filter(user=locked, released_at__isnull=True).first()
        if device is not None:
            device.released_at = now
            device.released_by = actor
            device.release_reason = reason[:200]
            device.save(update_fields=["released_at", "released_by", "release_reason"])
            ApiToken.objects.filter(kind=ApiToken.Kind.DEVICE, device_id=device.device_id,
                                    revoked_at__isnull=True).update(revoked_at=now)
        User.objects.filter(pk=locked.pk).update(bound_device_id="")
        account.bound_device_id = ""
        audit.record(actor, Action.UPDATE, device or locked, subject=locked.subject,
                     summary=(f"解除手机绑定 {device.device_id}：{reason[:100]}" if device
                              else f"解除手机绑定（当前未绑定手机）：{reason[:100]}"),
                     data={"device_id": device.device_id if device else None, "reason": reason[:200]})
    return device


# --- retries and officer review ------------------------------------------------------------------------

PASSING = ("pass", "review")


def max_attempts() -> int:
    return int(getattr(settings, "CHECKIN_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


@dataclass
class Attempts:
    failed: int
    allowed: int

    @property
    def left(self) -> int:
        return max(0, self.allowed - self.failed)


def attempts(subject, *, now: datetime | None = None) -> Attempts:
    """Failed check-ins today since the last passed (or officer-review) one, against the daily bound."""
    from yunjiao.checkins.models import Checkin

    now = now or timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = Checkin.objects.filter(subject=subject, submitted_at__gte=day_start)
    last_ok = today.filter(outcome__in=PASSING).order_by("-submitted_at").values_list("submitted_at", flat=True)
    since = last_ok.first()
    failed = today.exclude(outcome__in=PASSING)
    if since is not None:
        failed = failed.filter(submitted_at__gt=since)
    return Attempts(failed=failed.count(), allowed=max_attempts())


def start_checkin(user, *, device_id: str):
    """Start a check-in for a portal account: the bounded retries, then the check-in service."""
    from yunjiao.checkins import services as checkins

    if getattr(user, "role", None) != "subject" or user.subject_id is None:
        raise NotAllowed("只有矫正对象本人可以进行信息化核查。")
    state = attempts(user.subject)
    if state.left <= 0:
        raise ServiceError(
            f"今天已连续 {state.failed} 次核查未通过，不能再重试。请在结果页选择“仍然提交，交由工作人员审核”，"
            "或联系您的矫正工作人员。",
            code="attempts_exhausted",
        )
    return checkins.start_checkin(user.subject, device_id=device_id, actor=user)


def can_request_review(checkin) -> bool:
    if checkin.outcome in PASSING or getattr(checkin, "review_decision", ""):
        return False
    if ReviewRequest.objects.filter(checkin=checkin).exists():
        return False
    from yunjiao.checkins.models import Checkin

    latest = Checkin.objects.filter(subject_id=checkin.subject_id).order_by("-submitted_at").first()
    return latest is not None and latest.pk == checkin.pk


def request_review(checkin, *, actor, note: str = "") -> ReviewRequest:
    """“仍然提交，交由工作人员审核”: the latest failed check-in goes to officer review (outcome → review,
    the face/liveness outcome and every score stay as they were) instead of hard-blocking the person."""
    from yunjiao.checkins.models import Checkin, Outcome

    if getattr(actor, "subject_id", None) != checkin.subject_id:
        raise NotAllowed("只能由矫正对象本人申请人工复核。")
    with transaction.atomic():
        locked = Checkin.objects.select_for_update().get(pk=checkin.pk)
        if ReviewRequest.objects.filter(checkin=locked).exists():
            raise Conflict("这次核查已经提交工作人员审核，请勿重复提交。")
        if locked.outcome in PASSING:
            raise ServiceError("这次核查已通过或已在人工复核中，无需再提交。", code="not_failed")
        if getattr(locked, "review_decision", ""):  # the officer review fields (checkins review work)
            raise ServiceError("工作人员已经复核过这次核查，无需再提交。", code="already_reviewed")
        latest = Checkin.objects.filter(subject_id=locked.subject_id).order_by("-submitted_at").first()
        if latest.pk != locked.pk:
            raise ServiceError("只能对最近一次核查申请人工复核。", code="not_latest")
        original = locked.outcome
        request = ReviewRequest.objects.create(checkin=locked, original_outcome=original, note=(note or "")[:200])
        locked.outcome = Outcome.REVIEW
        locked.reasons = [*locked.reasons, "本人选择“仍然提交，交由工作人员审核”。"]
        locked.save(update_fields=["outcome", "reasons"])
        audit.record(actor, Action.UPDATE, locked, subject=locked.subject,
                     summary=f"信息化核查未通过（{Outcome(original).label}），本人申请人工复核",
                     before={"outcome": original}, after={"outcome": locked.outcome},
                     data={"note": request.note})
    checkin.outcome, checkin.reasons = locked.outcome, locked.reasons
    return request
