"""Challenge-response liveness from MediaPipe face-mesh landmarks (468 points, mediapipe 0.10.21).

Per frame we compute three signals:

* ``yaw``  – nose tip (1) between the outer eye corners (33 = the person's right eye, on the image's left;
  263 = their left eye): ``2·(nose−x33)/(x263−x33) − 1``.  0 = frontal; it grows when the person turns the
  head to **their own left** and falls when they turn to their right.  This assumes un-mirrored camera frames
  (what ``getUserMedia`` delivers; only the on-screen preview is mirrored) — the phone page must not flip
  the canvas it encodes.
* ``mar``  – mouth aspect ratio: inner-lip gap (13–14) / mouth width (78–308).  ≈0.0–0.2 closed, > 0.3 open.
* ``ear``  – eye aspect ratio (mean of both eyes, the 6-point formula).  A blink is a short dip.

Actions are judged **relative to the burst's own baseline** (median of its first frames), never as absolute
poses, so a still photo — even one of a turned head or an open mouth — performs nothing.  The actions must
appear in the requested order: each one is searched only after the frame where the previous one happened.

Measured on the real clip (docs/face.md, tests): head turns swing yaw by 0.3–0.8, an open mouth reaches
MAR 0.36–0.42 from ≈0.05.  Blink detection is **not validated** on real phone selfies (no ground truth yet):
tune ``blink_*`` on real data before adding ``blink`` to ``FACE_CHALLENGE_ACTIONS`` (it is off by default).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import numpy as np

from .config import FaceConfig, get_config

TURN_LEFT = "turn_left"
TURN_RIGHT = "turn_right"
OPEN_MOUTH = "open_mouth"
BLINK = "blink"
ACTION_LABELS = {TURN_LEFT: "转头向左", TURN_RIGHT: "转头向右", OPEN_MOUTH: "张嘴", BLINK: "眨眼"}
ACTIONS = tuple(ACTION_LABELS)
# Actions a challenge is drawn from unless settings.FACE_CHALLENGE_ACTIONS says otherwise.  Blink is
# detected (see _find_action) but left out by default: it is not validated on phone bursts (a blink lasts
# 100–300 ms, i.e. 1–2 frames at the 5–7 fps of a 15-frame/2.5 s burst), and a check must not fail honest
# people.  Enable it with FACE_CHALLENGE_ACTIONS = ("turn_left", "turn_right", "open_mouth", "blink").
DEFAULT_CHALLENGE_ACTIONS = (TURN_LEFT, TURN_RIGHT, OPEN_MOUTH)

NOSE_TIP = 1
RIGHT_EYE = (33, 160, 158, 133, 153, 144)  # outer, top×2, inner, bottom×2 (person's right eye)
LEFT_EYE = (263, 387, 385, 362, 380, 373)
MOUTH_TOP, MOUTH_BOTTOM, MOUTH_RIGHT, MOUTH_LEFT = 13, 14, 78, 308


@dataclass(frozen=True)
class Signals:
    yaw: float
    mar: float
    ear: float


def _ear(p: np.ndarray, idx: tuple[int, ...]) -> float:
    a, b, c, d, e, f = (p[i] for i in idx)
    width = float(np.linalg.norm(a - d))
    if width < 1e-6:
        return 0.0
    return float((np.linalg.norm(b - f) + np.linalg.norm(c - e)) / (2 * width))


def frame_signals(points: np.ndarray) -> Signals:
    """Signals of one frame from a (468, 2) landmark array in pixels."""
    p = np.asarray(points, dtype=np.float64)
    x_right, x_left = p[RIGHT_EYE[0]][0], p[LEFT_EYE[0]][0]
    span = x_left - x_right
    yaw = 0.0 if abs(span) < 1e-6 else float(2 * (p[NOSE_TIP][0] - x_right) / span - 1)
    mouth_w = float(np.linalg.norm(p[MOUTH_RIGHT] - p[MOUTH_LEFT]))
    mar = 0.0 if mouth_w < 1e-6 else float(np.linalg.norm(p[MOUTH_TOP] - p[MOUTH_BOTTOM]) / mouth_w)
    ear = (_ear(p, RIGHT_EYE) + _ear(p, LEFT_EYE)) / 2
    return Signals(yaw=yaw, mar=mar, ear=ear)


def random_challenge(
    *, actions: tuple[str, ...] | None = None, rng: secrets.SystemRandom | None = None
) -> list[str]:
    """1–2 distinct actions in random order (cryptographic RNG: the sequence must not be guessable)."""
    rng = rng or secrets.SystemRandom()
    pool = list(actions or _configured_actions())
    n = rng.choice([1, 2]) if len(pool) > 1 else 1
    return rng.sample(pool, n)


def _configured_actions() -> tuple[str, ...]:
    try:
        from django.conf import settings

        configured = tuple(getattr(settings, "FACE_CHALLENGE_ACTIONS", DEFAULT_CHALLENGE_ACTIONS))
    except Exception:  # settings not configured (pure use outside Django)
        configured = DEFAULT_CHALLENGE_ACTIONS
    bad = [a for a in configured if a not in ACTION_LABELS]
    if bad or not configured:
        raise ValueError(f"FACE_CHALLENGE_ACTIONS 含未知动作：{bad}")
    return configured


def challenge_text(challenge: list[str]) -> str:
    return "，然后".join(ACTION_LABELS[a] for a in challenge)


@dataclass
class LivenessResult:
    passed: bool
    challenge: list[str]
    events: list[int | None] = field(default_factory=list)  # frame index where each action happened
    baseline: dict = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "passed": self.passed,
            "challenge": list(self.challenge),
            "events": list(self.events),
            "baseline": dict(self.baseline),
            "reasons": list(self.reasons),
        }


def _baseline(values: list[float], n: int) -> float:
    return float(np.median(values[: max(1, n)]))


def _find_action(
    action: str, sig: list[Signals | None], start: int, base: Signals, cfg: FaceConfig
) -> int | None:
    n = len(sig)
    for i in range(start, n):
        s = sig[i]
        if s is None:
            continue
        if action == TURN_LEFT and s.yaw - base.yaw >= cfg.yaw_delta:
            return i
        if action == TURN_RIGHT and base.yaw - s.yaw >= cfg.yaw_delta:
            return i
        if action == OPEN_MOUTH and s.mar >= cfg.mouth_open_mar and s.mar - base.mar >= cfg.mouth_open_delta:
            return i
        if action == BLINK and base.ear > 0 and s.ear < cfg.blink_ratio * base.ear:
            # a blink: eyes open before, closed for 1..blink_max_frames frames, open again afterwards
            prev = next((sig[k] for k in range(i - 1, -1, -1) if sig[k] is not None), None)
            if prev is None or prev.ear < cfg.blink_reopen_ratio * base.ear:
                continue
            for k in range(i + 1, min(n, i + cfg.blink_max_frames + 1)):
                if sig[k] is not None and sig[k].ear >= cfg.blink_reopen_ratio * base.ear:
                    return i
    return None


def detect_actions(
    signals: list[Signals | None], challenge: list[str], cfg: FaceConfig | None = None
) -> LivenessResult:
    """Were the challenge's actions performed, in order?  ``signals`` has one entry per frame (None = no
    landmarks in that frame)."""
    cfg = cfg or get_config()
    result = LivenessResult(passed=False, challenge=list(challenge))
    valid = [s for s in signals if s is not None]
    if not challenge or any(a not in ACTION_LABELS for a in challenge):
        result.reasons.append("核查动作无效，请重新开始核查。")
        return result
    if not signals or len(valid) < cfg.min_landmark_coverage * len(signals):
        result.reasons.append("多张画面中未能识别面部特征点，请在光线充足处正对镜头重新核查。")
        result.events = [None] * len(challenge)
        return result
    base = Signals(
        yaw=_baseline([s.yaw for s in valid], cfg.baseline_frames),
        mar=_baseline([s.mar for s in valid], cfg.baseline_frames),
        # EAR baseline over the whole burst: a blink is short, the median stays "eyes open"
        ear=float(np.median([s.ear for s in valid])),
    )
    result.baseline = {"yaw": round(base.yaw, 4), "mar": round(base.mar, 4), "ear": round(base.ear, 4)}
    pos = 0
    for action in challenge:
        idx = _find_action(action, signals, pos, base, cfg)
        result.events.append(idx)
        if idx is None:
            done = [ACTION_LABELS[a] for a, e in zip(challenge, result.events, strict=False) if e is not None]
            if done:
                result.reasons.append(
                    f"在完成“{'、'.join(done)}”之后没有检测到“{ACTION_LABELS[action]}”动作，请按提示顺序完成动作。"
                )
            else:
                result.reasons.append(f"没有检测到“{ACTION_LABELS[action]}”动作，请按提示完成动作。")
            result.events.extend([None] * (len(challenge) - len(result.events)))
            return result
        pos = idx + 1
    result.passed = True
    return result
