"""Test helpers for the check-in flow: a Y4M file for Chromium's fake camera, made from the real clip.

Chromium plays ``--use-file-for-fake-video-capture=FILE.y4m`` in a loop at the frame rate in the header,
so a browser test can point the phone page's ``getUserMedia`` at a real person performing a real action:

    path = make_fake_camera_y4m(tmp_path / "turn_right.y4m", action="turn_right")
    chromium args: --use-fake-ui-for-media-stream --use-fake-device-for-media-stream
                   --use-file-for-fake-video-capture=<path>

Use it with ``settings.FACE_CHALLENGE_ACTIONS = (action,)`` so the server asks for the action the clip
performs.  The file is generated at test time (≈0.5 MB per frame at 640x480 → keep clips short), never
committed.  Frame ranges were measured with the MediaPipe signals (see tests/test_face_burst.py).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

CLIP = Path(__file__).parent / "tests" / "data" / "video" / "fr_short_hamilton_clip.mp4"
CLIP_FPS = 30
# (first, last) frames of the clip, inclusive, in which the one person performs the action.
SEGMENTS = {
    "turn_right": (84, 112),  # yaw +0.08 → −0.66
    "open_mouth": (150, 169),  # MAR 0.02 → 0.35 at 156–158
    "turn_left": (145, 164),  # yaw −0.07 → +0.35
    "still": (150, 150),  # one frame: a "held-up photo" for negative tests
}


def clip_frames(first: int, last: int, clip: Path = CLIP) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(clip))
    if not cap.isOpened():
        raise RuntimeError(f"无法打开视频 {clip}（OpenCV 未能解码 mp4）")
    cap.set(cv2.CAP_PROP_POS_FRAMES, first)
    frames = []
    for _ in range(first, last + 1):
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    if len(frames) != last - first + 1:
        raise RuntimeError(f"视频 {clip} 只读到 {len(frames)} 帧（需要第 {first}–{last} 帧）")
    return frames


def _fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Letter-box a frame into size (w, h) without distorting the face."""
    w, h = size
    fh, fw = frame.shape[:2]
    s = min(w / fw, h / fh)
    resized = cv2.resize(frame, (round(fw * s), round(fh * s)), interpolation=cv2.INTER_AREA)
    top = (h - resized.shape[0]) // 2
    left = (w - resized.shape[1]) // 2
    return cv2.copyMakeBorder(
        resized,
        top,
        h - resized.shape[0] - top,
        left,
        w - resized.shape[1] - left,
        cv2.BORDER_CONSTANT,
        value=0,
    )


def write_y4m(path: Path, frames: list[np.ndarray], *, fps: int) -> Path:
    """Write BGR frames (all the same even size) as a 4:2:0 Y4M file."""
    h, w = frames[0].shape[:2]
    if w % 2 or h % 2:
        raise ValueError("Y4M 4:2:0 需要偶数宽高")
    path = Path(path)
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for frame in frames:
            fh.write(b"FRAME\n")
            fh.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def read_y4m(path: Path) -> tuple[dict, list[np.ndarray]]:
    """Parse a Y4M written by :func:`write_y4m` back into BGR frames (for checking the file)."""
    data = Path(path).read_bytes()
    header, _, rest = data.partition(b"\n")
    fields = header.decode("ascii").split()
    if fields[0] != "YUV4MPEG2":
        raise ValueError("不是 Y4M 文件")
    info = {f[0]: f[1:] for f in fields[1:]}
    w, h = int(info["W"]), int(info["H"])
    size = w * h * 3 // 2
    frames, pos = [], 0
    while pos < len(rest):
        if not rest.startswith(b"FRAME", pos):
            raise ValueError("Y4M 帧头错误")
        pos = rest.index(b"\n", pos) + 1
        yuv = np.frombuffer(rest[pos : pos + size], np.uint8).reshape(h * 3 // 2, w)
        frames.append(cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420))
        pos += size
    return {"width": w, "height": h, "fps": info["F"]}, frames


def make_fake_camera_y4m(
    path: Path,
    *,
    action: str = "turn_right",
    size: tuple[int, int] = (640, 480),
    fps: int = 10,
    lead_in_frames: int = 10,
) -> Path:
    """A Y4M of the real clip performing ``action`` (see SEGMENTS), letter-boxed to ``size``.

    The first frame is held for ``lead_in_frames`` (≈1 s at 10 fps: the person looks at the prompt), then the
    action plays at ``fps`` — 10 fps stretches the 1 s of real motion over ≈3 s, the length of the phone
    page's burst.  Chromium loops the file.
    """
    if action not in SEGMENTS:
        raise ValueError(f"未知动作 {action}，可选：{', '.join(SEGMENTS)}")
    first, last = SEGMENTS[action]
    frames = [_fit(f, size) for f in clip_frames(first, last)]
    frames = [frames[0]] * lead_in_frames + frames
    return write_y4m(path, frames, fps=fps)


def make_checkin(subject, when, outcome="pass", *, lonlat=None, accuracy=12.0, location_status="inside"):
    """Test data only: a stored check-in row (no frames, no face pipeline) for report, anomaly and rule tests."""
    from yunjiao.checkins.models import Checkin, CheckinChallenge, FaceEnrolment

    enrol = FaceEnrolment.objects.filter(subject=subject).first() or FaceEnrolment.objects.create(
        subject=subject, version=1, photo_count=1)
    challenge = CheckinChallenge.objects.create(subject=subject, device_id="d",
                                                nonce_digest=f"{subject.pk}-{when.timestamp()}",
                                                actions=["turn_right"], expires_at=when, used_at=when)
    lon, lat = lonlat if lonlat is not None else (None, None)
    return Checkin.objects.create(subject=subject, challenge=challenge, enrolment=enrol, device_id="d",
                                  submitted_at=when, outcome=outcome, face_outcome=outcome, frame_count=15, scores={},
                                  thresholds={}, latitude=lat, longitude=lon,
                                  accuracy_m=accuracy if lonlat is not None else None,
                                  location_status=location_status)
