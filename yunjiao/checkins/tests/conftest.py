"""Fixtures for the face tests: real photos, the real video clip and its frames (no database needed)."""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
CLIP = DATA / "video" / "fr_short_hamilton_clip.mp4"
CLIP_FPS = 30.0
# Person in frames 82–210 of the clip; same person as this enrolment photo.
CLIP_PERSON_PHOTO = DATA / "faces" / "fr_lin-manuel-miranda.png"


def read(path: Path) -> bytes:
    return Path(path).read_bytes()


@lru_cache(maxsize=1)
def labelled_photos() -> dict[str, list[Path]]:
    """person → photo paths (only real single-person photos)."""
    people: dict[str, list[Path]] = defaultdict(list)
    with (DATA / "faces.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["file"].startswith("faces/") and row["person"] not in {"MULTI", "DUPLICATE"}:
                people[row["person"]].append(DATA / row["file"])
    return dict(people)


@lru_cache(maxsize=1)
def clip_frames() -> tuple[np.ndarray, ...]:
    cap = cv2.VideoCapture(str(CLIP))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    assert len(frames) == 275, f"clip should have 275 frames, decoded {len(frames)}"
    return tuple(frames)


def jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def clip_burst(first: int, last: int, step: int = 2) -> tuple[list[bytes], list[float]]:
    """JPEG frames first..last (inclusive, every `step`-th) of the clip and their capture times (s)."""
    frames = clip_frames()
    idx = list(range(first, last + 1, step))
    return [jpeg(frames[i]) for i in idx], [i / CLIP_FPS for i in idx]


def still_burst(image: np.ndarray, n: int = 15, *, seed: int = 0) -> tuple[list[bytes], list[float]]:
    """A held-up still picture filmed by a phone: the same image with hand shake (small shifts, a slight
    rotation), sensor noise and JPEG re-compression in every frame."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    out = []
    for _ in range(n):
        angle = rng.uniform(-2, 2)
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, rng.uniform(0.98, 1.02))
        m[:, 2] += rng.uniform(-6, 6, size=2)
        moved = cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REFLECT)
        noisy = np.clip(moved.astype(np.int16) + rng.normal(0, 3, moved.shape).astype(np.int16), 0, 255)
        out.append(jpeg(noisy.astype(np.uint8)))
    return out, [i / 6.0 for i in range(n)]


def template_of(path: Path) -> np.ndarray:
    from yunjiao.checkins.face.recognition import check_enrolment_photo

    check = check_enrolment_photo(read(path))
    assert check.ok, check.reasons
    return check.template


@pytest.fixture(scope="session")
def clip_template() -> np.ndarray:
    return template_of(CLIP_PERSON_PHOTO)
