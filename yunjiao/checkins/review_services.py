"""Officer side of 信息化核查: enrolment photos kept encrypted, check-in frames kept for review, scoped and
audited reads of those biometric images, the review queue and the review decision (确认本人 / 非本人 /
无法判断), which closes or escalates the related anomaly through yunjiao.anomalies.services.

Biometric images are never written in clear and never get a public URL: each image is SM4-GCM encrypted
(yunjiao.core.crypto) and saved in the default file storage under ``checkins/faces/`` (a local directory
or an S3-compatible bucket); the only way to see one is an officer view that checks the scope and appends
an audit row for every image shown.

Which images are kept:
- enrolment: every photo of every enrolment (needed to show the enrolment and to re-compute templates if
  the model changes); history is never deleted, like the enrolments themselves.
- check-ins: the frames of every check-in that did not pass (review band, mismatch, liveness failure,
  no face, …), because an officer may have to look at them; frames of a passed check-in are not kept
  (data minimisation: the stored scores are enough to re-tune thresholds).
"""

from __future__ import annotations

import base64
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yunjiao.anomalies import services as anomalies
from yunjiao.anomalies.models import OPEN_STATES, Anomaly, AnomalyState
from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.checkins import services as checkin_services
from yunjiao.checkins.models import Checkin, FaceEnrolment, LocationStatus, Outcome, ReviewDecision
from yunjiao.core import crypto
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError

STORAGE_PREFIX = "checkins/faces"
# Face/liveness outcomes an officer may review (their frames are kept).  Pending review = outcome "review".
REVIEWABLE_OUTCOMES = frozenset(
    {
        Outcome.REVIEW,
        Outcome.MISMATCH,
        Outcome.LIVENESS_FAILED,
        Outcome.IDENTITY_INCONSISTENT,
        Outcome.MULTIPLE_FACES,
        Outcome.NO_FACE,
    }
)
# Anomaly kinds that come from check-in outcomes (see anomalies/rules.py KINDS).
OUTCOME_ANOMALY_KIND = {
    Outcome.REVIEW: "checkin_review",
    Outcome.MISMATCH: "face_mismatch",
    Outcome.LIVENESS_FAILED: "liveness_failed",
    Outcome.IDENTITY_INCONSISTENT: "face_mismatch",
    Outcome.MULTIPLE_FACES: "face_mismatch",
    Outcome.NO_FACE: "face_mismatch",
}
# Location outcomes of a check-in whose face verdict passed: no fix, or a fix outside the allowed area (越界,
# judged by the geofence engine against the execution county and approved leave destinations).
LOCATION_ANOMALY_KIND = {
    Outcome.LOCATION_MISSING: "location_missing",
    Outcome.OUTSIDE_AREA: "boundary_exit",
}
CHECKIN_ANOMALY_KINDS = frozenset(OUTCOME_ANOMALY_KIND.values()) | frozenset(LOCATION_ANOMALY_KIND.values())
MAX_NOTE = 500


# --- encrypted image store ---------------------------------------------------------------------------


def _enrolment_photo_name(enrolment_id: int, index: int) -> str:
    return f"{STORAGE_PREFIX}/enrolments/{enrolment_id}/{index}.enc"


def _frame_name(checkin_id: int, index: int) -> str:
    return f"{STORAGE_PREFIX}/checkins/{checkin_id}/{index}.enc"


def _write_encrypted(name: str, data: bytes) -> str:
    if default_storage.exists(name):  # a row id reused after a rolled-back transaction (SQLite)
        default_storage.delete(name)
    token = crypto.encrypt(base64.b64encode(bytes(data)).decode("ascii"))
    saved = default_storage.save(name, ContentFile(token.encode("ascii")))
    if saved != name:
        default_storage.delete(saved)
        raise ServiceError("照片保存失败（存储路径冲突），请重试。", code="storage_conflict")
    return saved


def _read_encrypted(name: str) -> bytes | None:
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as fh:
        token = fh.read().decode("ascii")
    return base64.b64decode(crypto.decrypt(token))


def _store_all(items: list[tuple[str, bytes]]) -> list[str]:
    """Write every image or none: on a failure the ones already written are removed again."""
    written: list[str] = []
    try:
        for name, data in items:
            written.append(_write_encrypted(name, data))
    except Exception:
        _delete_all(written)
        raise
    return written


