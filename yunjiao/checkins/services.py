"""信息化核查 services: face enrolment, starting a check-in (challenge) and submitting it.

Face/liveness work (hundreds of ms of CPU) runs before the transaction; the transaction only locks,
re-checks and writes, so a slow check never holds a row lock.  A refused request stores nothing: no
enrolment, no check-in, the nonce stays unused (the phone may retry within the nonce window).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from itertools import combinations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.checkins import review_services
from yunjiao.checkins.face import liveness
from yunjiao.checkins.face.burst import BurstRejected, verify_burst
from yunjiao.checkins.face.config import get_config
from yunjiao.checkins.face.recognition import check_enrolment_photo, cosine
from yunjiao.checkins.models import (
    LOCATION_EXPLANATIONS,
    Checkin,
    CheckinChallenge,
    FaceEnrolment,
    FaceTemplate,
    LocationStatus,
    Outcome,
)
from yunjiao.checkins.tasks_services import attach_checkin
from yunjiao.core import crypto
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError
from yunjiao.geo import coords
from yunjiao.geo import services as geo_services
from yunjiao.subjects.models import Subject

DEFAULT_CHALLENGE_SECONDS = 120


def challenge_seconds() -> int:
    return int(getattr(settings, "CHECKIN_CHALLENGE_SECONDS", DEFAULT_CHALLENGE_SECONDS))


# --- enrolment -----------------------------------------------------------------------------------------


def _require_officer_writer(subject: Subject, actor) -> None:
    if actor is SYSTEM:
        return
    if not getattr(actor, "can_write_subjects", False):
        raise NotAllowed("您的角色无权登记人脸。")
    if not Subject.objects.visible_to(actor).filter(pk=subject.pk).exists():
        raise NotAllowed("该矫正对象不在您的管辖范围内。")


def enroll_face(subject: Subject, *, images: list[bytes], actor, note: str = "") -> FaceEnrolment:
    """Enrol (or re-enrol) a subject's face from 1–5 photos.  Every photo must pass the quality checks
    and all photos must show the same person; otherwise nothing is stored and the reasons are raised."""
    _require_officer_writer(subject, actor)
    cfg = get_config()
    if not images:
        raise ServiceError("请至少上传 1 张登记照片。", code="no_photos")
    if len(images) > cfg.enrol_max_images:
        raise ServiceError(
            f"最多上传 {cfg.enrol_max_images} 张登记照片（收到 {len(images)} 张）。", code="too_many_photos"
        )
    checks = [check_enrolment_photo(data, cfg) for data in images]
    refused = [f"第 {i + 1} 张照片：{'；'.join(c.reasons)}" for i, c in enumerate(checks) if not c.ok]
    if refused:
        raise ServiceError("登记照片不合格。" + " ".join(refused), code="photo_quality")
    templates = [c.template for c in checks]
    for (i, a), (j, b) in combinations(enumerate(templates), 2):
        if cosine(a, b) < cfg.accept_threshold:
            raise ServiceError(
                f"第 {i + 1} 张与第 {j + 1} 张照片不像同一个人（相似度 {cosine(a, b):.2f}），请只上传本人照片。",
                code="photos_differ",
            )
    with transaction.atomic():
        locked = Subject.objects.select_for_update().get(pk=subject.pk)
        previous = FaceEnrolment.objects.select_for_update().filter(subject=locked, is_active=True).first()
        last_version = (
            FaceEnrolment.objects.filter(subject=locked)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        now = timezone.now()
        if previous is not None:
            previous.is_active = False
            previous.retired_at = now
            previous.save(update_fields=["is_active", "retired_at"])
        enrolment = FaceEnrolment.objects.create(
            subject=locked,
            version=(last_version or 0) + 1,
            photo_count=len(images),
            quality=[c.metrics for c in checks],
            note=note[:200],
            created_at=now,
            created_by=None if actor is SYSTEM else actor,
        )
        FaceTemplate.objects.bulk_create(
            FaceTemplate(
                enrolment=enrolment,
                index=i,
                template_enc=FaceTemplate.encrypt_vector(t),
                photo_sha256=hashlib.sha256(data).hexdigest(),
            )
            for i, (t, data) in enumerate(zip(templates, images, strict=True))
        )
        summary = (
            f"重新登记人脸（第 {enrolment.version} 版，替换第 {previous.version} 版，{len(images)} 张照片）"
            if previous
            else f"登记人脸（{len(images)} 张照片）"
        )
        audit.record(
            actor,
            Action.CREATE,
            enrolment,
            subject=locked,
            summary=summary,
            data={
                "version": enrolment.version,
                "replaced_version": previous.version if previous else None,
                "photo_sha256": [hashlib.sha256(d).hexdigest() for d in images],
                "quality": enrolment.quality,
            },
        )
    return enrolment


def active_enrolment(subject: Subject) -> FaceEnrolment | None:
    return (
        FaceEnrolment.objects.filter(subject=subject, is_active=True)
        .prefetch_related("face_templates")
        .first()
    )


# --- check-ins -----------------------------------------------------------------------------------------


def _require_subject_actor(subject: Subject, actor) -> None:
    if actor is SYSTEM:
        return
    if getattr(actor, "subject_id", None) != subject.pk:
        raise NotAllowed("只能由矫正对象本人使用自己的账号完成核查。")


def _nonce_digest(nonce: str) -> str:
    return crypto.digest("checkin-nonce:" + nonce)


def start_checkin(subject: Subject, *, device_id: str, actor) -> tuple[CheckinChallenge, str]:
    """Issue a one-time challenge: returns (challenge, nonce).  Only the digest of the nonce is stored."""
    _require_subject_actor(subject, actor)
    device_id = (device_id or "").strip()
    if not device_id:
        raise ServiceError("缺少设备标识，请在已绑定的手机上打开核查页面。", code="device_missing")
    bound = getattr(actor, "bound_device_id", "") if actor is not SYSTEM else ""
    if bound and bound != device_id:
        raise NotAllowed("该手机不是您绑定的设备，请使用绑定手机核查，或联系工作人员重新绑定。")
    if active_enrolment(subject) is None:
        raise ServiceError("尚未登记人脸，请联系矫正工作人员先登记人脸。", code="not_enrolled")
    nonce = secrets.token_hex(24)
    now = timezone.now()
    with transaction.atomic():
        challenge = CheckinChallenge.objects.create(
            subject=subject,
            device_id=device_id[:64],
            nonce_digest=_nonce_digest(nonce),
            actions=liveness.random_challenge(),
            created_at=now,
            expires_at=now + timedelta(seconds=challenge_seconds()),
        )
        audit.record(
            actor,
            Action.CREATE,
            challenge,
            subject=subject,
            summary=f"发起信息化核查：{liveness.challenge_text(challenge.actions)}",
            data={"device_id": challenge.device_id, "expires_at": challenge.expires_at},
        )
    return challenge, nonce


def _usable_challenge(subject: Subject, nonce: str, device_id: str | None, at) -> CheckinChallenge:
    if not isinstance(nonce, str) or not nonce:
        raise ServiceError("缺少核查凭证，请重新开始核查。", code="nonce_missing")
    challenge = CheckinChallenge.objects.filter(nonce_digest=_nonce_digest(nonce)).first()
    if challenge is None:
        raise ServiceError("核查凭证无效，请重新开始核查。", code="nonce_unknown")
    if challenge.subject_id != subject.pk:
        raise NotAllowed("核查凭证不属于您本人，请重新开始核查。")
    if device_id is not None and device_id != challenge.device_id:
        raise NotAllowed("核查须在发起核查的同一部手机上完成，请重新开始核查。")
    if challenge.used_at is not None:
        raise Conflict("该核查凭证已经使用过，不能重复提交，请重新开始核查。")
    if at > challenge.expires_at:
        raise ServiceError("核查已超时，请重新开始核查并在提示后立即完成动作。", code="nonce_expired")
    return challenge


# A phone that reports no accuracy is taken to be this vague: a missing number must not turn an honest check-in
# near the border into "outside" (the engine counts a fix outside only when its whole accuracy circle is).
UNKNOWN_ACCURACY_M = 200.0


def _location(location) -> tuple[float | None, float | None, float | None, str]:
    """(lat, lon, accuracy, system) of the reported fix, or (None, None, None, "") when missing or unusable."""
    if not location:
        return None, None, None, ""
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
        acc = location.get("accuracy")
        acc = None if acc in (None, "") else float(acc)
    except (KeyError, TypeError, ValueError):
        return None, None, None, ""
    try:
        system = coords.normalise_system(str(location.get("system") or "wgs84"))  # the geo ingestion's rule
    except ValueError:
        return None, None, None, ""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (acc is not None and acc < 0):
        return None, None, None, ""
    return lat, lon, acc, system


# The verdicts that add their explanation to the check-in's reasons (inside / near the border pass silently;
# their explanation is still shown with the verdict).
LOCATION_REASONS = {status: LOCATION_EXPLANATIONS[status] for status in
                    (LocationStatus.MISSING, LocationStatus.UNCHECKED, LocationStatus.OUTSIDE)}


def to_wgs84(lat, lon, system) -> tuple[float | None, float | None]:
    """The fix in WGS-84 (what the check-in stores, whatever the phone sent: browsers give WGS-84, a native
    app with a Chinese map SDK may send gcj02/bd09)."""
    if lat is None or system in ("", coords.WGS84):
        return lat, lon
    wlon, wlat = coords.to_wgs84(lon, lat, system)
    return float(wlat), float(wlon)


def location_status_for(subject, at, lat, lon, acc, system) -> str:
    """The geofence verdict for a check-in's fix: the same engine and allowed area as the location stream
    (execution county, widened by approved leave/permit destinations, narrowed by 禁止令 zones)."""
    if lat is None:
        return LocationStatus.MISSING
    try:
        verdict = geo_services.location_verdict(subject, at, lon, lat,
                                                UNKNOWN_ACCURACY_M if acc is None else acc, system)
    except geo_services.NoBoundaryData:
        return LocationStatus.UNCHECKED
    return {"inside": LocationStatus.INSIDE, "near": LocationStatus.NEAR_BOUNDARY,
            "outside": LocationStatus.OUTSIDE}[verdict]


def submit_checkin(
    subject: Subject,
    *,
    nonce: str,
    frames: list[bytes],
    capture_times: list[float],
    location: dict | None,
    actor,
    device_id: str | None = None,
) -> Checkin:
    """Verify an uploaded burst against the challenge and store the check-in with every score.

    Refused (ServiceError / NotAllowed / Conflict, nothing stored, nonce left unused unless it was used):
    unknown, expired, used or foreign nonce; another device; an unusable upload (BurstRejected: corrupt
    JPEG, too many frames, too large…).  A face/liveness failure is *not* a refusal: it is stored as a
    check-in with its outcome and reasons (officer review / anomaly handling happens elsewhere).
    """
    _require_subject_actor(subject, actor)
    received_at = timezone.now()
    challenge = _usable_challenge(subject, nonce, device_id, received_at)
    enrolment = active_enrolment(subject)
    if enrolment is None:
        raise ServiceError("尚未登记人脸，请联系矫正工作人员先登记人脸。", code="not_enrolled")
    cfg = get_config()
    try:
        result = verify_burst(
            frames, capture_times, list(challenge.actions), enrolment.templates(), config=cfg
        )
    except BurstRejected as exc:
        raise ServiceError(exc.reason, code=exc.code)
    lat, lon, acc, system = _location(location)
    lat, lon = to_wgs84(lat, lon, system)  # stored and judged in WGS-84
    location_status = location_status_for(subject, received_at, lat, lon, acc, "wgs84")
    outcome = result.outcome
    reasons = list(result.reasons)
    if location_status in LOCATION_REASONS:
        reasons.append(LOCATION_REASONS[location_status])
    if outcome == Outcome.PASS and location_status == LocationStatus.MISSING:
        outcome = Outcome.LOCATION_MISSING
    elif outcome == Outcome.PASS and location_status == LocationStatus.OUTSIDE:
        outcome = Outcome.OUTSIDE_AREA
    with transaction.atomic():
        locked = CheckinChallenge.objects.select_for_update().get(pk=challenge.pk)
        if locked.used_at is not None:  # a concurrent submission of the same nonce won the race
            raise Conflict("该核查凭证已经使用过，不能重复提交，请重新开始核查。")
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        checkin = Checkin.objects.create(
            subject=subject,
            challenge=locked,
            enrolment=enrolment,
            device_id=locked.device_id,
            submitted_at=received_at,
            submitted_by=None if actor is SYSTEM else actor,
            outcome=outcome,
            face_outcome=result.outcome,
            reasons=reasons,
            best_match=result.best_match,
            matched_frames=result.matched_frames,
            liveness_passed=bool(result.liveness and result.liveness.passed),
            frame_count=len(frames),
            scores=result.as_dict(),
            thresholds={
                "accept": cfg.accept_threshold,
                "review": cfg.review_threshold,
                "same_person": cfg.same_person_threshold,
                "yaw_delta": cfg.yaw_delta,
                "mouth_open_mar": cfg.mouth_open_mar,
            },
            latitude=lat,
            longitude=lon,
            accuracy_m=acc,
            location_status=location_status,
            org_path=subject.org_path,
        )
        # keep the frames of a failed check (encrypted) and open/update its anomaly (review_services)
        review_services.after_submit(checkin, frames)
        audit.record(
            actor,
            Action.CREATE,
            checkin,
            subject=subject,
            summary=f"提交信息化核查：{checkin.get_outcome_display()}",
            data={"outcome": outcome, "best_match": result.best_match, "reasons": reasons,
                  "location_status": location_status, "coord_system": system or None},
        )
        # the check-in answers the earliest open task (done / late), whatever its
        # outcome — a failed face or location verdict is judged on the check-in, not by missing the task.
        attach_checkin(checkin)
    return checkin
