"""Django side: boundary import/versioning, devices, ingestion (HTTP batch, per-fix rejection, idempotency),
alerts with evidence, clock rules, exclusion zones, allowed area, scoping."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shapely
from django.core.management import call_command

from yunjiao.audit.models import AuditRecord
from yunjiao.core.actors import SYSTEM
from yunjiao.geo import rules, services
from yunjiao.geo.models import Boundary, GeofenceAlert, GeofenceState, LocationFix

from .geo_helpers import Border, tracker

DATA = Path(__file__).resolve().parent.parent / "data"
URL = "/api/v1/locations/batch/"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _features(name, codes):
    doc = json.loads((DATA / name).read_text())
    return {"type": "FeatureCollection", "features": [f for f in doc["features"] if f["properties"]["adcode"] in codes]}


@pytest.fixture
def boundaries(db):
    services.import_boundaries(_features("jining_wgs84.geojson", {"370811", "370812"}), actor=SYSTEM, source="test")
    services.import_boundaries(_features("jinan_wgs84.geojson", {"370100"}), actor=SYSTEM, source="test")


@pytest.fixture
def border():
    return Border(tracker(home=("370811", "370812")))


@pytest.fixture
def device(cast, boundaries):
    dev = services.register_device(actor=cast.officer_a1, subject=cast.subject_a1, device_id="PH-001", kind="phone")
    return dev


@pytest.fixture
def token(device, cast):
    return services.issue_device_token(actor=cast.county_a_officer, device=device)


def fix(device_id, t, lonlat, acc=15.0, **extra):
    return {"device_id": device_id, "time": t.isoformat(), "lon": lonlat[0], "lat": lonlat[1], "accuracy": acc,
            **extra}


def post(api_client, token, fixes):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client.post(URL, {"fixes": fixes}, format="json")


def test_import_boundaries_versions(db, tmp_path):
    f = tmp_path / "b.geojson"
    doc = _features("jining_wgs84.geojson", {"370811"})
    f.write_text(json.dumps(doc))
    call_command("import_boundaries", str(f))
    call_command("import_boundaries", str(f))  # identical: no new version
    assert list(Boundary.objects.values_list("adcode", "version")) == [("370811", 1)]
    geom = shapely.geometry.shape(doc["features"][0]["geometry"]).buffer(0.001)
    doc["features"][0]["geometry"] = shapely.geometry.mapping(geom)
    f.write_text(json.dumps(doc))
    call_command("import_boundaries", str(f))
    assert sorted(Boundary.objects.values_list("version", flat=True)) == [1, 2]
    assert services.current_catalog().versions["370811"] == "v2"
    assert AuditRecord.objects.filter(object_type="geo.Boundary").count() == 2


def test_import_rejects_non_polygons(db):
    from yunjiao.core.errors import ServiceError

    bad = {"features": [{"properties": {"adcode": "1"}, "geometry": {"type": "Point", "coordinates": [116, 35]}}]}
    with pytest.raises(ServiceError, match="多边形"):
        services.import_boundaries(bad, actor=SYSTEM)


def test_batch_keeps_good_fixes_and_rejects_bad_ones_with_reasons(api_client, cast, device, token, border):
    other = services.register_device(actor=cast.officer_b1, subject=cast.subject_b1, device_id="PH-B", kind="phone")
    home = border.lonlat(-3000)
    t = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    fixes = [
        fix("PH-001", t, home),
        fix("PH-001", t + timedelta(minutes=5), home, system="gcj02"),
        fix("PH-001", t + timedelta(minutes=6), (200.0, 35.0)),  # out of range
        fix("PH-001", t + timedelta(days=2), home),  # future
        fix("NOPE", t, home),  # unknown device
        fix(other.device_id, t, home),  # token of another device
        {"device_id": "PH-001", "time": "2026-05-01T08:00:00", "lon": 116.5, "lat": 35.4, "accuracy": 10},  # naive
        {"device_id": "PH-001"},  # malformed
    ]
    r = post(api_client, token, fixes)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["accepted"] == 2 and body["duplicates"] == 0
    assert [(x["index"], x["code"]) for x in body["rejected"]] == [
        (2, "out_of_range"), (3, "future_time"), (4, "unknown_device"), (5, "wrong_token"), (6, "naive_time"),
        (7, "invalid")]
    assert all(x["reason"] for x in body["rejected"])
    # retry of the same batch: nothing duplicated
    r = post(api_client, token, fixes[:2])
    assert r.json()["accepted"] == 0 and r.json()["duplicates"] == 2
    assert LocationFix.objects.count() == 2
    # GCJ-02 fix stored in WGS-84 (converted exactly)
    stored = LocationFix.objects.get(time=t + timedelta(minutes=5))
    assert stored.system == "gcj02"
    from yunjiao.geo import coords

    wl, wa = coords.gcj02_to_wgs84(*home)
    assert abs(stored.lon - float(wl)) < 1e-9 and abs(stored.lat - float(wa)) < 1e-9


def test_batch_limits_and_auth(api_client, cast, device, token):
    assert api_client.post(URL, {"fixes": []}, format="json").status_code in (401, 403)
    api_client.credentials(HTTP_AUTHORIZATION="Token yj_wrong")
    assert api_client.post(URL, {"fixes": []}, format="json").status_code == 401
    r = post(api_client, token, [{}] * 1001)
    assert r.status_code == 400 and r.json()["code"] == "batch_too_large"


def test_officer_can_post_only_for_devices_in_scope(api_client, cast, device, border):
    api_client.force_authenticate(cast.officer_b1)
    t = datetime.now(UTC) - timedelta(hours=1)
    r = api_client.post(URL, {"fixes": [fix("PH-001", t, border.lonlat(-3000))]}, format="json")
    assert r.status_code == 200 and r.json()["rejected"][0]["code"] == "wrong_token"
    api_client.force_authenticate(cast.officer_a1)
    r = api_client.post(URL, {"fixes": [fix("PH-001", t, border.lonlat(-3000))]}, format="json")
    assert r.json()["accepted"] == 1


def _stream(border, start, distances, step_min=5):
    return [(start + timedelta(minutes=step_min * k), border.lonlat(d)) for k, d in enumerate(distances)]


def test_real_exit_opens_one_alert_with_evidence_and_boundary_version(api_client, cast, device, token, border):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    dists = [-3000] * 4 + [8000] * 24 + [-3000] * 6
    stream = _stream(border, start, dists)
    for k in range(0, len(stream), 7):  # uploaded in small batches, like a phone
        r = post(api_client, token, [fix("PH-001", t, p) for t, p in stream[k:k + 7]])
        assert r.status_code == 200 and not r.json()["rejected"]
    alerts = list(GeofenceAlert.objects.filter(subject=cast.subject_a1))
    assert len(alerts) == 1
    a = alerts[0]
    assert a.kind == rules.RULE_EXIT and a.closed_at is not None
    assert a.boundary_version == "370811@v1,370812@v1"
    assert a.opened_at - a.started_at >= timedelta(minutes=30)
    assert len(a.evidence) >= 3 and all(e["verdict"] == rules.OUTSIDE for e in a.evidence)
    assert a.parameters["dwell_minutes"] == 30
    assert AuditRecord.objects.filter(object_type="geo.GeofenceAlert", object_id=str(a.pk)).count() == 2
    assert set(LocationFix.objects.filter(subject=cast.subject_a1).values_list("verdict", flat=True)) >= {0, 2}
    # scoping: the alert is visible in 任城区, not in 兖州区
    assert GeofenceAlert.objects.visible_to(cast.county_a_officer).count() == 1
    assert GeofenceAlert.objects.visible_to(cast.officer_b1).count() == 0
    assert GeofenceAlert.objects.visible_to(cast.portal_a1).count() == 1


def test_moving_between_urban_districts_is_not_an_exit(api_client, cast, device, token):
    """任城区 → 兖州区 (both 市辖区 of 济宁市) is not leaving the city (社区矫正法 art.27; domain §2.5)."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=4)
    yanzhou = (116.8290, 35.5530)  # 兖州区 centre
    stream = [(start + timedelta(minutes=5 * k), yanzhou) for k in range(30)]
    r = post(api_client, token, [fix("PH-001", t, p) for t, p in stream])
    assert r.json()["accepted"] == 30
    assert not GeofenceAlert.objects.exists()


