"""The location verdict of a check-in comes from the geofence engine (社区矫正法 art.27: the subject stays in the
execution county unless leave was approved; domain §2.4/§6.1): inside / near the border / outside, leave-aware,
never "outside" while the accuracy circle still reaches the allowed area."""

from datetime import UTC, datetime

import pytest

from yunjiao.anomalies.models import Anomaly
from yunjiao.checkins import services
from yunjiao.checkins.models import LocationStatus, Outcome
from yunjiao.geo import rules
from yunjiao.geo import services as geo_services
from yunjiao.geo.tests.geo_helpers import Border, tracker

from .test_services import DEVICE, JINING, burst, enrolled, turn_right_only  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

AT = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 12:00 Beijing time
JINAN = (117.0153, 36.6637)


@pytest.fixture(scope="module")
def border():
    return Border(tracker(home=("370811", "370812")))  # cast.subject_a1 lives in 任城区 (urban districts)


@pytest.fixture
def leave_to_jinan(cast):
    window = rules.Window(AT.timestamp() - 3600, AT.timestamp() + 86400, ("370100",), ref="外出-1")

    def provider(subject, start, end):
        return [window] if subject.pk == cast.subject_a1.pk else []

    geo_services.register_window_provider(provider)
    yield window
    geo_services._WINDOW_PROVIDERS.remove(provider)


def status(subject, lonlat, accuracy, system="wgs84"):
    lon, lat = lonlat
    return services.location_status_for(subject, AT, lat, lon, accuracy, system)


def test_inside_the_execution_county(cast):
    assert status(cast.subject_a1, (JINING["lon"], JINING["lat"]), 12) == LocationStatus.INSIDE


def test_jinan_without_leave_is_outside(cast):
    assert status(cast.subject_a1, JINAN, 30) == LocationStatus.OUTSIDE


def test_jinan_during_approved_leave_is_inside(cast, leave_to_jinan):
    assert status(cast.subject_a1, JINAN, 30) == LocationStatus.INSIDE


@pytest.mark.parametrize("metres_outside, accuracy, expected", [
    (100, 500, LocationStatus.NEAR_BOUNDARY),  # the accuracy circle still reaches the county: never OUTSIDE
    (100, None, LocationStatus.NEAR_BOUNDARY),  # no accuracy reported: taken as 200 m, not as exact
    (150, 5, LocationStatus.NEAR_BOUNDARY),  # within the ±200 m band
    (3000, 20, LocationStatus.OUTSIDE),
    (-3000, 20, LocationStatus.INSIDE),
])
def test_near_the_border(cast, border, metres_outside, accuracy, expected):
    assert status(cast.subject_a1, border.lonlat(metres_outside), accuracy) == expected


def test_missing_location_and_unknown_county(cast):
    assert services.location_status_for(cast.subject_a1, AT, None, None, None, "") == LocationStatus.MISSING
    county = cast.subject_a1.execution_org
    county.code = "990101"  # a county without boundary data
    cast.subject_a1.execution_org = county
    assert status(cast.subject_a1, (JINING["lon"], JINING["lat"]), 12) == LocationStatus.UNCHECKED


@pytest.mark.parametrize("location, usable", [
    ({"lat": 35.4, "lon": 116.5, "accuracy": 10}, True),
    ({"lat": 35.4, "lon": 116.5, "accuracy": 10, "system": "gcj02"}, True),
    ({"lat": 35.4, "lon": 116.5, "system": "mars"}, False),
    ({"lat": 95, "lon": 116.5}, False),
    ({"lat": "x", "lon": 116.5}, False),
    ({"lat": 35.4, "lon": 116.5, "accuracy": -1}, False),
    (None, False),
])
def test_location_parsing(location, usable):
    assert (services._location(location)[0] is not None) is usable


@pytest.mark.usefixtures("enrolled", "turn_right_only")
def test_checkin_in_jinan_without_leave_is_outside_and_raises_boundary_anomaly(cast):
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    checkin = services.submit_checkin(cast.subject_a1, nonce=nonce, frames=frames, capture_times=times,
                                      location={"lon": JINAN[0], "lat": JINAN[1], "accuracy": 25},
                                      actor=cast.portal_a1, device_id=DEVICE)
    assert checkin.face_outcome == Outcome.PASS
    assert (checkin.outcome, checkin.location_status) == (Outcome.OUTSIDE_AREA, LocationStatus.OUTSIDE)
    assert any("超出允许活动区域" in r for r in checkin.reasons)
    anomaly = Anomaly.objects.get(subject=cast.subject_a1)
    assert anomaly.kind == "boundary_exit" and anomaly.evidence["checkin_id"] == checkin.pk
    assert anomaly.evidence["location_status"] == "outside"


def submit(cast, location):
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    return services.submit_checkin(cast.subject_a1, nonce=nonce, frames=frames, capture_times=times,
                                   location=location, actor=cast.portal_a1, device_id=DEVICE)


