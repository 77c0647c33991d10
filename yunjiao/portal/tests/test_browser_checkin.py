"""End to end on a phone-sized Chromium: portal_a1 logs in (the phone gets bound), opens the check-in,
Chromium's fake camera plays a Y4M of the real clip performing a right head turn, the geolocation is
overridden to a point in 任城区, the page records the burst, uploads it (the first try is dropped by the
network: the page resends the same burst under the same nonce) and shows the result.

The challenge is made deterministic by settings (FACE_CHALLENGE_ACTIONS = ("turn_right",)), the action the
clip really performs; production draws it at random.  The clip's person is enrolled for subject_a1 in the
test setup.  Screenshots (result, and the recording stage as *_recording.png):
PORTAL_SHOT=docs/screenshots/portal_checkin.png pytest -m browser <this file>.

Run: pytest -m browser yunjiao/portal/tests/test_browser_checkin.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from yunjiao.checkins import services as checkins
from yunjiao.checkins.models import Checkin, CheckinChallenge
from yunjiao.checkins.testing import make_fake_camera_y4m
from yunjiao.checkins.tests.conftest import CLIP_PERSON_PHOTO, DATA, read
from yunjiao.core.actors import SYSTEM
from yunjiao.core.testing import build_cast
from yunjiao.portal.models import PortalDevice

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Yunjiao#2026test"
RENCHENG = {"latitude": 35.4153, "longitude": 116.5871, "accuracy": 15}  # 任城区, Jining

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def same_body(a: bytes, b: bytes) -> bool:
    """Two multipart bodies with the same parts (each request gets its own boundary)."""
    return a.replace(a.split(b"\r\n", 1)[0], b"--B") == b.replace(b.split(b"\r\n", 1)[0], b"--B")


def launch_phone_browser(playwright, y4m):
    """Chromium whose camera plays the Y4M (pytest-playwright's instance: a second sync_playwright() in one
    process would fail)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={y4m}"])


def sign_in_on_phone(browser, base, user):
    """A phone-sized touch context in 任城区; signs in through the real login page (binds the phone)."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN", timezone_id="Asia/Shanghai", geolocation=RENCHENG, permissions=["geolocation", "camera"],
        user_agent="Mozilla/5.0 (Linux; Android 10; Redmi 9A) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/120.0 Mobile Safari/537.36")
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.tap("button[type=submit]")
    page.wait_for_url(base + "/m/")
    return page


def test_phone_check_in_end_to_end(live_server, tmp_path, settings, playwright):
    from playwright.sync_api import expect

    settings.FACE_CHALLENGE_ACTIONS = ("turn_right",)
    cast = build_cast()
    checkins.enroll_face(cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=SYSTEM)
    # ≈1.2 s of the still first frame (the person reads the prompt), then the real head turn at 10 fps
    y4m = make_fake_camera_y4m(tmp_path / "turn_right.y4m", action="turn_right", fps=10, lead_in_frames=12)
    base = live_server.url

    browser = launch_phone_browser(playwright, y4m)
    try:
        page = sign_in_on_phone(browser, base, cast.portal_a1)
        assert "今日任务" in page.inner_text("main")
        device = PortalDevice.objects.get(user=cast.portal_a1, released_at__isnull=True)
        assert "Redmi 9A" in device.user_agent

        # the first upload is lost to a network drop: the page must resend the same burst (same nonce)
        uploads = []

        def flaky_network(route):
            uploads.append(route.request.post_data_buffer)
            if len(uploads) == 1:
                route.abort("internetdisconnected")
            else:
                route.continue_()

        page.route("**/api/v1/checkins/submit/", flaky_network)
        page.tap("#go-checkin")
        page.wait_for_url(base + "/m/checkin/")
        page.tap("#ck-start")
        expect(page.locator("#ck-prompt")).to_have_text("请转头向右", timeout=15000)
        if os.environ.get("PORTAL_SHOT"):  # the recording stage too: camera preview, prompt, progress
            page.wait_for_timeout(1500)
            page.screenshot(path=os.environ["PORTAL_SHOT"].replace(".png", "_recording.png"))
        expect(page.locator("#ck-result")).to_be_visible(timeout=60000)
        outcome = page.inner_text("#ck-outcome")
        reasons = page.inner_text("#ck-reasons")
        checkin = Checkin.objects.get(subject=cast.subject_a1)
        expect(page.locator("#ck-retry")).to_be_hidden()
        expect(page.locator("#ck-review")).to_be_hidden()
        assert outcome == "核查通过", (outcome, reasons, checkin.reasons,
                                    [f.get("yaw") for f in checkin.scores["frames"]])
        assert len(uploads) == 2 and same_body(*uploads)  # the same burst, resent
        assert CheckinChallenge.objects.count() == 1  # no second challenge within the window
        assert checkin.device_id == device.device_id and checkin.challenge.actions == ["turn_right"]
        assert 10 <= checkin.frame_count <= 20 and checkin.liveness_passed
        assert checkin.latitude == pytest.approx(35.4153) and checkin.accuracy_m == pytest.approx(15)
        times = [f["capture_time"] for f in checkin.scores["frames"]]
        assert 2.0 <= times[-1] - times[0] <= 3.5  # a 2–3 s burst with real capture times
        if os.environ.get("PORTAL_SHOT"):
            page.screenshot(path=os.environ["PORTAL_SHOT"], full_page=True)

        page.goto(base + "/m/checkins/")
        assert "通过" in page.inner_text("#history")
    finally:
        browser.close()


def test_phone_mismatch_is_submitted_for_officer_review(live_server, tmp_path, settings, playwright):
    """Someone else's face is enrolled: the real head turn passes liveness but not the face match; the page
    offers a retry and “仍然提交，交由工作人员审核”, which hands the check-in to the officers."""
    from playwright.sync_api import expect

    settings.FACE_CHALLENGE_ACTIONS = ("turn_right",)
    cast = build_cast()
    checkins.enroll_face(cast.subject_a1, images=[read(DATA / "faces" / "fr_obama.jpg")], actor=SYSTEM)
    y4m = make_fake_camera_y4m(tmp_path / "turn_right.y4m", action="turn_right", fps=10, lead_in_frames=12)
    browser = launch_phone_browser(playwright, y4m)
    try:
        page = sign_in_on_phone(browser, live_server.url, cast.portal_a1)
        page.goto(live_server.url + "/m/checkin/")
        page.tap("#ck-start")
        expect(page.locator("#ck-result")).to_be_visible(timeout=60000)
        assert "人脸不匹配" in page.inner_text("#ck-outcome"), page.inner_text("#ck-result")
        assert "不匹配" in page.inner_text("#ck-reasons")
        expect(page.locator("#ck-retry")).to_have_text("重新核查（今天还可重试 2 次）")
        page.tap("#ck-review")
        expect(page.locator("#ck-outcome")).to_have_text("已提交工作人员人工复核", timeout=15000)
        expect(page.locator("#ck-review")).to_be_hidden()
        checkin = Checkin.objects.get(subject=cast.subject_a1)
        assert (checkin.outcome, checkin.face_outcome, checkin.liveness_passed) == ("review", "mismatch", True)
        assert checkin.review_request.original_outcome == "mismatch"
    finally:
        browser.close()