def test_exclusion_zone_entry_alerts_at_once(api_client, cast, device, token, border):
    centre = border.lonlat(-4000)
    zone = services.create_exclusion_zone(actor=cast.officer_a1, subject=cast.subject_a1, label="某网吧",
                                          center=centre, radius_m=200, basis="禁止进入网吧")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    r = post(api_client, token, [fix("PH-001", start, border.lonlat(-7000)),
                                 fix("PH-001", start + timedelta(minutes=5), centre)])
    assert r.json()["alerts_opened"]
    a = GeofenceAlert.objects.get()
    assert a.kind == rules.RULE_ZONE and a.zone == zone and a.opened_at == start + timedelta(minutes=5)


def test_zone_needs_permission(cast, boundaries):
    from yunjiao.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.create_exclusion_zone(actor=cast.officer_b1, subject=cast.subject_a1, label="x",
                                       center=(116.5, 35.4), radius_m=100)


def test_clock_opens_heartbeat_alert_and_next_fix_closes_it(api_client, cast, device, token, border):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=10)
    post(api_client, token, [fix("PH-001", start, border.lonlat(-3000))])
    assert services.run_clock(now=start + timedelta(hours=5)) == 0
    assert services.run_clock(now=start + timedelta(hours=7)) == 1
    assert services.run_clock(now=start + timedelta(hours=8)) == 0
    a = GeofenceAlert.objects.get()
    assert a.kind == rules.RULE_HEARTBEAT and a.closed_at is None
    post(api_client, token, [fix("PH-001", start + timedelta(hours=9), border.lonlat(-3000))])
    a.refresh_from_db()
    assert a.closed_at == start + timedelta(hours=9)


