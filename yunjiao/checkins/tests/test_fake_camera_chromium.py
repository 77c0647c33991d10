"""End to end through a real browser camera: Chromium's fake camera plays the Y4M made from the real clip,
a page grabs frames with getUserMedia + canvas.toBlob (as the phone page will), and the server-side burst
check passes the action the clip performs and fails another one."""

import base64
import functools
import http.server
import shutil
import threading

import pytest

from yunjiao.checkins.face.burst import LIVENESS_FAILED, verify_burst
from yunjiao.checkins.face.recognition import PASS
from yunjiao.checkins.testing import make_fake_camera_y4m

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PAGE = """<!doctype html><meta charset="utf-8"><title>camera</title><video id="v" muted playsinline></video>
<script>
async function grab(n, gapMs) {
  const stream = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}});
  const v = document.getElementById('v'); v.srcObject = stream; await v.play();
  const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
  const ctx = c.getContext('2d'); const frames = [], times = [];
  for (let i = 0; i < n; i++) {
    ctx.drawImage(v, 0, 0);
    frames.push(c.toDataURL('image/jpeg', 0.8).split(',')[1]); times.push(performance.now() / 1000);
    await new Promise(r => setTimeout(r, gapMs));
  }
  stream.getTracks().forEach(t => t.stop());
  return {frames, times};
}
</script>"""


@pytest.fixture
def page_server(tmp_path):
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian 的 chromium 未安装（apt-get install chromium）")
def test_chromium_fake_camera_burst_passes_the_real_head_turn(tmp_path, page_server, clip_template, playwright):
    y4m = make_fake_camera_y4m(tmp_path / "turn_right.y4m", action="turn_right", fps=10, lead_in_frames=8)
    # pytest-playwright's instance: a second sync_playwright() in this process would fail
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m}",
        ],
    )
    try:
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.goto(page_server)
        # 16 frames over ≈3.2 s: the held first frame (≈0.8 s), then the head turn (≈2.9 s at 10 fps)
        grabbed = page.evaluate("grab(16, 200)")
    finally:
        browser.close()
    frames = [base64.b64decode(f) for f in grabbed["frames"]]
    times = grabbed["times"]
    result = verify_burst(frames, times, ["turn_right"], [clip_template])
    assert result.outcome == PASS, (result.reasons, [f.yaw for f in result.frames])
    assert verify_burst(frames, times, ["turn_left"], [clip_template]).outcome == LIVENESS_FAILED
