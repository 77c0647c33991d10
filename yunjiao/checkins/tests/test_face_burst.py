"""verify_burst on real frames: the video clip's real motion, a held-up photo, two people, bad uploads.

Frame ranges of the clip were found by measuring the MediaPipe signals over the whole clip (docs/face.md §4b
and the signal dump in docs/benchmarks.md): frames 84–112 the head turns to the person's right (yaw +0.08 →
−0.66), frames 150–169 the mouth opens (MAR 0.02 → 0.35, frames 156–158) while the head turns a little to
the left, frames 84–160 (every 4th) a right turn, then the mouth, then a left turn.  Each test re-asserts
the measured signal, so a change in the landmark model shows up as a failed measurement, not a silent pass.
"""

import json

import cv2
import numpy as np
import pytest

from yunjiao.checkins.face.burst import (
    IDENTITY_INCONSISTENT,
    LIVENESS_FAILED,
    MULTIPLE_FACES,
    NO_FACE,
    BurstRejected,
    verify_burst,
)
from yunjiao.checkins.face.config import get_config
from yunjiao.checkins.face.recognition import PASS, detect_faces

from .conftest import DATA, clip_burst, clip_frames, jpeg, still_burst, template_of


def yaws(result):
    return [f.yaw for f in result.frames]


def test_real_head_turn_passes_the_turn_it_performs(clip_template):
    frames, times = clip_burst(84, 112, 2)
    result = verify_burst(frames, times, ["turn_right"], [clip_template])
    assert result.outcome == PASS, result.reasons
    assert result.passed and result.reasons == []
    # measured: the head really turns to the person's right by more than the threshold
    assert min(yaws(result)) < result.liveness.baseline["yaw"] - get_config().yaw_delta
    assert result.matched_frames >= 2
    embedded = [f for f in result.frames if f.match_score is not None]
    assert len(embedded) >= 2 and all(f.match_score >= 0.42 for f in embedded)
    assert all(f.yaw is not None and f.mar is not None and f.ear is not None for f in result.frames)
    json.dumps(result.as_dict())  # every score can be stored


@pytest.mark.parametrize("challenge", [["turn_left"], ["open_mouth"]])
def test_real_head_turn_fails_a_challenge_it_does_not_perform(clip_template, challenge):
    frames, times = clip_burst(84, 112, 2)
    result = verify_burst(frames, times, challenge, [clip_template])
    assert result.outcome == LIVENESS_FAILED
    assert any("没有检测到" in r for r in result.reasons)
    assert result.best_match >= 0.42  # it is the right person, only the action is missing


def test_real_mouth_opening_passes_open_mouth_and_fails_turn_right(clip_template):
    frames, times = clip_burst(150, 169, 1)
    opened = verify_burst(frames, times, ["open_mouth"], [clip_template])
    assert opened.outcome == PASS, opened.reasons
    assert max(f.mar for f in opened.frames) >= 0.30  # measured mouth opening
    turned = verify_burst(frames, times, ["turn_right"], [clip_template])
    assert turned.outcome == LIVENESS_FAILED


def test_two_actions_must_come_in_the_requested_order(clip_template):
    frames, times = clip_burst(84, 160, 4)  # 20 frames over 2.5 s: right turn ... left turn
    ok = verify_burst(frames, times, ["turn_right", "turn_left"], [clip_template])
    assert ok.outcome == PASS, ok.reasons
    assert ok.liveness.events[0] < ok.liveness.events[1]
    reversed_ = verify_burst(frames, times, ["turn_left", "turn_right"], [clip_template])
    assert reversed_.outcome == LIVENESS_FAILED
    assert "之后没有检测到“转头向右”" in " ".join(reversed_.reasons)


