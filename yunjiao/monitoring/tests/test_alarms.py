"""`POST /api/v1/devices/alarms/`: device token auth, per-item rejection, idempotency on (device, time, type),
each alarm an alert row and an anomaly grouped per episode."""

from datetime import UTC, datetime, timedelta

import pytest

from yunjiao.anomalies.models import Anomaly
from yunjiao.audit.models import AuditRecord
from yunjiao.geo import coords
from yunjiao.geo import services as geo
from yunjiao.monitoring.models import DeviceAlarm
from yunjiao.workflows.models import Case

URL = "/api/v1/devices/alarms/"


@pytest.fixture
def token(wristband, cast):
    return geo.issue_device_token(actor=cast.county_a_officer, device=wristband)


def post(api_client, token, alarms):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client.post(URL, {"alarms": alarms}, format="json")


def alarm(t, kind="tamper", device="WB-A1", **extra):
    return {"device_id": device, "time": t.isoformat(), "type": kind, **extra}


def test_good_and_bad_items(api_client, cast, wristband, token):
    other = geo.register_device(actor=cast.officer_b1, subject=cast.subject_b1, device_id="WB-B1", kind="wristband")
    t = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    items = [
        alarm(t, "tamper", lon=116.55, lat=35.40, accuracy=20),
        alarm(t, "低电量", battery=8),
        alarm(t + timedelta(minutes=1), "out_of_area", lon=116.55, lat=35.40, system="gcj02"),
        alarm(t, "signal_loss"),
        alarm(t, "explosion"),  # unknown type
        alarm(t + timedelta(days=1), "tamper"),  # future
        alarm(t, "tamper", device="NOPE"),  # unknown device
        alarm(t, "tamper", device=other.device_id),  # another device's token
        {"device_id": "WB-A1", "time": "2026-05-01T08:00:00", "type": "tamper"},  # naive time
        alarm(t, "low_battery", battery=140),
        alarm(t, "tamper", lon=500, lat=35),
        {"device_id": "WB-A1"},  # malformed
        "nonsense",
        alarm(t, "tamper"),  # duplicate of item 0 in the same batch
    ]
    r = post(api_client, token, items)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["accepted"] == 4 and body["duplicates"] == 0 and len(body["alarms"]) == 4
    assert [(x["index"], x["code"]) for x in body["rejected"]] == [
        (4, "bad_type"), (5, "future_time"), (6, "unknown_device"), (7, "wrong_token"), (8, "naive_time"),
        (9, "bad_battery"), (10, "bad_position"), (11, "invalid"), (12, "invalid"), (13, "duplicate_in_batch")]
    assert all(x["reason"] for x in body["rejected"])
    kinds = dict(DeviceAlarm.objects.values_list("kind", "subject_id").distinct())
    assert set(kinds) == {"tamper", "low_battery", "out_of_area", "signal_loss"}
    assert DeviceAlarm.objects.get(kind="low_battery").battery == 8
    # GCJ-02 position stored in WGS-84
    oa = DeviceAlarm.objects.get(kind="out_of_area")
    wl, wa = coords.gcj02_to_wgs84(116.55, 35.40)
    assert abs(oa.lon - float(wl)) < 1e-6 and abs(oa.lat - float(wa)) < 1e-6
    # each alarm is an anomaly of the right kind, linked both ways, with evidence
    assert dict(Anomaly.objects.values_list("kind", "severity")) == {
        "device_tamper": "high", "device_low_battery": "low", "boundary_exit": "high", "device_silent": "medium"}
    tamper = DeviceAlarm.objects.get(kind="tamper")
    assert tamper.anomaly.related_id == str(tamper.pk) and tamper.anomaly.evidence["device_id"] == "WB-A1"
    assert tamper.anomaly.source == "device"
    assert AuditRecord.objects.filter(object_type="monitoring.DeviceAlarm").count() == 4