@pytest.mark.usefixtures("enrolled", "turn_right_only")
def test_checkin_in_jinan_during_an_approved_leave_passes_inside(cast, client):
    """The real leave process (apply → 司法所批准) widens the area for the check-in, as for the location stream."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from django.utils import timezone

    from yunjiao.checkins.api import CheckinSerializer
    from yunjiao.leave import services as leave_services
    from yunjiao.workflows import services as wf

    today = timezone.localdate()
    leave = leave_services.apply_leave(
        cast.subject_a1, actor=cast.portal_a1, idempotency_key="k-jinan", destination_codes=["370102"],
        destination_names="济南市历下区", start=today, end=today, reason_kind="medical", reason="陪同家人就医",
        urgent=True, attachments=[("诊断证明", SimpleUploadedFile("p.pdf", b"%PDF-1.4", "application/pdf"))])
    leave.refresh_from_db()
    wf.fire(leave.case, "approve_township", actor=cast.officer_a1)
    checkin = submit(cast, {"lon": JINAN[0], "lat": JINAN[1], "accuracy": 25})
    assert (checkin.outcome, checkin.location_status) == (Outcome.PASS, LocationStatus.INSIDE)
    assert not Anomaly.objects.filter(subject=cast.subject_a1, kind="boundary_exit").exists()
    data = CheckinSerializer(checkin).data
    assert data["location_label"] == "在允许区域内" and "已批准的目的地" in data["location_reason"]
    client.force_login(cast.officer_a1)
    page = client.get(reverse("checkins:review", args=[checkin.pk])).content.decode()
    assert "在允许区域内" in page and "允许活动区域内" in page


@pytest.mark.usefixtures("enrolled", "turn_right_only")
def test_gcj02_fix_is_judged_and_stored_in_wgs84(cast):
    from yunjiao.geo import coords

    glon, glat = coords.from_wgs84(JINING["lon"], JINING["lat"], "gcj02")  # what a 高德 SDK would report
    checkin = submit(cast, {"lon": float(glon), "lat": float(glat), "accuracy": 15, "system": "gcj02"})
    assert checkin.location_status == LocationStatus.INSIDE and checkin.outcome == Outcome.PASS
    assert abs(checkin.latitude - JINING["lat"]) < 1e-5 and abs(checkin.longitude - JINING["lon"]) < 1e-5


@pytest.mark.usefixtures("enrolled", "turn_right_only")
def test_no_boundary_data_stores_unchecked_with_a_reason_and_passes(cast):
    from yunjiao.orgs.models import Org

    Org.objects.filter(pk=cast.subject_a1.execution_org_id).update(code="990101")  # no boundary for it
    cast.subject_a1.refresh_from_db()
    checkin = submit(cast, {"lon": JINAN[0], "lat": JINAN[1], "accuracy": 25})
    assert (checkin.outcome, checkin.location_status) == (Outcome.PASS, LocationStatus.UNCHECKED)
    assert any("未作电子围栏判断" in r for r in checkin.reasons)
    assert not Anomaly.objects.filter(subject=cast.subject_a1).exists()


def test_failed_face_from_outside_also_raises_boundary_exit(cast):
    """The face outcome decides the check-in's outcome; a fix outside the area still opens the 越界 anomaly."""
    from yunjiao.checkins import review_services
    from yunjiao.checkins.models import Checkin, CheckinChallenge, FaceEnrolment

    enrolment = FaceEnrolment.objects.create(subject=cast.subject_a1, version=1, photo_count=1)

    def row(i, location_status):
        challenge = CheckinChallenge.objects.create(subject=cast.subject_a1, device_id="d", nonce_digest=f"{i}" * 64,
                                                    actions=[], expires_at=AT)
        return Checkin.objects.create(subject=cast.subject_a1, challenge=challenge, enrolment=enrolment, device_id="d",
                                      submitted_at=AT, outcome=Outcome.MISMATCH, face_outcome=Outcome.MISMATCH,
                                      frame_count=1, scores={}, thresholds={}, location_status=location_status)

    review_services.raise_outcome_anomaly(row(1, LocationStatus.INSIDE))
    assert set(Anomaly.objects.values_list("kind", flat=True)) == {"face_mismatch"}
    review_services.raise_outcome_anomaly(row(2, LocationStatus.OUTSIDE))
    review_services.raise_outcome_anomaly(row(3, LocationStatus.OUTSIDE))
    kinds = sorted(Anomaly.objects.values_list("kind", flat=True))
    assert kinds == ["boundary_exit", "face_mismatch"]  # grouped per subject, kind and day: no third row
    exit_ = Anomaly.objects.get(kind="boundary_exit")
    assert "超出允许区域" in exit_.summary and "人脸不匹配" in exit_.summary
@pytest.mark.usefixtures("enrolled", "turn_right_only")
def test_confirming_identity_does_not_settle_the_boundary_anomaly(cast):
    """“仍然提交” then 确认本人: the face question is settled, where the person was is not."""
    from yunjiao.anomalies.models import OPEN_STATES
    from yunjiao.checkins import review_services
    from yunjiao.portal import services as portal

    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    checkin = services.submit_checkin(cast.subject_a1, nonce=nonce, frames=frames, capture_times=times,
                                      location={"lon": JINAN[0], "lat": JINAN[1], "accuracy": 25},
                                      actor=cast.portal_a1, device_id=DEVICE)
    portal.request_review(checkin, actor=cast.portal_a1, note="在济南医院复查")
    review_services.decide_review(checkin, actor=cast.officer_a1, decision="confirmed")
    anomaly = Anomaly.objects.get(kind="boundary_exit")
    assert anomaly.state in OPEN_STATES