@pytest.mark.parametrize("challenge", [["turn_left"], ["turn_right"], ["open_mouth"], ["blink"]])
def test_held_up_photo_of_the_enrolled_person_fails_liveness(clip_template, challenge):
    frames, times = still_burst(clip_frames()[150])  # a frontal still of the enrolled person
    result = verify_burst(frames, times, challenge, [clip_template])
    assert result.outcome == LIVENESS_FAILED
    assert result.best_match >= 0.42  # the face matches: only liveness stops it


@pytest.mark.parametrize("spoof", ["silentface_image_F1.jpg", "silentface_image_F2.jpg"])
@pytest.mark.parametrize("challenge", [["turn_left"], ["turn_right"]])
def test_spoof_samples_fail_a_head_turn(spoof, challenge):
    live_template = template_of(DATA / "spoof" / "silentface_image_T1.jpg")
    image = cv2.imread(str(DATA / "spoof" / spoof))  # printed photo / tablet replay (EXIF-rotated upright)
    frames, times = still_burst(image, seed=3)
    result = verify_burst(frames, times, challenge, [live_template])
    assert result.outcome == LIVENESS_FAILED
    assert not result.passed


def centred(image, face_width=180, size=(640, 480)):
    """Scale/shift a photo so its face sits in the middle of a 640x480 frame at a fixed size."""
    face = detect_faces(image)[0]
    x, y, w, h = face.box
    s = face_width / w
    m = np.float32([[s, 0, size[0] / 2 - (x + w / 2) * s], [0, s, size[1] / 2 - (y + h / 2) * s]])
    return cv2.warpAffine(image, m, size, borderMode=cv2.BORDER_REPLICATE)


def test_two_different_people_in_one_burst_are_refused():
    a = centred(cv2.imread(str(DATA / "faces" / "fr_obama.jpg")))
    b = centred(cv2.imread(str(DATA / "faces" / "fr_knn_examples_train_biden_biden2.jpg")))
    frames_a, _ = still_burst(a, 8, seed=1)
    frames_b, _ = still_burst(b, 7, seed=2)
    times = [i / 6 for i in range(15)]
    obama = template_of(DATA / "faces" / "fr_obama2.jpg")
    result = verify_burst(frames_a + frames_b, times, ["turn_left"], [obama])
    assert result.outcome == IDENTITY_INCONSISTENT
    assert any("不是同一个人" in r for r in result.reasons)
    scores = [f.match_score for f in result.frames if f.match_score is not None]
    assert max(scores) >= 0.42 and min(scores) < 0.30


def test_frames_without_a_face_are_refused_with_their_numbers(clip_template):
    frames, times = clip_burst(84, 112, 2)
    wall = np.full((360, 640, 3), 200, np.uint8)
    for i in (3, 4, 5):
        frames[i] = jpeg(wall)
    result = verify_burst(frames, times, ["turn_right"], [clip_template])
    assert result.outcome == NO_FACE
    assert "第 4、5、6 张画面中没有检测到人脸" in result.reasons[0]
    assert [f.faces for f in result.frames][3:6] == [0, 0, 0]


def test_frames_with_two_faces_are_refused(clip_template):
    two = cv2.resize(cv2.imread(str(DATA / "faces" / "fr_two_people.jpg")), (640, 480))
    frames, times = still_burst(two, 12)
    result = verify_burst(frames, times, ["turn_left"], [clip_template])
    assert result.outcome == MULTIPLE_FACES and "多张人脸" in result.reasons[0]


def rejected(frames, times=None, challenge=("turn_left",), templates=None, **cfg):
    times = times if times is not None else [i / 6 for i in range(len(frames))]
    templates = templates if templates is not None else [np.ones(128, np.float32)]
    with pytest.raises(BurstRejected) as exc:
        verify_burst(frames, times, list(challenge), templates, config=get_config(**cfg) if cfg else None)
    assert exc.value.reason  # a Chinese reason for the person
    return exc.value


