"""Enrolment and check-in services on the database, with real photos and real clip frames."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.audit.models import AuditRecord
from yunjiao.checkins import services
from yunjiao.checkins.models import (
    Checkin,
    CheckinChallenge,
    FaceEnrolment,
    FaceTemplate,
    LocationStatus,
    Outcome,
)
from yunjiao.core import crypto
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError

from .conftest import CLIP_PERSON_PHOTO, DATA, clip_burst, read

pytestmark = pytest.mark.django_db

JINING = {"lat": 35.4153, "lon": 116.5871, "accuracy": 12}
DEVICE = "device-abc"


@pytest.fixture
def turn_right_only(settings):
    settings.FACE_CHALLENGE_ACTIONS = ("turn_right",)  # the clip frames 84–112 perform a right turn


@pytest.fixture
def enrolled(cast):
    return services.enroll_face(cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=cast.officer_a1)


def burst():
    return clip_burst(84, 112, 2)


# --- enrolment ---


def test_enrolment_stores_encrypted_templates_and_audits(cast):
    photos = [read(DATA / "faces" / "fr_obama.jpg"), read(DATA / "faces" / "fr_obama2.jpg")]
    before = AuditRecord.objects.count()
    e = services.enroll_face(cast.subject_a1, images=photos, actor=cast.officer_a1)
    assert (e.version, e.is_active, e.photo_count) == (1, True, 2)
    rows = list(e.face_templates.all())
    assert len(rows) == 2
    plain = crypto.decrypt(rows[0].template_enc)  # base64 of 512 float32 bytes
    assert len(plain) == 684 and plain not in rows[0].template_enc
    assert rows[0].vector().shape == (128,)
    assert AuditRecord.objects.count() == before + 1
    assert "登记人脸" in AuditRecord.objects.order_by("-seq").first().summary


def test_reenrolment_keeps_history_and_is_audited(cast):
    first = services.enroll_face(
        cast.subject_a1, images=[read(DATA / "faces" / "fr_obama.jpg")], actor=cast.officer_a1
    )
    second = services.enroll_face(
        cast.subject_a1,
        images=[read(DATA / "faces" / "fr_obama2.jpg")],
        actor=cast.officer_a1,
        note="换新照片",
    )
    first.refresh_from_db()
    assert (first.is_active, second.is_active, second.version) == (False, True, 2)
    assert first.retired_at is not None
    assert FaceEnrolment.objects.filter(subject=cast.subject_a1).count() == 2
    assert "替换第 1 版" in AuditRecord.objects.order_by("-seq").first().summary


@pytest.mark.parametrize(
    ("files", "code", "text"),
    [
        (["fr_two_people.jpg"], "photo_quality", "第 1 张照片：照片中有 2 张人脸"),
        (["fr_obama.jpg", "fr_biden.jpg"], "photos_differ", "不像同一个人"),
    ],
)
def test_refused_enrolment_stores_nothing(cast, files, code, text):
    before = (FaceEnrolment.objects.count(), FaceTemplate.objects.count(), AuditRecord.objects.count())
    with pytest.raises(ServiceError) as exc:
        services.enroll_face(
            cast.subject_a1, images=[read(DATA / "faces" / f) for f in files], actor=cast.officer_a1
        )
    assert exc.value.code == code and text in exc.value.message
    assert (
        FaceEnrolment.objects.count(),
        FaceTemplate.objects.count(),
        AuditRecord.objects.count(),
    ) == before


def test_enrolment_needs_an_officer_in_scope(cast):
    photo = [read(CLIP_PERSON_PHOTO)]
    with pytest.raises(NotAllowed):
        services.enroll_face(cast.subject_a1, images=photo, actor=cast.officer_b1)  # other county
    with pytest.raises(NotAllowed):
        services.enroll_face(cast.subject_a1, images=photo, actor=cast.portal_a1)  # the subject himself
    assert not FaceEnrolment.objects.exists()


# --- check-ins ---


def test_start_needs_an_enrolment_and_the_subject_himself(cast):
    with pytest.raises(ServiceError) as exc:
        services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    assert exc.value.code == "not_enrolled"
    services.enroll_face(cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=cast.officer_a1)
    with pytest.raises(NotAllowed):
        services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.officer_a1)
    challenge, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    assert 1 <= len(challenge.actions) <= 2 and len(nonce) == 48
    assert nonce not in challenge.nonce_digest  # only a keyed digest is stored
    assert challenge.expires_at - challenge.created_at == timedelta(seconds=services.challenge_seconds())


def test_start_refuses_another_device_than_the_bound_one(cast, enrolled):
    cast.portal_a1.bound_device_id = "phone-1"
    with pytest.raises(NotAllowed):
        services.start_checkin(cast.subject_a1, device_id="phone-2", actor=cast.portal_a1)


def test_submit_passes_and_stores_every_score(cast, enrolled, turn_right_only):
    challenge, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    assert challenge.actions == ["turn_right"]
    frames, times = burst()
    checkin = services.submit_checkin(
        cast.subject_a1,
        nonce=nonce,
        frames=frames,
        capture_times=times,
        location=JINING,
        actor=cast.portal_a1,
        device_id=DEVICE,
    )
    assert checkin.outcome == Outcome.PASS and checkin.liveness_passed
    assert checkin.best_match >= 0.42 and checkin.matched_frames >= 2
    assert len(checkin.scores["frames"]) == 15 and checkin.scores["frames"][0]["yaw"] is not None
    assert checkin.thresholds["accept"] == 0.42
    assert checkin.location_status == LocationStatus.INSIDE and checkin.latitude == JINING["lat"]
    assert checkin.org_path == cast.subject_a1.org_path  # the office at the time, for the reports
    challenge.refresh_from_db()
    assert challenge.used_at is not None


def test_replayed_nonce_is_refused(cast, enrolled, turn_right_only):
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    kwargs = dict(nonce=nonce, frames=frames, capture_times=times, location=JINING, actor=cast.portal_a1)
    services.submit_checkin(cast.subject_a1, **kwargs)
    audit_rows = AuditRecord.objects.count()
    with pytest.raises(Conflict):
        services.submit_checkin(cast.subject_a1, **kwargs)
    assert Checkin.objects.count() == 1 and AuditRecord.objects.count() == audit_rows


def test_expired_nonce_is_refused_and_nothing_stored(cast, enrolled, turn_right_only):
    challenge, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    CheckinChallenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    frames, times = burst()
    with pytest.raises(ServiceError) as exc:
        services.submit_checkin(
            cast.subject_a1,
            nonce=nonce,
            frames=frames,
            capture_times=times,
            location=JINING,
            actor=cast.portal_a1,
        )
    assert exc.value.code == "nonce_expired" and "超时" in exc.value.message
    assert not Checkin.objects.exists()
    challenge.refresh_from_db()
    assert challenge.used_at is None


def test_nonce_of_another_subject_is_refused(cast, turn_right_only):
    photo = [read(CLIP_PERSON_PHOTO)]
    services.enroll_face(cast.subject_a1, images=photo, actor=cast.officer_a1)
    services.enroll_face(cast.subject_a2, images=photo, actor=cast.county_a_officer)
    _, other_nonce = services.start_checkin(cast.subject_a2, device_id=DEVICE, actor=SYSTEM)
    frames, times = burst()
    with pytest.raises(NotAllowed):
        services.submit_checkin(
            cast.subject_a1,
            nonce=other_nonce,
            frames=frames,
            capture_times=times,
            location=JINING,
            actor=cast.portal_a1,
        )
    with pytest.raises(NotAllowed):  # and the portal account cannot submit for subject_a2 either
        services.submit_checkin(
            cast.subject_a2,
            nonce=other_nonce,
            frames=frames,
            capture_times=times,
            location=JINING,
            actor=cast.portal_a1,
        )
    assert not Checkin.objects.exists()


def test_other_device_and_unknown_nonce_are_refused(cast, enrolled):
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    common = dict(frames=frames, capture_times=times, location=JINING, actor=cast.portal_a1)
    with pytest.raises(NotAllowed):
        services.submit_checkin(cast.subject_a1, nonce=nonce, device_id="another-phone", **common)
    with pytest.raises(ServiceError) as exc:
        services.submit_checkin(cast.subject_a1, nonce="0" * 48, **common)
    assert exc.value.code == "nonce_unknown"
    assert not Checkin.objects.exists()


def test_corrupt_upload_stores_nothing_and_the_nonce_can_be_retried(cast, enrolled, turn_right_only):
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    broken = list(frames)
    broken[3] = b"\xff\xd8 this is not a jpeg"
    audit_rows = AuditRecord.objects.count()
    with pytest.raises(ServiceError) as exc:
        services.submit_checkin(
            cast.subject_a1,
            nonce=nonce,
            frames=broken,
            capture_times=times,
            location=JINING,
            actor=cast.portal_a1,
        )
    assert exc.value.code in {"corrupt_frame", "bad_format"} and "第 4 张" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        services.submit_checkin(
            cast.subject_a1,
            nonce=nonce,
            frames=frames * 14,
            capture_times=list(range(210)),
            location=JINING,
            actor=cast.portal_a1,
        )
    assert exc.value.code == "too_many_frames"
    assert not Checkin.objects.exists() and AuditRecord.objects.count() == audit_rows
    ok = services.submit_checkin(
        cast.subject_a1,
        nonce=nonce,
        frames=frames,
        capture_times=times,
        location=JINING,
        actor=cast.portal_a1,
    )
    assert ok.outcome == Outcome.PASS


def test_failed_liveness_is_stored_with_reasons(cast, enrolled, settings):
    settings.FACE_CHALLENGE_ACTIONS = ("turn_left",)  # the clip turns right: the requested action is missing
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    checkin = services.submit_checkin(
        cast.subject_a1,
        nonce=nonce,
        frames=frames,
        capture_times=times,
        location=JINING,
        actor=cast.portal_a1,
    )
    assert checkin.outcome == Outcome.LIVENESS_FAILED and not checkin.liveness_passed
    assert any("转头向左" in r for r in checkin.reasons)


def test_missing_location_is_its_own_outcome(cast, enrolled, turn_right_only):
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    checkin = services.submit_checkin(
        cast.subject_a1, nonce=nonce, frames=frames, capture_times=times, location=None, actor=cast.portal_a1
    )
    assert checkin.face_outcome == Outcome.PASS and checkin.outcome == Outcome.LOCATION_MISSING
    assert checkin.location_status == LocationStatus.MISSING and "定位" in checkin.reasons[-1]


def test_checkins_are_scoped(cast, enrolled, turn_right_only):
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    services.submit_checkin(
        cast.subject_a1,
        nonce=nonce,
        frames=frames,
        capture_times=times,
        location=JINING,
        actor=cast.portal_a1,
    )
    assert Checkin.objects.visible_to(cast.officer_a1).count() == 1
    assert Checkin.objects.visible_to(cast.portal_a1).count() == 1
    assert Checkin.objects.visible_to(cast.officer_b1).count() == 0
    assert FaceEnrolment.objects.visible_to(cast.officer_b1).count() == 0