def _delete_all(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            pass


def thumbnail(data: bytes, max_side: int) -> bytes:
    """JPEG copy no larger than ``max_side`` (EXIF orientation applied), for display only."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
        im.thumbnail((max_side, max_side))
        out = io.BytesIO()
        im.save(out, format="JPEG", quality=85)
    return out.getvalue()


# --- enrolment ---------------------------------------------------------------------------------------


def enrol_with_photos(subject, *, images: list[bytes], actor, note: str = "") -> FaceEnrolment:
    """``checkins.services.enroll_face`` plus the encrypted photos, in one transaction: if the photos cannot
    be stored the enrolment is rolled back, and a refused enrolment stores no photo."""
    written: list[str] = []
    try:
        with transaction.atomic():
            enrolment = checkin_services.enroll_face(subject, images=images, actor=actor, note=note)
            written = _store_all([(_enrolment_photo_name(enrolment.pk, i), d) for i, d in enumerate(images)])
    except Exception:
        _delete_all(written)  # the transaction rolled back: no photo without its enrolment
        raise
    return enrolment


def enrolment_photo(enrolment: FaceEnrolment, index: int, *, actor, size: int = 640) -> bytes:
    """One enrolment photo (downscaled to ``size``) for an officer in scope; every read is audited."""
    _require_reader(enrolment, FaceEnrolment, actor)
    if not 0 <= index < enrolment.photo_count:
        raise ServiceError("没有这张登记照片。", code="not_found")
    data = _read_encrypted(_enrolment_photo_name(enrolment.pk, index))
    if data is None:
        raise ServiceError("该登记照片未留存（早于照片留存功能的登记）。", code="not_stored")
    audit.record_read(
        actor,
        enrolment,
        subject=enrolment.subject,
        summary=f"查看人脸登记照片：{enrolment.subject.name} 第 {enrolment.version} 版第 {index + 1} 张",
    )
    return thumbnail(data, size)


def photos_kept(enrolment: FaceEnrolment) -> bool:
    """Whether the enrolment's photos are in the store (enrolments made by ``enroll_face`` alone have none)."""
    return enrolment.photo_count > 0 and default_storage.exists(_enrolment_photo_name(enrolment.pk, 0))


def enrolment_history(subject):
    return (
        FaceEnrolment.objects.filter(subject=subject)
        .select_related("created_by")
        .order_by("-version")
    )


# --- check-in frames ---------------------------------------------------------------------------------


def after_submit(checkin: Checkin, frames: list[bytes]) -> None:
    """Called at the end of ``submit_checkin`` (inside its transaction): keep the frames of a check-in that did
    not pass, open or update the anomaly for its outcome, and look for 人机分离 against a worn wristband."""
    keep_checkin_frames(checkin, frames)
    raise_outcome_anomaly(checkin)
    detect_device_separation(checkin)


def raise_outcome_anomaly(checkin: Checkin):
    """Every non-pass outcome opens or updates an anomaly.  Repeated failures of one subject, kind and day
    are grouped into the open row (its occurrences name each check-in), not multiplied.  A failed face check
    from outside the allowed area also opens (or updates) the 越界 anomaly: the bound phone was outside
    whoever was in front of it, and an officer confirming the face later must not make that disappear."""
    kind = OUTCOME_ANOMALY_KIND.get(checkin.outcome) or LOCATION_ANOMALY_KIND.get(checkin.outcome)
    if kind is None:
        return None
    primary = _raise_checkin_anomaly(checkin, kind)
    if checkin.location_status == LocationStatus.OUTSIDE and kind != LOCATION_ANOMALY_KIND[Outcome.OUTSIDE_AREA]:
        _raise_checkin_anomaly(checkin, LOCATION_ANOMALY_KIND[Outcome.OUTSIDE_AREA],
                               summary=f"信息化核查定位{checkin.get_location_status_display()}"
                                       f"（人脸/活体：{checkin.get_face_outcome_display()}）")
    return primary


def _raise_checkin_anomaly(checkin: Checkin, kind: str, summary: str = ""):
    day = timezone.localtime(checkin.submitted_at).date()
    reasons = "；".join(checkin.reasons)[:150]
    return anomalies.raise_anomaly(
        checkin.subject,
        kind=kind,
        summary=summary or f"信息化核查{checkin.get_outcome_display()}" + (f"：{reasons}" if reasons else ""),
        evidence={"checkin_id": checkin.pk, "outcome": checkin.outcome, "best_match": checkin.best_match,
                  "location_status": checkin.location_status, "lat": checkin.latitude, "lon": checkin.longitude,
                  "accuracy_m": checkin.accuracy_m},
        source="checkin",
        episode=day.isoformat(),
        related=checkin,
        at=checkin.submitted_at,
    )


def detect_device_separation(checkin: Checkin):
    """人机分离 at a check-in of a subject wearing an electronic-monitoring wristband: the wristband's latest fix
    (≤ 15 min before) far from the check-in position opens or updates a 疑似人机分离 anomaly (one per subject and
    day), with the distance and both positions as evidence.  Only when the face check passed — otherwise it is
    not established that the person was where the phone was.  Returns the anomaly or None."""
    from datetime import timedelta

    import numpy as np

    from yunjiao.geo.coords import haversine_m
    from yunjiao.geo.models import LocationFix

    from . import separation

    if checkin.latitude is None or checkin.face_outcome != Outcome.PASS:
        return None
    at = checkin.submitted_at
    rows = (LocationFix.objects.filter(subject_id=checkin.subject_id, device__kind="wristband",
                                       device__is_active=True, time__gte=at - timedelta(seconds=separation.MAX_AGE_S),
                                       time__lte=at)
            .order_by("-time").values_list("time", "lon", "lat", "accuracy", "device__device_id")[:1])
    if not rows:
        return None
    t, lon, lat, acc, device_id = rows[0]
    distance = float(np.asarray(haversine_m(checkin.longitude, checkin.latitude, lon, lat)).item())
    if not separation.separated(distance, checkin.accuracy_m, acc):
        return None
    day = timezone.localtime(at).date()
    minutes = max(0, round((at - t).total_seconds() / 60))
    return anomalies.raise_anomaly(
        checkin.subject, kind="phone_separation", source="checkin", episode=day.isoformat(), related=checkin, at=at,
        summary=f"疑似人机分离：核查时手机位置与电子定位腕带 {device_id}（{minutes} 分钟前的定位）相距 {distance / 1000:.1f} 公里",
        evidence={"checkin_id": checkin.pk, "distance_m": round(distance), "device_id": device_id,
                  "wristband_fix": {"time": t.isoformat(), "lon": lon, "lat": lat, "accuracy": acc},
                  "checkin_position": {"lon": checkin.longitude, "lat": checkin.latitude,
                                       "accuracy": checkin.accuracy_m}})


def keep_checkin_frames(checkin: Checkin, frames: list[bytes]) -> int:
    """Called by ``submit_checkin`` inside its transaction, after the check-in row exists.  Keeps the frames
    of a check-in that did not pass (encrypted) and records how many were kept."""
    if checkin.outcome == Outcome.PASS or not frames:
        return 0
    written = _store_all([(_frame_name(checkin.pk, i), data) for i, data in enumerate(frames)])
    try:
        Checkin.objects.filter(pk=checkin.pk).update(frames_stored=len(frames))
    except Exception:
        _delete_all(written)
        raise
    checkin.frames_stored = len(frames)
    return len(frames)


def checkin_frame(checkin: Checkin, index: int, *, actor, size: int = 640) -> bytes:
    _require_reader(checkin, Checkin, actor)
    if not 0 <= index < checkin.frames_stored:
        raise ServiceError("没有这张核查画面（通过的核查不留存画面）。", code="not_found")
    data = _read_encrypted(_frame_name(checkin.pk, index))
    if data is None:
        raise ServiceError("该核查画面已不在存储中。", code="not_stored")
    audit.record_read(
        actor,
        checkin,
        subject=checkin.subject,
        summary=f"查看核查画面：{checkin.subject.name} {timezone.localtime(checkin.submitted_at):%Y-%m-%d %H:%M} "
        f"第 {index + 1}/{checkin.frames_stored} 张",
    )
    return thumbnail(data, size)


def _require_reader(obj, model, actor) -> None:
    if actor is SYSTEM:
        return
    if getattr(actor, "role", "") in ("subject", "police_liaison"):
        raise NotAllowed("您的角色不能查看人脸图像。")
    if not model.objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise NotAllowed("该记录不在您的管辖范围内。")


# --- review queue ------------------------------------------------------------------------------------


def pending_review_q() -> Q:
    """Check-ins waiting for an officer: outcome "review" and no decision yet.  That is the review band, and a
    failed check-in the person submitted anyway ("仍然提交": the phone side sets outcome → review and keeps
    the face/liveness outcome in ``face_outcome``)."""
    return Q(review_decision="", outcome=Outcome.REVIEW)


def submitted_anyway(checkin: Checkin) -> bool:
    return checkin.outcome == Outcome.REVIEW and checkin.face_outcome != Outcome.REVIEW


def pending_reviews(actor):
    return Checkin.objects.visible_to(actor).filter(pending_review_q())


def is_reviewable(checkin: Checkin) -> bool:
    return checkin.outcome in REVIEWABLE_OUTCOMES or checkin.face_outcome in REVIEWABLE_OUTCOMES


# --- review decision ---------------------------------------------------------------------------------


def related_anomalies(checkin: Checkin):
    """Anomalies raised for this check-in: linked directly (related object) or grouped into an open row
    whose occurrences name it."""
    candidates = Anomaly.objects.filter(subject_id=checkin.subject_id).filter(
        Q(related_type=Checkin._meta.label, related_id=str(checkin.pk))
        | Q(kind__in=CHECKIN_ANOMALY_KINDS, state__in=OPEN_STATES)
    )
    out = []
    for anomaly in candidates.order_by("-last_seen_at"):
        if anomaly.related_type == Checkin._meta.label and anomaly.related_id == str(checkin.pk):
            out.append(anomaly)
            continue
        ev = anomaly.evidence or {}
        ids = {ev.get("checkin_id")} | {o.get("checkin_id") for o in ev.get("occurrences", []) if isinstance(o, dict)}
        if checkin.pk in ids or str(checkin.pk) in ids:
            out.append(anomaly)
    return out


def _other_pending_checkins(anomaly: Anomaly, checkin: Checkin) -> bool:
    ev = anomaly.evidence or {}
    ids = {ev.get("checkin_id")} | {o.get("checkin_id") for o in ev.get("occurrences", []) if isinstance(o, dict)}
    if anomaly.related_type == Checkin._meta.label and anomaly.related_id.isdigit():
        ids.add(int(anomaly.related_id))
    ids = {int(i) for i in ids if i is not None and str(i).isdigit()} - {checkin.pk}
    return bool(ids) and Checkin.objects.filter(pk__in=ids).filter(pending_review_q()).exists()


def _act_on_anomaly(anomaly: Anomaly, checkin: Checkin, *, actor, decision: str, text: str, escalate_to: str) -> bool:
    if anomaly.state not in OPEN_STATES:
        return False
    if decision == ReviewDecision.CONFIRMED:
        if _other_pending_checkins(anomaly, checkin):  # grouped with check-ins still waiting for review
            if anomaly.state == AnomalyState.OPEN:
                anomalies.acknowledge(anomaly, actor=actor)
                return True
            return False
        anomalies.dispose(anomaly, actor=actor, text=text, false_alarm=True)
    elif decision == ReviewDecision.NOT_PERSON:
        if escalate_to:
            anomalies.escalate(anomaly, actor=actor, target=escalate_to, note=text)
        elif anomaly.state != AnomalyState.VERIFIED:
            anomalies.verify(anomaly, actor=actor, text=text)
        else:
            return False
    elif anomaly.state == AnomalyState.OPEN:
        anomalies.acknowledge(anomaly, actor=actor)
    else:
        return False
    return True


def decide_review(
    checkin: Checkin,
    *,
    actor,
    decision: str,
    note: str = "",
    escalate_to: str = "",
    expected_reviewed: bool = False,
) -> Checkin:
    """Record an officer's review of a check-in and act on its anomaly:

    - 确认本人: the check counts as done by the person; the anomaly is disposed as a false alarm (left open
      only while another check-in grouped into it still waits for review).
    - 非本人: the anomaly is verified (it stays in the queue for disposal), or escalated at once when
      ``escalate_to`` names a registered escalation (warning, sanction, police dispatch…); when no anomaly
      exists yet, a 人脸比对不符 anomaly is opened for the check-in first.
    - 无法判断: the anomaly is acknowledged and stays open for follow-up (e.g. a spot check or a visit).

    A second decision on the same check-in is refused with "已被他人处理" (row lock + state check).
    """
    if decision not in ReviewDecision.values:
        raise ServiceError("请选择复核结论：确认本人、非本人或无法判断。", code="decision_missing")
    note = (note or "").strip()
    if decision != ReviewDecision.CONFIRMED and not note:
        raise ServiceError("认定“非本人”或“无法判断”时请填写复核说明。", code="note_missing")
    if len(note) > MAX_NOTE:
        raise ServiceError(f"复核说明最多 {MAX_NOTE} 字。", code="note_too_long")
    if escalate_to and escalate_to not in anomalies.ESCALATIONS:
        raise ServiceError("不支持的升级方式。", code="bad_escalation")
    if escalate_to and decision != ReviewDecision.NOT_PERSON:
        raise ServiceError("只有认定“非本人”时才能直接升级处置。", code="bad_escalation")
    if actor is not SYSTEM and not getattr(actor, "can_write_subjects", False):
        raise NotAllowed("您的角色不能复核核查。")
    label = ReviewDecision(decision).label
    with transaction.atomic():
        locked = Checkin.objects.visible_to(actor).select_for_update().filter(pk=checkin.pk).first()
        if locked is None:
            raise NotAllowed("该核查不在您的管辖范围内。")
        if locked.review_decision:
            who = locked.reviewed_by.display_name if locked.reviewed_by_id else "其他工作人员"
            raise Conflict(
                f"该核查已被他人处理（{who} 于 {timezone.localtime(locked.reviewed_at):%Y-%m-%d %H:%M} "
                f"复核为“{locked.get_review_decision_display()}”），请刷新页面查看。"
            )
        if not is_reviewable(locked):
            raise ServiceError("该核查已通过或不涉及人脸比对，无需人工复核。", code="not_reviewable")
        subject = locked.subject
        text = f"人工复核：{label}" + (f"。{note}" if note else "")
        touched = []
        # The review judges identity: a location anomaly of the same check-in (越界, 缺少定位) is not settled by
        # "确认本人" — it stays in the anomaly queue for the officer to verify where the person was.
        rows = [a for a in related_anomalies(locked)
                if a.state in OPEN_STATES and a.kind not in LOCATION_ANOMALY_KIND.values()]
        if not rows and decision != ReviewDecision.CONFIRMED:  # none raised, or already closed in the queue
            kind = "face_mismatch" if decision == ReviewDecision.NOT_PERSON else OUTCOME_ANOMALY_KIND.get(
                locked.face_outcome, "checkin_review"
            )
            rows = [
                anomalies.raise_anomaly(
                    subject,
                    kind=kind,
                    summary=f"信息化核查{locked.get_outcome_display()}，人工复核：{label}",
                    evidence={"checkin_id": locked.pk, "best_match": locked.best_match},
                    source="checkin",
                    actor=actor,
                    episode=f"review-{locked.pk}",
                    related=locked,
                )
            ]
        skipped = []
        for anomaly in rows:
            try:
                if _act_on_anomaly(anomaly, locked, actor=actor, decision=decision, text=text,
                                   escalate_to=escalate_to):
                    touched.append(anomaly.pk)
            except ServiceError as exc:
                if exc.code != "invalid_state":  # NotAllowed, validation: refuse the whole decision
                    raise
                skipped.append(anomaly.pk)  # closed or moved on meanwhile in the anomaly queue
        before = {"review_decision": ""}
        locked.review_decision = decision
        locked.review_note = note
        locked.reviewed_by = None if actor is SYSTEM else actor
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["review_decision", "review_note", "reviewed_by", "reviewed_at"])
        audit.record(
            actor,
            Action.UPDATE,
            locked,
            subject=subject,
            before=before,
            after={"review_decision": decision, "review_note": note},
            summary=f"复核信息化核查：{label}" + (f"（{note[:80]}）" if note else ""),
            data={"anomalies": touched, "skipped_anomalies": skipped, "escalate_to": escalate_to or None},
        )
    return locked