def test_corrupt_jpeg_is_rejected_naming_the_frame():
    frames, times = clip_burst(84, 112, 2)
    frames[6] = frames[6][:200] + b"\x00garbage" * 50
    exc = rejected(frames, times)
    assert exc.code == "corrupt_frame" and exc.frame == 6 and "第 7 张" in exc.reason


def test_truncated_jpeg_is_rejected():
    frames, times = clip_burst(84, 112, 2)
    frames[2] = frames[2][: len(frames[2]) // 2]
    exc = rejected(frames, times)
    assert exc.code == "corrupt_frame" and exc.frame == 2


def test_png_frame_is_rejected():
    frames, times = clip_burst(84, 112, 2)
    frames[0] = cv2.imencode(".png", clip_frames()[84])[1].tobytes()
    assert rejected(frames, times).code == "bad_format"


def test_two_hundred_frames_are_rejected_before_decoding():
    frame = clip_burst(84, 84, 1)[0][0]
    exc = rejected([frame] * 200)
    assert exc.code == "too_many_frames" and "200" in exc.reason


def test_too_few_frames_are_rejected():
    assert rejected(clip_burst(84, 100, 2)[0]).code == "too_few_frames"


def test_a_30_mb_upload_is_rejected():
    frames, times = clip_burst(84, 112, 2)
    frames[0] = frames[0][:-2] + b"\x00" * (30 * 1024 * 1024) + b"\xff\xd9"
    exc = rejected(frames, times)
    assert exc.code == "frame_too_large" and exc.frame == 0


def test_total_size_limit():
    frames, times = clip_burst(84, 112, 2)
    exc = rejected(frames, times, burst_max_total_bytes=100_000)
    assert exc.code == "burst_too_large"


def test_huge_dimensions_are_rejected_from_the_header():
    big = np.zeros((2200, 2200, 3), np.uint8)
    frames, times = clip_burst(84, 112, 2)
    frames[1] = jpeg(big, 30)
    assert rejected(frames, times).code == "image_too_large"


@pytest.mark.parametrize(
    "times",
    [
        [0.0] * 15,
        [float(i) for i in range(14)],
        [i * 2.0 for i in range(15)],
        ["x"] * 15,
        [float("nan")] * 15,
    ],
)
def test_bad_capture_times_are_rejected(times):
    frames, _ = clip_burst(84, 112, 2)
    assert rejected(frames, times).code == "bad_capture_times"


def test_bad_challenge_and_missing_template_are_rejected():
    frames, times = clip_burst(84, 112, 2)
    assert rejected(frames, times, challenge=["smile"]).code == "bad_challenge"
    assert rejected(frames, times, templates=[]).code == "no_template"
    assert rejected(frames, times, templates=[np.ones(64, np.float32)]).code == "no_template"
    assert rejected(frames, times, templates=[np.full(128, np.nan, np.float32)]).code == "no_template"
    assert rejected(frames, times, templates=["abc"]).code == "no_template"


@pytest.mark.parametrize("size", [(1, 1), (8, 8), (1900, 10), (95, 400)])
def test_tiny_frames_are_rejected(size):
    frames, times = clip_burst(84, 112, 2)
    frames[0] = jpeg(np.zeros((size[1], size[0], 3), np.uint8))
    exc = rejected(frames, times)
    assert exc.code == "image_too_small" and exc.frame == 0 and "太小" in exc.reason


def test_concurrent_bursts_in_threads_give_the_sequential_results(clip_template):
    import concurrent.futures

    jobs = [(clip_burst(84, 112, 2), ["turn_right"]), (clip_burst(150, 169, 1), ["open_mouth"])] * 2
    sequential = [verify_burst(f, t, ch, [clip_template]).as_dict() for (f, t), ch in jobs]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        parallel = list(
            pool.map(lambda j: verify_burst(j[0][0], j[0][1], j[1], [clip_template]).as_dict(), jobs)
        )
    for s, p in zip(sequential, parallel, strict=True):
        s.pop("timings_ms"), p.pop("timings_ms")
        assert s == p
