"""Browser walk (Playwright + Debian chromium): the 司法所 officer enrols a subject's face on the 人脸采集 page —
one shot from the webcam (Chromium's fake camera plays a real photo) plus one uploaded photo — then the
subject's check-in fails liveness and is submitted anyway from the phone (real clip frames through the real
pipeline), and the officer opens 待复核 from the left menu, looks at every frame next to the enrolment photo
and records 确认本人, which closes the anomaly.  Screenshot: docs/screenshots/checkin_review.png.

Run: pytest -m browser yunjiao/checkins/tests/test_officer_browser.py
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import pytest
from django.db import connections
from django.test import Client

from yunjiao.anomalies.models import Anomaly, AnomalyState
from yunjiao.checkins import services
from yunjiao.checkins.models import Checkin, FaceEnrolment, Outcome
from yunjiao.checkins.testing import _fit, write_y4m
from yunjiao.core.testing import build_cast

from .conftest import CLIP_PERSON_PHOTO, DATA, clip_burst
from .test_officer_review import submit_anyway

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "checkin_review.png"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def webcam_y4m(tmp_path_factory) -> Path:
    """The fake webcam shows the real enrolment photo (held still, as a person posing for the camera)."""
    photo = cv2.imread(str(CLIP_PERSON_PHOTO))
    frame = _fit(photo, (640, 480))
    return write_y4m(tmp_path_factory.mktemp("cam") / "enrol.y4m", [frame] * 5, fps=5)


@pytest.fixture
def page(playwright, webcam_y4m):
    """Its own chromium with the fake webcam, launched from pytest-playwright's one Playwright instance (a
    second sync_playwright() in the process would fail; the shared browser has no fake camera)."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={webcam_y4m}"])
    try:
        yield browser.new_context(locale="zh-CN").new_page()
    finally:
        browser.close()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def login(page, base, user):
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])


def wait_js(page, expression: str, timeout_s: float = 15.0) -> None:
    """Poll a JS expression (the app's CSP forbids eval, which page.wait_for_function relies on)."""
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def test_officer_enrols_by_webcam_and_upload_then_reviews_a_submitted_anyway_checkin(page, live_server, settings):
    cast = build_cast()
    base = live_server.url
    page.set_viewport_size({"width": 1400, "height": 1000})
    login(page, base, cast.officer_a1)
    # Every biometric image view appends an audit row.  The test database is SQLite in memory (shared cache:
    # table locks, no busy timeout), so a page loading 16 images at once fails with "table is locked" — a
    # file database waits (busy_timeout) and PostgreSQL queues on the audit head.  So the browser's image
    # requests are answered one at a time by the same views through Django's test client in this thread
    # (same user, same scoping and audit code; a greenlet switch cannot interleave them).
    images = Client()
    images.force_login(cast.officer_a1)

    def serve_image(route):
        try:
            r = images.get(route.request.url.removeprefix(base))
        finally:
            connections.close_all()  # route handlers run in their own greenlet context → own DB connection
        route.fulfill(status=r.status_code, body=r.content, headers={"Content-Type": r["Content-Type"]})

    page.route("**/checkins/**/frames/**", serve_image)
    page.route("**/checkins/enrolments/**", serve_image)

    # 1. from the subject's record, tab 信息化核查 → 人脸采集
    page.goto(f"{base}/subjects/{cast.subject_a1.pk}/")
    page.click("nav.tabs >> text=信息化核查")
    assert "未登记" in page.inner_text("main")
    page.click("#face-enrol-link")

    # a refused photo first: two people in one picture → the reason is shown for that photo
    page.set_input_files('input[name="photos"]', str(DATA / "faces" / "fr_two_people.jpg"))
    page.click("#enrol-submit")
    page.wait_for_load_state()
    assert "登记照片只能有本人一人" in page.inner_text("#photo-results")
    assert FaceEnrolment.objects.count() == 0

    # webcam shot (fake camera) + one uploaded photo
    page.click("#camera-start")
    wait_js(page, "document.getElementById('camera-video').videoWidth > 0")
    page.click("#camera-shoot")
    page.wait_for_selector("#shots figure")
    page.set_input_files('input[name="photos"]', str(CLIP_PERSON_PHOTO))
    assert page.evaluate("document.querySelector('input[name=photos]').files.length") == 2
    page.click("#enrol-submit")
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "人脸登记成功（第 1 版，2 张照片）" in text, text[:800]
    enrolment = FaceEnrolment.objects.get(subject=cast.subject_a1)
    assert enrolment.photo_count == 2
    # both thumbnails were loaded through the scoped view
    wait_js(page, "Array.from(document.querySelectorAll('#current-enrolment img')).every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator("#current-enrolment img").count() == 2
    page.screenshot(path=str(SCREENSHOT.with_name("face_enrolment.png")), full_page=True)

    # 2. the subject checks in on the phone: asked to turn left, turns right → liveness fails → submit anyway
    settings.FACE_CHALLENGE_ACTIONS = ("turn_left",)
    _, nonce = services.start_checkin(cast.subject_a1, device_id="phone-1", actor=cast.portal_a1)
    frames, times = clip_burst(84, 112, 2)
    checkin = services.submit_checkin(cast.subject_a1, nonce=nonce, frames=frames, capture_times=times,
                                      location={"lat": 35.4153, "lon": 116.5871, "accuracy": 10},
                                      actor=cast.portal_a1)
    assert checkin.outcome == Outcome.LIVENESS_FAILED and checkin.frames_stored == 15
    anomaly = Anomaly.objects.get(kind="liveness_failed", related_id=str(checkin.pk))  # opened by submit_checkin
    submit_anyway(checkin, cast.portal_a1)

    # 3. the officer sees 待复核 (1) in the left menu and reviews
    page.goto(f"{base}/")
    menu = page.locator("aside.side >> text=待复核")
    assert "1" in menu.inner_text()
    menu.click()
    page.click(f'a[href="/checkins/{checkin.pk}/"]')
    wait_js(page, "Array.from(document.querySelectorAll('#frames img')).every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator("#frames img").count() == 15
    assert "转头向左" in page.inner_text("main") and "本人坚持提交" in page.inner_text("main")
    page.check('input[name="decision"][value="confirmed"]')
    page.fill('textarea[name="note"]', "逐帧查看为本人，动作方向做反")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.click("#review-submit")
    page.wait_for_load_state()
    assert "复核结论已保存" in page.inner_text("main")

    checkin = Checkin.objects.get(pk=checkin.pk)
    anomaly.refresh_from_db()
    assert checkin.review_decision == "confirmed" and checkin.reviewed_by == cast.officer_a1
    assert anomaly.state == AnomalyState.DISPOSED and anomaly.is_false_alarm
    assert "待复核" in page.locator("aside.side").inner_text()
    assert page.locator("aside.side a:has-text('待复核') .tag").count() == 0  # nothing pending any more
