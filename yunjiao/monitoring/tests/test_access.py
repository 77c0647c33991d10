"""Who sees location data: the subject's branch officers, the county head, the city administrator, and the
police only for subjects of their active dispatch orders; never social workers or another township.  Every
disclosure of fixes is audited (READ); the GeoJSON is scoped."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.audit.models import Action, AuditRecord
from yunjiao.geo import coords
from yunjiao.geo.models import LocationFix
from yunjiao.monitoring import access


def traj(pk):
    return f"/monitoring/subjects/{pk}/trajectory.geojson"


def page(pk):
    return f"/monitoring/subjects/{pk}/trajectory/"


@pytest.mark.parametrize("who,status", [
    ("officer_a1", 200), ("county_a_officer", 200), ("county_a_head", 200), ("city_admin", 200),
    ("social_worker_a1", 404), ("officer_a2", 404), ("officer_b1", 404), ("county_b_officer", 404),
    ("city_officer", 404), ("police_a", 404),
])
def test_trajectory_visible_only_to_roles_that_need_it(client, cast, fixes_a1, who, status):
    client.force_login(getattr(cast, who))
    assert client.get(traj(cast.subject_a1.pk)).status_code == status
    assert client.get(page(cast.subject_a1.pk)).status_code == status


def test_portal_account_never_sees_trajectories(client, cast, fixes_a1):
    client.force_login(cast.portal_a1)
    r = client.get(traj(cast.subject_a1.pk))
    assert r.status_code == 302 and "/m/" in r["Location"]


def test_police_only_for_subjects_of_active_dispatch_orders(client, cast, fixes_a1):
    from yunjiao.dispatch import services as dispatch

    order = dispatch.create_order(actor=cast.officer_a1, subject=cast.subject_a1, order_type="search",
                                  place="许庄街道", requested_time=timezone.now() + timedelta(hours=1),
                                  urgency="urgent", description="查找失联对象")
    client.force_login(cast.police_a)
    assert client.get(traj(cast.subject_a1.pk)).status_code == 404  # a draft is not the police's yet
    dispatch.fire(order, "submit", actor=cast.officer_a1)
    assert client.get(traj(cast.subject_a1.pk)).status_code == 200
    assert client.get(traj(cast.subject_a2.pk)).status_code == 404
    assert set(access.subjects_for(cast.police_a)) == {cast.subject_a1}
    from yunjiao.dispatch.models import DispatchOrder

    DispatchOrder.objects.filter(pk=order.pk).update(state="completed")
    assert client.get(traj(cast.subject_a1.pk)).status_code == 404


def test_every_trajectory_view_is_audited(client, cast, fixes_a1):
    client.force_login(cast.officer_a1)
    before = AuditRecord.objects.filter(action=Action.READ, subject_id=cast.subject_a1.pk).count()
    for _ in range(3):
        r = client.get(traj(cast.subject_a1.pk))
        assert r.status_code == 200
    rows = AuditRecord.objects.filter(action=Action.READ, subject_id=cast.subject_a1.pk).order_by("seq")
    assert rows.count() == before + 3
    last = rows.last()
    assert last.actor_id == cast.officer_a1.pk and "定位轨迹" in last.summary and last.data["fixes"] == 6
    # refused views disclose nothing and leave no READ row for the subject
    client.force_login(cast.social_worker_a1)
    client.get(traj(cast.subject_a1.pk))
    assert AuditRecord.objects.filter(action=Action.READ, subject_id=cast.subject_a1.pk).count() == before + 3


def test_trajectory_geojson_content(client, cast, fixes_a1):
    client.force_login(cast.officer_a1)
    doc = client.get(traj(cast.subject_a1.pk)).json()
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds.count("fix") == 6 and doc["display_crs"] == "wgs84"
    # the allowed home area: 任城区 with 兖州区 (the urban districts of 济宁 count as one city, art.27)
    assert {f["properties"]["adcode"] for f in doc["features"] if f["properties"]["kind"] == "boundary"} == {
        "370811", "370812"}
    fix = next(f for f in doc["features"] if f["properties"]["kind"] == "fix")
    assert set(fix["properties"]) >= {"time", "accuracy", "source", "verdict"}
    assert fix["properties"]["verdict"] == "inside" and fix["properties"]["source_label"] == "卫星定位"
    stored = LocationFix.objects.filter(subject=cast.subject_a1).order_by("time").first()
    assert fix["geometry"]["coordinates"] == [round(stored.lon, 7), round(stored.lat, 7)]
    # a period without fixes, and bad periods
    old = (timezone.localdate() - timedelta(days=40)).isoformat()
    assert client.get(traj(cast.subject_a1.pk), {"start": old, "end": old}).json()["fixes"] == 0
    r = client.get(traj(cast.subject_a1.pk), {"start": "2026-01-01", "end": "2026-03-01"})
    assert r.status_code == 400 and "31" in r.json()["message"]
    assert client.get(traj(cast.subject_a1.pk), {"start": "昨天"}).status_code == 400


def test_alerts_are_marked_on_the_trajectory(client, cast, fixes_a1, wristband):
    from yunjiao.geo import services as geo
    from yunjiao.monitoring import services

    token = geo.issue_device_token(actor=cast.county_a_officer, device=wristband)
    lon, lat = fixes_a1[2]["lon"], fixes_a1[2]["lat"]
    res = services.ingest_alarms([{"device_id": "WB-A1", "time": fixes_a1[2]["time"], "type": "tamper",
                                   "lon": lon, "lat": lat}],
                                 device_token=_token_row(token))
    assert res.accepted == 1
    client.force_login(cast.officer_a1)
    doc = client.get(traj(cast.subject_a1.pk)).json()
    alerts = [f for f in doc["features"] if f["properties"]["kind"] == "alert"]
    assert len(alerts) == 1 and "防拆" in alerts[0]["properties"]["label"]


def _token_row(key):
    from yunjiao.accounts.tokens import token_for_key

    return token_for_key(key)


def test_gcj02_tiles_get_converted_coordinates(client, cast, fixes_a1, settings):
    settings.MAP_TILE_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8"
    settings.MAP_TILE_CRS = "gcj02"
    client.force_login(cast.officer_a1)
    doc = client.get(traj(cast.subject_a1.pk)).json()
    assert doc["display_crs"] == "gcj02"
    fix = next(f for f in doc["features"] if f["properties"]["kind"] == "fix")
    stored = LocationFix.objects.filter(subject=cast.subject_a1).order_by("time").first()
    gl, ga = coords.wgs84_to_gcj02(stored.lon, stored.lat)
    assert fix["geometry"]["coordinates"] == pytest.approx([float(gl), float(ga)], abs=1e-6)
    assert abs(fix["geometry"]["coordinates"][0] - stored.lon) > 1e-4  # shifted for display
    stored.refresh_from_db()  # storage untouched
    page_html = client.get(page(cast.subject_a1.pk)).content.decode()
    assert 'data-tile-crs="gcj02"' in page_html and "autonavi" in page_html


def test_boundaries_are_scoped(client, cast):
    def adcodes(user):
        client.force_login(user)
        return {f["properties"]["adcode"] for f in client.get("/monitoring/boundaries.geojson").json()["features"]}

    assert adcodes(cast.officer_a1) == {"370811"}
    assert adcodes(cast.county_b_officer) == {"370812"}
    city = adcodes(cast.city_admin)
    assert {"370811", "370812"} < city and all(c.startswith("3708") and c != "370800" for c in city)


def test_live_map_scope(client, cast, fixes_a1):
    from yunjiao.core.actors import SYSTEM
    from yunjiao.geo import services as geo

    from .conftest import inside_point

    geo.register_device(actor=cast.officer_b1, subject=cast.subject_b1, device_id="WB-B1", kind="wristband")
    lon, lat = inside_point("370812")
    geo.ingest_fixes([{"device_id": "WB-B1", "time": (timezone.now() - timedelta(minutes=3)).isoformat(),
                       "lon": lon, "lat": lat, "accuracy": 30}], actor=SYSTEM)

    def names(user):
        client.force_login(user)
        r = client.get("/monitoring/map/latest.geojson")
        assert r.status_code == 200
        return {f["properties"]["name"]: f for f in r.json()["features"]}

    mine = names(cast.officer_a1)
    assert set(mine) == {"李明"}
    latest = LocationFix.objects.filter(subject=cast.subject_a1).order_by("-time").first()
    assert mine["李明"]["geometry"]["coordinates"] == [round(latest.lon, 7), round(latest.lat, 7)]
    assert mine["李明"]["properties"]["verdict"] == "inside"
    assert set(names(cast.county_b_officer)) == {"赵强"}
    assert set(names(cast.city_admin)) == {"李明", "赵强"}
    assert AuditRecord.objects.filter(action=Action.READ, summary__startswith="查看定位地图").count() == 3
    client.force_login(cast.social_worker_a1)
    assert client.get("/monitoring/map/latest.geojson").status_code == 403
    assert client.get("/monitoring/map/").status_code == 403
    client.force_login(cast.officer_a1)
    assert client.get("/monitoring/map/").status_code == 200


def test_trajectory_page_lists_cases_periods_and_alarms(client, cast, fixes_a1):
    from yunjiao.workflows import services as wf

    case = wf.start_case("monitoring", "propose", actor=cast.officer_a1, subject=cast.subject_a1,
                         data={"ground": "revocation_pending", "facts": "拟提请撤销缓刑"})
    today = timezone.localdate()
    wf.fire(case, "approve", actor=cast.county_a_head,
            data={"start_date": today.isoformat(), "end_date": (today + timedelta(days=30)).isoformat()})
    client.force_login(cast.county_a_officer)
    html = client.get(page(cast.subject_a1.pk)).content.decode()
    assert "已批准，待佩戴装置" in html and "首次批准" in html and "任城区局长" in html
    assert f'/cases/{case.pk}/' in html and "vendor/leaflet/leaflet.js" in html and "unpkg" not in html


@pytest.mark.parametrize("url,host", [
    ("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}", "https://*.tianditu.gov.cn"),
    ("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8", "https://*.is.autonavi.com"),
    ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
])
def test_tile_host_is_allowed_by_the_csp(client, cast, settings, url, host):
    settings.MAP_TILE_URL = url
    client.force_login(cast.officer_a1)
    r = client.get("/monitoring/map/")
    img = next(d for d in r["Content-Security-Policy"].split(";") if d.strip().startswith("img-src"))
    assert host in img.split(), img
    assert 'data-tile-url="' in r.content.decode()


def test_workbench_counts_monitoring_in_use(client, cast):
    from yunjiao.workflows.models import Case

    Case.objects.create(process="monitoring", state="active", subject=cast.subject_a1, org_path=cast.subject_a1.org_path)
    Case.objects.create(process="monitoring", state="active", subject=cast.subject_b1, org_path=cast.subject_b1.org_path)
    from yunjiao.monitoring.views import monitoring_widget

    class R:
        user = cast.officer_a1

    assert monitoring_widget(R)["value"] == 1
    R.user = cast.city_admin
    assert monitoring_widget(R)["value"] == 2
    R.user = cast.social_worker_a1
    assert monitoring_widget(R) is None
    client.force_login(cast.county_a_officer)
    assert "电子定位使用中" in client.get("/").content.decode()
