"""Browser (Playwright + Debian chromium): an officer opens a subject's trajectory page; the vendored Leaflet
map draws the county boundary, the fixes (popups with time, accuracy, source) and the alarm marker, with no
request leaving the server (no tile URL configured: plain background).

Run: pytest -m browser yunjiao/monitoring/tests/test_browser.py
     (MONITORING_SHOT=docs/screenshots/trajectory_map.png to refresh the documentation screenshot)
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from yunjiao.accounts.tokens import token_for_key
from yunjiao.core.actors import SYSTEM
from yunjiao.core.testing import build_cast
from yunjiao.geo import services as geo
from yunjiao.geo.tests.geo_helpers import Border, tracker
from yunjiao.monitoring import services

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def wait_ready(page, errors):
    """The map script sets data-ready once its GeoJSON is drawn (generous timeout: the machine is shared)."""
    try:
        page.wait_for_selector('#map[data-ready="1"]', timeout=60000)
    except Exception as exc:
        raise AssertionError(f"map not drawn: {errors} {page.inner_text('#map-status')!r}") from exc


def login(page, base, user):
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])


def test_trajectory_page_draws_boundary_fixes_and_alarm(page, live_server, tmp_path):
    cast = build_cast()
    base = live_server.url
    device = geo.register_device(actor=cast.officer_a1, subject=cast.subject_a1, device_id="WB-A1", kind="wristband")
    # a walk towards the county border, a short trip outside and back (signed metres from the border)
    border = Border(tracker(home=("370811", "370812")))
    now = timezone.now().replace(microsecond=0)
    fixes = [{"device_id": "WB-A1", "time": (now - timedelta(minutes=90 - 10 * k)).isoformat(),
              "lon": border.lonlat(s)[0], "lat": border.lonlat(s)[1], "accuracy": 15.0,
              "source": "gps" if k % 3 else "network"} for k, s in enumerate((-3000, -1800, -900, -100, 600, 1500, -400,
                                                                                 -1500))]
    assert geo.ingest_fixes(fixes, actor=SYSTEM).accepted == 8
    key = geo.issue_device_token(actor=cast.county_a_officer, device=device)
    assert services.ingest_alarms([{"device_id": "WB-A1", "time": fixes[5]["time"], "type": "tamper",
                                    "lon": fixes[5]["lon"], "lat": fixes[5]["lat"]}],
                                  device_token=token_for_key(key)).accepted == 1

    outside, errors = [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, base, cast.officer_a1)
    page.goto(f"{base}/monitoring/subjects/{cast.subject_a1.pk}/trajectory/")
    wait_ready(page, errors)
    assert page.locator("path.yj-boundary").count() >= 1
    assert page.locator("path.yj-fix").count() == 8
    assert page.locator("path.yj-track").count() == 1
    assert page.locator("path.yj-alert").count() >= 1
    assert "8 个定位点" in page.inner_text("#map-status")
    assert "防拆报警" in page.inner_text("main")
    page.locator("path.yj-fix").nth(0).click(force=True)
    popup = page.wait_for_selector(".leaflet-popup-content", timeout=5000).inner_text()
    assert "精度：15 米" in popup and "定位方式：网络定位" in popup and "判定：范围内" in popup
    page.locator("path.yj-fix-outside").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content:has-text('范围外')", timeout=5000)
    assert outside == [], outside  # Leaflet is vendored and no tile URL is configured
    shot = os.environ.get("MONITORING_SHOT") or str(tmp_path / "trajectory_map.png")
    page.screenshot(path=shot, full_page=True)
    assert Path(shot).stat().st_size > 10000

    # the live map of the officer's scope: the county boundary and the subject's latest position (outside → red)
    page.goto(f"{base}/monitoring/map/")
    wait_ready(page, errors)
    assert page.locator("path.yj-boundary").count() == 1
    assert page.locator("path.yj-latest").count() == 1
    assert "1 名对象有最新位置" in page.inner_text("#map-status")
    assert outside == [], outside

    # the social worker of the same 司法所 gets 404
    login(page, base, cast.social_worker_a1)
    response = page.goto(f"{base}/monitoring/subjects/{cast.subject_a1.pk}/trajectory/")
    assert response.status == 404


def test_live_map_with_a_tile_layer(page, live_server, settings):
    """With MAP_TILE_URL set, Leaflet loads the tiles (here a vendored image served by the app itself)."""
    settings.MAP_TILE_URL = "/static/vendor/leaflet/images/layers.png?z={z}&x={x}&y={y}"
    settings.MAP_TILE_ATTRIBUTION = "测试底图"
    cast = build_cast()
    login(page, live_server.url, cast.county_a_head)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/monitoring/map/")
    wait_ready(page, errors)
    page.wait_for_selector("img.leaflet-tile-loaded", timeout=30000)
    assert "测试底图" in page.inner_text(".leaflet-control-attribution")
    assert page.locator("path.yj-boundary").count() == 1
    assert "0 名对象有最新位置" in page.inner_text("#map-status")
