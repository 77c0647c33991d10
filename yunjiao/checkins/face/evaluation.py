"""Error rates of the face matcher on a labelled folder (used by ``manage.py face_eval``)."""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .config import FaceConfig
from .recognition import detect_faces, embed

SKIP_PREFIXES = ("DUPLICATE", "MULTI", "SPOOF", "VIDEO")


@dataclass
class PairScores:
    genuine: np.ndarray
    impostor: np.ndarray


@dataclass
class EvalReport:
    images: int
    people: int
    skipped: list[tuple[str, str]]
    genuine_pairs: int
    impostor_pairs: int
    auc: float
    far_accept: float
    frr_accept: float
    far_review: float
    frr_review: float
    threshold_far_0_1: float
    frr_at_far_0_1: float
    genuine_min: float
    impostor_max: float
    far_resolution: float


def read_labels(directory: Path, csv_name: str | None = None) -> list[tuple[Path, str]]:
    directory = Path(directory)
    csv_path = directory / csv_name if csv_name else next(iter(sorted(directory.glob("*.csv"))), None)
    if csv_path is None or not csv_path.is_file():
        raise FileNotFoundError(f"{directory} 中没有标注文件（CSV，列 file,person）")
    rows = []
    with csv_path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append((directory / row["file"], row["person"].strip()))
    return rows


def embed_largest_face(path: Path) -> np.ndarray | None:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        return None
    h, w = image.shape[:2]
    if max(h, w) > 1280:
        s = 1280 / max(h, w)
        image = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    faces = detect_faces(image)
    if not faces:
        return None
    return embed(image, faces[0])


def pair_scores(embeddings: list[tuple[str, np.ndarray]]) -> PairScores:
    genuine, impostor = [], []
    for (pa, ea), (pb, eb) in itertools.combinations(embeddings, 2):
        (genuine if pa == pb else impostor).append(float(np.dot(ea, eb)))
    return PairScores(np.array(genuine, dtype=np.float64), np.array(impostor, dtype=np.float64))


def auc(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """Probability that a random genuine pair scores above a random impostor pair (ties count half)."""
    if len(genuine) == 0 or len(impostor) == 0:
        return float("nan")
    imp = np.sort(impostor)
    below = np.searchsorted(imp, genuine, side="left")
    below_or_equal = np.searchsorted(imp, genuine, side="right")
    return float((below + below_or_equal).sum() / 2 / (len(genuine) * len(impostor)))


def rates(scores: PairScores, threshold: float) -> tuple[float, float]:
    """(FAR, FRR) when a pair is accepted at score ≥ threshold."""
    far = float((scores.impostor >= threshold).mean()) if len(scores.impostor) else float("nan")
    frr = float((scores.genuine < threshold).mean()) if len(scores.genuine) else float("nan")
    return far, frr


def threshold_for_far(impostor: np.ndarray, target: float) -> float:
    """Lowest threshold whose FAR ≤ target (accept at score ≥ threshold)."""
    if len(impostor) == 0:
        return float("nan")
    desc = np.sort(impostor)[::-1]
    allowed = math.floor(target * len(desc))
    if allowed >= len(desc):
        return float(desc[-1])
    return float(np.nextafter(desc[allowed], np.inf))


def evaluate(rows: list[tuple[Path, str]], cfg: FaceConfig, *, far_target: float = 0.001) -> EvalReport:
    skipped, embeddings = [], []
    for path, person in rows:
        if not person or person.upper().startswith(SKIP_PREFIXES):
            skipped.append((path.name, person or "无标注"))
            continue
        vec = embed_largest_face(path)
        if vec is None:
            skipped.append((path.name, "无法读取或未检测到人脸"))
            continue
        embeddings.append((person, vec))
    scores = pair_scores(embeddings)
    far_a, frr_a = rates(scores, cfg.accept_threshold)
    far_r, frr_r = rates(scores, cfg.review_threshold)
    thr = threshold_for_far(scores.impostor, far_target)
    _, frr_t = rates(scores, thr)
    return EvalReport(
        images=len(embeddings),
        people=len({p for p, _ in embeddings}),
        skipped=skipped,
        genuine_pairs=len(scores.genuine),
        impostor_pairs=len(scores.impostor),
        auc=auc(scores.genuine, scores.impostor),
        far_accept=far_a,
        frr_accept=frr_a,
        far_review=far_r,
        frr_review=frr_r,
        threshold_far_0_1=thr,
        frr_at_far_0_1=frr_t,
        genuine_min=float(scores.genuine.min()) if len(scores.genuine) else float("nan"),
        impostor_max=float(scores.impostor.max()) if len(scores.impostor) else float("nan"),
        far_resolution=1 / len(scores.impostor) if len(scores.impostor) else float("nan"),
    )
