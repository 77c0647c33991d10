"""Enrolment quality checks, SFace embeddings and the verdict on real photos (no database)."""

import itertools

import cv2
import numpy as np
import pytest

from yunjiao.checkins.face import recognition as rec
from yunjiao.checkins.face.config import get_config

from .conftest import DATA, clip_frames, jpeg, labelled_photos, read


@pytest.fixture(scope="module")
def templates():
    out = {}
    for person, paths in labelled_photos().items():
        for p in paths:
            check = rec.check_enrolment_photo(read(p))
            assert check.ok, (p.name, check.reasons)
            assert check.template.dtype == np.float32 and check.template.shape == (128,)
            out[p.name] = (person, check.template)
    return out


def test_same_person_pairs_pass_and_different_people_fail(templates):
    cfg = get_config()
    same, different = [], []
    for (a, (pa, ta)), (b, (pb, tb)) in itertools.combinations(sorted(templates.items()), 2):
        score = rec.cosine(ta, tb)
        (same if pa == pb else different).append((score, a, b))
    assert len(same) == 13 and len(different) == 140  # 18 photos of 8 people in tests/data
    failed_genuine = [s for s in same if rec.verdict(s[0], cfg) != rec.PASS]
    accepted_impostors = [s for s in different if rec.verdict(s[0], cfg) == rec.PASS]
    assert failed_genuine == []
    assert accepted_impostors == []
    assert min(s[0] for s in same) > max(s[0] for s in different)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.99, "pass"),
        (0.42, "pass"),
        (0.4199, "review"),
        (0.30, "review"),
        (0.2999, "mismatch"),
        (-0.2, "mismatch"),
    ],
)
def test_verdict_bands_at_default_thresholds(score, expected):
    assert rec.verdict(score, get_config()) == expected


def test_thresholds_come_from_settings(settings):
    settings.FACE_VERIFICATION = {"accept_threshold": 0.6, "review_threshold": 0.5}
    cfg = get_config()
    assert rec.verdict(0.55, cfg) == rec.REVIEW and rec.verdict(0.45, cfg) == rec.MISMATCH
    settings.FACE_VERIFICATION = {"accept_treshold": 0.6}
    with pytest.raises(ValueError, match="accept_treshold"):
        get_config()
    settings.FACE_VERIFICATION = {"accept_threshold": 0.2, "review_threshold": 0.3}
    with pytest.raises(ValueError):
        get_config()


def test_template_bytes_round_trip(templates):
    t = next(iter(templates.values()))[1]
    raw = rec.template_to_bytes(t)
    assert len(raw) == 512
    assert np.array_equal(rec.template_from_bytes(raw), t)
    with pytest.raises(ValueError):
        rec.template_from_bytes(raw[:-4])


def photo(name):
    return cv2.imread(str(DATA / "faces" / name))


def test_enrolment_refuses_two_people():
    check = rec.check_enrolment_photo(read(DATA / "faces" / "fr_two_people.jpg"))
    assert not check.ok and check.codes == ["multiple_faces"] and "只能有本人" in check.reasons[0]
    assert check.template is None


def test_enrolment_refuses_a_blurred_photo():
    blurred = cv2.GaussianBlur(photo("fr_obama.jpg"), (0, 0), 8)
    check = rec.check_enrolment_photo(jpeg(blurred))
    assert "blurred" in check.codes and "模糊" in " ".join(check.reasons)


def test_enrolment_refuses_a_small_face():
    img = photo("fr_obama.jpg")
    small = cv2.resize(img, (img.shape[1] // 5, img.shape[0] // 5), interpolation=cv2.INTER_AREA)
    check = rec.check_enrolment_photo(jpeg(small))
    assert "face_too_small" in check.codes and "太小" in " ".join(check.reasons)


def test_enrolment_refuses_a_turned_head():
    # clip frame 117: the head is turned far to the person's right (MediaPipe yaw ≈ −0.8 measured)
    frame = clip_frames()[117]
    big = cv2.resize(frame, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    check = rec.check_enrolment_photo(jpeg(big))
    assert "not_frontal" in check.codes and "正对镜头" in " ".join(check.reasons)
    assert check.metrics["asymmetry"] > get_config().enrol_max_asymmetry


def test_enrolment_refuses_a_photo_without_a_face():
    wall = np.full((480, 640, 3), 180, np.uint8)
    cv2.putText(wall, "no face here", (50, 240), cv2.FONT_HERSHEY_SIMPLEX, 2, (20, 20, 20), 3)
    check = rec.check_enrolment_photo(jpeg(wall))
    assert check.codes == ["no_face"]


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 200])
def test_enrolment_refuses_corrupt_uploads(data):
    check = rec.check_enrolment_photo(data)
    assert not check.ok and check.reasons and check.template is None


def test_enrolment_refuses_a_truncated_jpeg():
    data = read(DATA / "faces" / "fr_obama.jpg")
    # OpenCV alone decodes a truncated JPEG "successfully" (grey lower part); the end marker check refuses it
    check = rec.check_enrolment_photo(data[: len(data) // 2])
    assert check.codes == ["corrupt_image"] and "不完整" in check.reasons[0]


def test_burst_alignment_redetection_matches_full_resolution_detection(templates):
    """verify_burst counts faces at 160 px and re-detects the embedded frames on a crop around the face: the
    re-detected five points (all SFace's alignment uses) land near the full-resolution detection's, and frame-vs-template scores
    keep same-person pairs above the accept threshold and other people below it."""
    cfg = get_config()
    same, different = [], []
    for p in sorted(itertools.chain.from_iterable(labelled_photos().values())):
        image = cv2.imdecode(np.frombuffer(read(p), np.uint8), cv2.IMREAD_COLOR)
        h, w = image.shape[:2]
        s = min(1.0, 640 / max(h, w))  # a phone frame
        frame = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        coarse = rec.detect_faces(frame, max_side=cfg.burst_detect_max_side)[0]
        fine = rec.refine_detection(frame, coarse, side=cfg.burst_align_max_side)
        full = rec.detect_faces(frame)[0]
        # same face, points mapped back to frame coordinates (YuNet's points move a few % with the input size)
        assert np.abs(fine.landmarks - full.landmarks).max() < 0.15 * full.box[2], p.name
        vec = rec.embed(frame, fine)
        person = templates[p.name][0]
        for other, (other_person, template) in templates.items():
            if other != p.name:
                (same if other_person == person else different).append(rec.cosine(vec, template))
    assert min(same) >= cfg.accept_threshold
    assert max(different) < cfg.accept_threshold
