"""人机分离 at a check-in: a face-verified check-in far from the subject's wristband (法 art.29) opens a
疑似人机分离 anomaly; near it, with an old wristband fix, or with a failed face check, nothing is raised."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.anomalies.models import Anomaly
from yunjiao.checkins import review_services, services
from yunjiao.checkins.testing import make_checkin
from yunjiao.core.actors import SYSTEM
from yunjiao.geo import services as geo
from yunjiao.geo.models import LocationFix

from .test_services import DEVICE, JINING, burst, enrolled, turn_right_only  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

FAR = (116.64, 35.45)  # ≈ 6 km from JINING, still in 任城区


@pytest.fixture
def wristband(cast):
    return geo.register_device(actor=SYSTEM, subject=cast.subject_a1, device_id="WB-S", kind="wristband")


def wristband_fix(device, minutes_ago, lonlat, acc=10.0):
    now = timezone.now()
    LocationFix.objects.create(device=device, subject=device.subject, time=now - timedelta(minutes=minutes_ago),
                               lon=lonlat[0], lat=lonlat[1], accuracy=acc, source="gps", system="wgs84",
                               received_at=now)


def checkin_row(subject, lonlat, *, face="pass", acc=12.0):
    return make_checkin(subject, timezone.now(), face, lonlat=lonlat, accuracy=acc)


@pytest.mark.parametrize("fix_at, minutes_ago, face, raised", [
    (FAR, 5, "pass", True),                             # the wristband is 6 km away
    ((JINING["lon"], JINING["lat"]), 5, "pass", False),  # together
    (FAR, 40, "pass", False),                           # an old fix says nothing about now
    (FAR, 5, "mismatch", False),                        # not established that the person was there
])
def test_detect_device_separation(cast, wristband, fix_at, minutes_ago, face, raised):
    wristband_fix(wristband, minutes_ago, fix_at)
    c = checkin_row(cast.subject_a1, (JINING["lon"], JINING["lat"]), face=face)
    anomaly = review_services.detect_device_separation(c)
    assert (anomaly is not None) is raised
    if raised:
        assert anomaly.kind == "phone_separation" and "人机分离" in anomaly.summary
        assert 5000 < anomaly.evidence["distance_m"] < 8000 and anomaly.evidence["device_id"] == "WB-S"


def test_inactive_wristband_is_not_used(cast, wristband):
    wristband_fix(wristband, 5, FAR)
    wristband.is_active = False
    wristband.save()
    assert review_services.detect_device_separation(checkin_row(cast.subject_a1, (JINING["lon"], JINING["lat"]))) is None


@pytest.mark.usefixtures("enrolled", "turn_right_only")
def test_submitted_checkin_far_from_the_wristband_raises_it(cast, wristband):
    wristband_fix(wristband, 3, FAR)
    _, nonce = services.start_checkin(cast.subject_a1, device_id=DEVICE, actor=cast.portal_a1)
    frames, times = burst()
    checkin = services.submit_checkin(cast.subject_a1, nonce=nonce, frames=frames, capture_times=times,
                                      location=JINING, actor=cast.portal_a1, device_id=DEVICE)
    assert checkin.outcome == "pass"  # the check itself passed; the separation is for the officer to look into
    assert Anomaly.objects.get(subject=cast.subject_a1).kind == "phone_separation"
