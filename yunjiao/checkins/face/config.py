"""Face-check settings: defaults from docs/face.md, overridable with ``settings.FACE_VERIFICATION = {...}``.

Every threshold lives here so it can be re-tuned from the stored per-frame scores of real check-ins.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class FaceConfig:
    # SFace cosine similarity: >= accept → pass; [review, accept) → officer review; < review → mismatch.
    accept_threshold: float = 0.42
    review_threshold: float = 0.30
    # Two embedded frames of one burst must be at least this similar (same person throughout). Low on
    # purpose: frame-to-frame SFace similarity of one person in a 360p clip was 0.33–0.71; the stronger
    # check is that no embedded frame falls below review_threshold while another matches the template.
    same_person_threshold: float = 0.20
    # Burst: frames matching the enrolled template needed for a pass, and how many frames get embedded.
    min_match_frames: int = 2
    embed_frames: int = 2
    embed_max_turn: float = 0.3  # prefer frames whose yaw is within this of the baseline
    # YuNet: confidence to count a face; a face narrower than this share of the main face is ignored.
    detect_score: float = 0.8
    other_face_min_ratio: float = 0.33
    # Faces are counted on every frame with YuNet at this size (longest side, px); the frames picked for SFace
    # are re-detected on a crop twice the face size at up to burst_align_max_side px for the alignment points
    # (whole-frame points at 160 px align too coarsely; docs/benchmarks.md "bench/checkins.py").
    burst_detect_max_side: int = 160
    burst_align_max_side: int = 224
    # Enrolment photo quality.
    enrol_min_face_px: int = 80
    enrol_blur_min_variance: float = 15.0
    enrol_max_asymmetry: float = 0.40
    enrol_max_roll_degrees: float = 25.0
    enrol_max_bytes: int = 10 * 1024 * 1024
    enrol_max_images: int = 5
    # Burst input limits.
    burst_min_frames: int = 10
    burst_max_frames: int = 20
    burst_max_frame_bytes: int = 512 * 1024
    burst_max_total_bytes: int = 6 * 1024 * 1024
    burst_max_pixels: int = 1920 * 1920
    burst_min_face_px: int = 60
    burst_max_span_seconds: float = 10.0
    # Face continuity between consecutive frames (centre shift in face widths, size ratio).
    max_centre_shift: float = 1.0
    max_size_ratio: float = 2.0
    # Liveness (MediaPipe landmark signals, see liveness.py). Share of frames that must have landmarks.
    min_landmark_coverage: float = 0.8
    baseline_frames: int = 3
    yaw_delta: float = 0.25
    mouth_open_mar: float = 0.30
    mouth_open_delta: float = 0.15
    blink_ratio: float = 0.75
    blink_reopen_ratio: float = 0.90
    blink_max_frames: int = 8


def get_config(**overrides) -> FaceConfig:
    values: dict = {}
    try:
        from django.conf import settings

        if settings.configured:
            values.update(getattr(settings, "FACE_VERIFICATION", {}) or {})
    except ImportError:  # pragma: no cover - Django is always installed in this project
        pass
    values.update(overrides)
    known = {f.name for f in fields(FaceConfig)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"FACE_VERIFICATION 含未知配置项：{', '.join(sorted(unknown))}")
    cfg = replace(FaceConfig(), **values)
    if not 0 <= cfg.review_threshold <= cfg.accept_threshold <= 1:
        raise ValueError("FACE_VERIFICATION：需满足 0 ≤ review_threshold ≤ accept_threshold ≤ 1。")
    return cfg
