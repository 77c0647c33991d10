"""Verification of one check-in burst: 10–20 JPEG frames, their capture times, the challenge, the templates.

What this stops: a held-up photo or printed picture (it cannot perform a random head turn / mouth opening
relative to its own first frames), a pre-recorded replay (the challenge is random and, on the Django side,
bound to a single-use nonce with a short expiry), a burst stitched from two people (every frame must show
exactly one face, faces must move continuously, and embedded frames must be the same person).

Honest limits: this does **not** stop a live face swap or deep-fake streamed through a virtual camera, an
injected video stream on a rooted phone, or the real person being coached/forced through the challenge.
There is no passive anti-spoofing model (none ships inside a PyPI wheel, see docs/face.md §4a); a screen
replay of a *live* video call in which the person performs the prompted action is not detected either.
Identity across frames is checked on the ``embed_frames`` embedded frames (2 by default, the most frontal
of each half) plus face-position continuity on every frame; a swap between the enrolled person's photo and
an accomplice at exactly the same position and size is only caught when an embedded frame lands on the
accomplice — raise ``embed_frames`` (≈25 ms CPU each: crop re-detection + SFace) for more coverage.
Borderline scores go to officer review, and every score is returned so thresholds can be re-tuned.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import liveness as lv
from .config import FaceConfig, get_config
from .models_loader import get_face_mesh
from .recognition import (
    EMBEDDING_DIM,
    MISMATCH,
    PASS,
    REVIEW,
    ImageError,
    best_match,
    cosine,
    counted_faces,
    decode_image,
    detect_faces,
    embed,
    refine_detection,
)

# Outcomes, most serious first (the burst's outcome is the most serious one that applies).
NO_FACE = "no_face"
MULTIPLE_FACES = "multiple_faces"
IDENTITY_INCONSISTENT = "identity_inconsistent"
LIVENESS_FAILED = "liveness_failed"
OUTCOME_LABELS = {
    NO_FACE: "未检测到人脸",
    MULTIPLE_FACES: "画面中有多张人脸",
    IDENTITY_INCONSISTENT: "画面中不是同一个人",
    LIVENESS_FAILED: "活体动作未通过",
    MISMATCH: "人脸不匹配",
    REVIEW: "待人工复核",
    PASS: "通过",
}
_SEVERITY = [NO_FACE, MULTIPLE_FACES, IDENTITY_INCONSISTENT, LIVENESS_FAILED, MISMATCH, REVIEW, PASS]


class BurstRejected(Exception):
    """The upload itself is unusable (too many frames, too large, corrupt JPEG, bad timestamps…).

    ``code`` is stable for programs, ``reason`` is Chinese for the person; ``frame`` is the 0-based index
    of the offending frame when there is one.
    """

    def __init__(self, code: str, reason: str, *, frame: int | None = None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.frame = frame


@dataclass
class FrameScore:
    index: int
    capture_time: float
    width: int
    height: int
    faces: int
    face_px: float | None = None
    detection_score: float | None = None
    yaw: float | None = None
    mar: float | None = None
    ear: float | None = None
    match_score: float | None = None  # best cosine vs the enrolled templates (embedded frames only)
    identity_score: float | None = None  # cosine vs the burst's reference frame (embedded frames only)

    def as_dict(self) -> dict:
        out = {}
        for k, v in self.__dict__.items():
            out[k] = round(v, 4) if isinstance(v, float) else v
        return out


@dataclass
class BurstResult:
    outcome: str
    reasons: list[str]
    frames: list[FrameScore]
    liveness: lv.LivenessResult | None
    best_match: float | None
    matched_frames: int
    timings_ms: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def as_dict(self) -> dict:
        """JSON-serialisable record of every score (store it with the check)."""
        return {
            "outcome": self.outcome,
            "reasons": list(self.reasons),
            "best_match": None if self.best_match is None else round(self.best_match, 4),
            "matched_frames": self.matched_frames,
            "liveness": self.liveness.as_dict() if self.liveness else None,
            "frames": [f.as_dict() for f in self.frames],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


def _validate_input(frames, capture_times, challenge, templates, cfg: FaceConfig) -> list[float]:
    if not isinstance(frames, (list, tuple)):
        raise BurstRejected("bad_frames", "上传的数据格式不正确，请重新核查。")
    n = len(frames)
    if n < cfg.burst_min_frames:
        raise BurstRejected(
            "too_few_frames", f"只收到 {n} 张画面，至少需要 {cfg.burst_min_frames} 张，请重新录制。"
        )
    if n > cfg.burst_max_frames:
        raise BurstRejected(
            "too_many_frames", f"收到 {n} 张画面，最多只接受 {cfg.burst_max_frames} 张，请重新核查。"
        )
    total = 0
    for i, data in enumerate(frames):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise BurstRejected("bad_frames", f"第 {i + 1} 张画面不是图片数据。", frame=i)
        size = len(data)
        total += size
        if size > cfg.burst_max_frame_bytes:
            raise BurstRejected(
                "frame_too_large",
                f"第 {i + 1} 张画面 {size // 1024} KB，超过每张 {cfg.burst_max_frame_bytes // 1024} KB 的上限。",
                frame=i,
            )
    if total > cfg.burst_max_total_bytes:
        raise BurstRejected(
            "burst_too_large",
            f"上传总量 {total / 1048576:.1f} MB，超过 {cfg.burst_max_total_bytes / 1048576:.0f} MB 的上限。",
        )
    try:
        times = [float(t) for t in capture_times]
    except (TypeError, ValueError):
        raise BurstRejected("bad_capture_times", "拍摄时间格式不正确，请重新核查。")
    if len(times) != n:
        raise BurstRejected("bad_capture_times", f"拍摄时间有 {len(times)} 个，画面有 {n} 张，数量不一致。")
    if any(not math.isfinite(t) for t in times) or any(
        b <= a for a, b in zip(times, times[1:], strict=False)
    ):
        raise BurstRejected("bad_capture_times", "拍摄时间不是严格递增的，请重新核查。")
    if times[-1] - times[0] > cfg.burst_max_span_seconds:
        raise BurstRejected(
            "bad_capture_times",
            f"画面拍摄跨度超过 {cfg.burst_max_span_seconds:.0f} 秒，请在提示后立即完成动作。",
        )
    if (
        not challenge
        or not isinstance(challenge, (list, tuple))
        or any(a not in lv.ACTION_LABELS for a in challenge)
    ):
        raise BurstRejected("bad_challenge", "核查动作无效，请重新开始核查。")
    if not templates:
        raise BurstRejected("no_template", "尚未登记人脸模板，请联系矫正工作人员先登记人脸。")
    return times


def _pick_embed_frames(n: int, yaws: dict[int, float], base_yaw: float, k: int, max_turn: float) -> list[int]:
    """Frames to embed: spread over the burst (the most frontal frame of each of k parts), using only
    roughly frontal frames (|yaw − baseline| ≤ max_turn) when there are enough of them — a profile frame
    embeds poorly and would make a genuine burst look like two people."""

    def turn(i: int) -> float:
        return abs(yaws.get(i, base_yaw + 10) - base_yaw)

    candidates = [i for i in range(n) if turn(i) <= max_turn]
    if len(candidates) < k:
        candidates = sorted(sorted(range(n), key=turn)[:k])
    k = max(1, min(k, len(candidates)))
    return [int(min(part, key=turn)) for part in np.array_split(np.array(candidates), k) if len(part)]


def verify_burst(
    frames: list[bytes],
    capture_times: list[float],
    challenge: list[str],
    enrolled_templates: list[np.ndarray],
    *,
    config: FaceConfig | None = None,
) -> BurstResult:
    """Check one burst. Raises only :class:`BurstRejected` (unusable input); everything else — no face,
    several faces, two people, failed actions, no match — is a :class:`BurstResult` with Chinese reasons and
    every per-frame score."""
    cfg = config or get_config()
    t0 = time.perf_counter()
    times = _validate_input(frames, capture_times, challenge, enrolled_templates, cfg)
    try:
        templates = [np.asarray(t, dtype=np.float32).reshape(-1) for t in enrolled_templates]
    except (TypeError, ValueError):
        templates = []
    if not templates or any(t.shape != (EMBEDDING_DIM,) or not np.isfinite(t).all() for t in templates):
        raise BurstRejected("no_template", "人脸模板数据无效，请联系工作人员重新登记。")

    images = []
    for i, data in enumerate(frames):
        try:
            images.append(
                decode_image(
                    data, max_pixels=cfg.burst_max_pixels, formats=("JPEG",), label=f"第 {i + 1} 张画面"
                )
            )
        except ImageError as exc:
            raise BurstRejected(
                "corrupt_frame" if exc.code == "corrupt_image" else exc.code, exc.message, frame=i
            )
    t_decode = time.perf_counter()

    reasons: list[str] = []
    outcomes: set[str] = set()
    scores: list[FrameScore] = []
    main_faces = []
    no_face, multi, small = [], [], []
    for i, img in enumerate(images):
        faces = counted_faces(detect_faces(img, max_side=cfg.burst_detect_max_side), cfg)
        fs = FrameScore(
            index=i, capture_time=times[i], width=img.shape[1], height=img.shape[0], faces=len(faces)
        )
        if faces:
            f = faces[0]
            fs.face_px = float(min(f.box[2], f.box[3]))
            fs.detection_score = f.score
            if fs.face_px < cfg.burst_min_face_px:
                small.append(i)
        main_faces.append(faces[0] if len(faces) == 1 else None)
        if not faces:
            no_face.append(i)
        elif len(faces) > 1:
            multi.append(i)
        scores.append(fs)
    t_detect = time.perf_counter()

    def frame_list(idx: list[int]) -> str:
        return "、".join(str(i + 1) for i in idx[:8]) + ("等" if len(idx) > 8 else "")

    if no_face:
        outcomes.add(NO_FACE)
        reasons.append(f"第 {frame_list(no_face)} 张画面中没有检测到人脸，请正对镜头、保持脸部完整在画面内。")
    if multi:
        outcomes.add(MULTIPLE_FACES)
        reasons.append(f"第 {frame_list(multi)} 张画面中有多张人脸，核查时画面内只能有本人。")
    if small:
        outcomes.add(NO_FACE)
        reasons.append(f"第 {frame_list(small)} 张画面中人脸太小，请把手机拿近一些。")
    if outcomes:
        return _finish(outcomes, reasons, scores, None, None, 0, t0, t_decode, t_detect, t_detect, t_detect)

    # continuity: the face may move, but not jump (a cut between two recordings / two people)
    jumps = []
    for i in range(1, len(main_faces)):
        a, b = main_faces[i - 1], main_faces[i]
        ax, ay = a.box[0] + a.box[2] / 2, a.box[1] + a.box[3] / 2
        bx, by = b.box[0] + b.box[2] / 2, b.box[1] + b.box[3] / 2
        shift = math.hypot(bx - ax, by - ay) / max(a.box[2], 1.0)
        ratio = max(a.box[2], b.box[2]) / max(min(a.box[2], b.box[2]), 1.0)
        if shift > cfg.max_centre_shift or ratio > cfg.max_size_ratio:
            jumps.append(i)
    if jumps:
        outcomes.add(IDENTITY_INCONSISTENT)
        reasons.append(f"第 {frame_list(jumps)} 张画面中人脸位置突变，画面不连续，请一次性连续完成动作。")

    # landmarks + liveness
    landmarks = get_face_mesh().landmarks_sequence(images)
    signals = [None if p is None else lv.frame_signals(p) for p in landmarks]
    for fs, s in zip(scores, signals, strict=True):
        if s is not None:
            fs.yaw, fs.mar, fs.ear = s.yaw, s.mar, s.ear
    live = lv.detect_actions(signals, list(challenge), cfg)
    t_live = time.perf_counter()
    if not live.passed:
        outcomes.add(LIVENESS_FAILED)
        reasons.extend(live.reasons)

    # embeddings: the most frontal frame of each part of the burst
    base_yaw = live.baseline.get("yaw", 0.0)
    yaws = {i: s.yaw for i, s in enumerate(signals) if s is not None}
    chosen = _pick_embed_frames(
        len(images), yaws, base_yaw, max(cfg.embed_frames, cfg.min_match_frames), cfg.embed_max_turn
    )
    embeddings = {
        i: embed(images[i], refine_detection(images[i], main_faces[i], side=cfg.burst_align_max_side))
        for i in chosen
    }
    ref = chosen[0]
    for i in chosen:
        scores[i].match_score = best_match(embeddings[i], templates)
        scores[i].identity_score = 1.0 if i == ref else cosine(embeddings[i], embeddings[ref])
    pair_min = min(
        (cosine(embeddings[a], embeddings[b]) for a in chosen for b in chosen if a < b), default=1.0
    )
    frame_scores = [scores[i].match_score for i in chosen]
    split = max(frame_scores) >= cfg.accept_threshold and min(frame_scores) < cfg.review_threshold
    if pair_min < cfg.same_person_threshold or split:
        outcomes.add(IDENTITY_INCONSISTENT)
        reasons.append("录制的画面中不是同一个人（部分画面与登记照片不符），请本人独自完成核查。")
    match_scores = sorted((scores[i].match_score for i in chosen), reverse=True)
    best = match_scores[0]
    need = min(cfg.min_match_frames, len(match_scores))
    matched = sum(1 for s in match_scores if s >= cfg.accept_threshold)
    nth = match_scores[need - 1]  # the need-th best score decides
    if nth >= cfg.accept_threshold:
        pass
    elif nth >= cfg.review_threshold:
        outcomes.add(REVIEW)
        reasons.append(
            f"人脸相似度 {nth:.2f} 处于复核区间（{cfg.review_threshold:.2f}–{cfg.accept_threshold:.2f}），将由工作人员人工复核。"
        )
    else:
        outcomes.add(MISMATCH)
        reasons.append(f"人脸与登记照片不匹配（相似度 {nth:.2f}，需要 ≥ {cfg.accept_threshold:.2f}）。")
    t_embed = time.perf_counter()
    return _finish(outcomes, reasons, scores, live, best, matched, t0, t_decode, t_detect, t_live, t_embed)


def _finish(
    outcomes, reasons, scores, live, best, matched, t0, t_decode, t_detect, t_live, t_embed
) -> BurstResult:
    outcome = next((o for o in _SEVERITY if o in outcomes), PASS)
    return BurstResult(
        outcome=outcome,
        reasons=reasons,
        frames=scores,
        liveness=live,
        best_match=best,
        matched_frames=matched,
        timings_ms={
            "decode": (t_decode - t0) * 1000,
            "detect": (t_detect - t_decode) * 1000,
            "landmarks_liveness": (t_live - t_detect) * 1000,
            "embed_compare": (t_embed - t_live) * 1000,
            "total": (t_embed - t0) * 1000,
        },
    )