def test_allowed_area_for_widens_during_leave_and_excludes_zones(cast, boundaries, border):
    at = NOW
    leave = rules.Window(at.timestamp() - 3600, at.timestamp() + 86400, ("370100",), ref="外出-7")

    def provider(subject, start, end):
        return [leave] if subject.pk == cast.subject_a1.pk else []

    services.register_window_provider(provider)
    try:
        centre = border.lonlat(-4000)
        services.create_exclusion_zone(actor=SYSTEM, subject=cast.subject_a1, label="z", center=centre,
                                       radius_m=300)
        during = services.allowed_area_for(cast.subject_a1, at)
        after = services.allowed_area_for(cast.subject_a1, at + timedelta(days=2))
        jinan = shapely.Point(117.0153, 36.6637)
        assert during.contains(jinan) and not after.contains(jinan)
        assert not after.contains(shapely.Point(centre))
        assert after.contains(shapely.Point(116.8290, 35.5530))  # 兖州区: same city
        assert services.location_verdict(cast.subject_a1, at + timedelta(days=2), 117.0153, 36.6637, 30) == "outside"
        assert services.location_verdict(cast.subject_a1, at, 117.0153, 36.6637, 30) == "inside"
        assert services.location_verdict(cast.subject_b1, at, *border.lonlat(-100), 10) == "near"
    finally:
        services._WINDOW_PROVIDERS.remove(provider)


def test_geofence_state_serialised_between_batches(api_client, cast, device, token, border):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    post(api_client, token, [fix("PH-001", start, border.lonlat(-3000)),
                             fix("PH-001", start + timedelta(minutes=5), border.lonlat(6000))])
    st = GeofenceState.objects.get(subject=cast.subject_a1)
    assert st.state["exit"]["state"] == "pending" and st.last_fix_at == start + timedelta(minutes=5)


def test_purge_old_fixes(cast, device, border, settings):
    settings.GEO_RETENTION_DAYS = 30
    t = datetime.now(UTC) - timedelta(days=10)
    services.ingest_fixes([fix("PH-001", t, border.lonlat(-3000))], actor=SYSTEM)
    assert services.purge_old_fixes(now=datetime.now(UTC) + timedelta(days=25)) == 1
    assert not LocationFix.objects.exists()


def test_state_is_plain_json(cast, device, border):
    services.ingest_fixes([fix("PH-001", datetime.now(UTC) - timedelta(minutes=3), border.lonlat(-3000))],
                          actor=SYSTEM)
    state = GeofenceState.objects.get().state
    assert json.loads(json.dumps(state)) == state