# --- housekeeping --------------------------------------------------------------------------------------


def purge_orphan_images(*, min_age_seconds: int = 3600, dry_run: bool = False) -> list[str]:
    """Delete stored images no row refers to any more: the files of an enrolment or check-in whose
    transaction rolled back after the images were written (a later step of ``submit_checkin`` failed).
    Files younger than ``min_age_seconds`` are left alone — their transaction may still be running."""
    from datetime import timedelta

    cutoff = timezone.now() - timedelta(seconds=min_age_seconds)
    removed: list[str] = []
    for kind, model, kept in (
        ("enrolments", FaceEnrolment, lambda obj, n: n < obj.photo_count),
        ("checkins", Checkin, lambda obj, n: n < obj.frames_stored),
    ):
        base = f"{STORAGE_PREFIX}/{kind}"
        if not default_storage.exists(base):
            continue
        dirs, _ = default_storage.listdir(base)
        rows = {str(o.pk): o for o in model.objects.filter(pk__in=[d for d in dirs if d.isdigit()])}
        for d in dirs:
            _, files = default_storage.listdir(f"{base}/{d}")
            for f in files:
                name = f"{base}/{d}/{f}"
                index = f.split(".", 1)[0]
                obj = rows.get(d)
                if obj is not None and index.isdigit() and kept(obj, int(index)):
                    continue
                if default_storage.get_modified_time(name) > cutoff:
                    continue
                removed.append(name)
                if not dry_run:
                    default_storage.delete(name)
    if removed and not dry_run:
        audit.record(SYSTEM, Action.DELETE, None, summary=f"清理无对应记录的人脸图像 {len(removed)} 个",
                     data={"files": removed[:200]})
    return removed
