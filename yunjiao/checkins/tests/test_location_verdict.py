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
