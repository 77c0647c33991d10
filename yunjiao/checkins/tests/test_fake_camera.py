"""The Y4M made for Chromium's fake camera really shows the action (checked with the same server code)."""

import pytest

from yunjiao.checkins.face.burst import LIVENESS_FAILED, verify_burst
from yunjiao.checkins.face.recognition import PASS
from yunjiao.checkins.testing import make_fake_camera_y4m, read_y4m

from .conftest import jpeg


@pytest.mark.parametrize(("action", "other"), [("turn_right", "turn_left"), ("open_mouth", "turn_right")])
def test_y4m_shows_the_action_and_not_another(tmp_path, clip_template, action, other):
    path = make_fake_camera_y4m(tmp_path / f"{action}.y4m", action=action, lead_in_frames=3)
    info, frames = read_y4m(path)
    assert (info["width"], info["height"], info["fps"]) == (640, 480, "10:1")
    assert path.read_bytes().startswith(b"YUV4MPEG2 W640 H480 F10:1")
    # what the phone page would send: ≤ 20 evenly spread frames, JPEG-encoded
    step = max(1, len(frames) // 20 + (len(frames) % 20 > 0))
    picked = frames[::step][:20]
    burst = [jpeg(f, 80) for f in picked]
    times = [i * step / 10 for i in range(len(burst))]
    assert verify_burst(burst, times, [action], [clip_template]).outcome == PASS
    assert verify_burst(burst, times, [other], [clip_template]).outcome == LIVENESS_FAILED


def test_still_y4m_fails_liveness(tmp_path, clip_template):
    _, frames = read_y4m(make_fake_camera_y4m(tmp_path / "still.y4m", action="still", lead_in_frames=14))
    burst = [jpeg(f, 80) for f in frames]
    result = verify_burst(burst, [i / 10 for i in range(len(burst))], ["turn_left"], [clip_template])
    assert result.outcome == LIVENESS_FAILED


def test_unknown_action_is_refused(tmp_path):
    with pytest.raises(ValueError, match="未知动作"):
        make_fake_camera_y4m(tmp_path / "x.y4m", action="dance")