def test_retry_is_idempotent(api_client, wristband, token):
    t = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    items = [alarm(t), alarm(t, "low_battery", battery=10)]
    assert post(api_client, token, items).json()["accepted"] == 2
    again = post(api_client, token, items).json()
    assert again["accepted"] == 0 and again["duplicates"] == 2 and again["rejected"] == []
    # same time, other type is a new alarm; epoch milliseconds accepted
    r = post(api_client, token, [{"device_id": "WB-A1", "time": int(t.timestamp() * 1000), "type": "signal_loss"}])
    assert r.json()["accepted"] == 1
    assert DeviceAlarm.objects.count() == 3 and Anomaly.objects.count() == 3


def test_alarms_of_one_episode_group_into_one_anomaly(api_client, wristband, token):
    t = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    post(api_client, token, [alarm(t), alarm(t + timedelta(minutes=10)), alarm(t + timedelta(minutes=50))])
    assert Anomaly.objects.count() == 1
    a = Anomaly.objects.get()
    assert a.count == 3 and len(a.evidence["occurrences"]) == 2
    assert DeviceAlarm.objects.values("episode").distinct().count() == 1
    # three hours later: a new episode, a new anomaly
    post(api_client, token, [alarm(t + timedelta(hours=3))])
    assert Anomaly.objects.filter(kind="device_tamper").count() == 2
    assert DeviceAlarm.objects.values("episode").distinct().count() == 2


def test_wrong_or_missing_token(api_client, wristband, cast):
    t = datetime.now(UTC) - timedelta(minutes=5)
    assert api_client.post(URL, {"alarms": [alarm(t)]}, format="json").status_code in (401, 403)
    api_client.credentials(HTTP_AUTHORIZATION="Token yj_wrong")
    r = api_client.post(URL, {"alarms": [alarm(t)]}, format="json")
    assert r.status_code == 401 and r.json()["code"] == "authentication_failed"
    # an officer session is not a device
    api_client.credentials()
    api_client.force_authenticate(cast.officer_a1)
    r = api_client.post(URL, {"alarms": [alarm(t)]}, format="json")
    assert r.status_code == 403 and r.json()["message"]
    assert DeviceAlarm.objects.count() == 0


def test_gateway_token_covers_its_branch_only(api_client, cast, wristband):
    from yunjiao.accounts.models import ApiToken
    from yunjiao.accounts.services import issue_token

    geo.register_device(actor=cast.officer_b1, subject=cast.subject_b1, device_id="WB-B1", kind="wristband")
    _, key = issue_token(actor=cast.county_a_officer, name="任城网关", kind=ApiToken.Kind.DEVICE, org=cast.county_a,
                         device_id="*")
    t = datetime.now(UTC) - timedelta(minutes=5)
    body = post(api_client, key, [alarm(t), alarm(t, device="WB-B1")]).json()
    assert body["accepted"] == 1 and body["rejected"][0]["code"] == "wrong_token"


def test_batch_limit_and_body_shape(api_client, token, settings):
    settings.MONITORING_ALARM_MAX_BATCH = 3
    r = post(api_client, token, [{}] * 4)
    assert r.status_code == 400 and r.json()["code"] == "batch_too_large" and "每批最多" in r.json()["message"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    r = api_client.post(URL, {"alarms": "x"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"


def test_alarm_is_linked_to_the_active_monitoring_case(api_client, cast, wristband, token):
    case = Case.objects.create(process="monitoring", state="active", subject=cast.subject_a1,
                               org_path=cast.subject_a1.org_path, data={"device_pk": wristband.pk})
    post(api_client, token, [alarm(datetime.now(UTC) - timedelta(minutes=1))])
    assert DeviceAlarm.objects.get().case == case


def test_device_of_removed_monitoring_is_unknown(api_client, wristband, token):
    type(wristband).objects.filter(pk=wristband.pk).update(is_active=False)
    body = post(api_client, token, [alarm(datetime.now(UTC) - timedelta(minutes=1))]).json()
    assert body["accepted"] == 0 and body["rejected"][0]["code"] == "unknown_device"
