"""Burst-path alignment on a labelled photo set: each photo as a phone frame (≤ 640 px, JPEG q80) embedded the
way ``verify_burst`` does it, scored against every other photo's enrolment template.

    .venv/bin/python bench/face_burst_alignment.py [/work/shared/data/faces]

Rows: alignment points from the whole frame at 192 px (the code before 2026-11-28 17:00), from the whole frame at
160 px, and from the 160-px count plus the crop re-detection (``recognition.refine_detection``) at 160 and at
``burst_align_max_side`` px (what ``verify_burst`` does now).  Genuine = same person, different photo.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunjiao.settings")


def main() -> None:
    import django

    django.setup()
    import cv2
    import numpy as np

    from yunjiao.checkins.face.config import get_config
    from yunjiao.checkins.face.evaluation import SKIP_PREFIXES, auc, embed_largest_face, read_labels
    from yunjiao.checkins.face.recognition import detect_faces, embed, refine_detection

    cv2.setNumThreads(1)
    cfg = get_config()
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/faces")
    rows = [(p, who) for p, who in read_labels(directory) if who and not who.upper().startswith(SKIP_PREFIXES)]
    variants = {
        "whole frame 192 px": lambda img, d160, d192: d192,
        "whole frame 160 px": lambda img, d160, d192: d160,
        "160 px + crop 160 px": lambda img, d160, d192: refine_detection(img, d160, side=160),
        f"160 px + crop {cfg.burst_align_max_side} px (now)": lambda img, d160, d192: refine_detection(
            img, d160, side=cfg.burst_align_max_side
        ),
    }
    templates, frames = {}, {k: {} for k in variants}
    for path, person in rows:
        template = embed_largest_face(path)
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if template is None or image is None:
            print(f"skipped {path.name}: no face")
            continue
        h, w = image.shape[:2]
        s = 640 / max(h, w)
        if s < 1:
            image = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        image = cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1], cv2.IMREAD_COLOR)
        d192, d160 = detect_faces(image, max_side=192), detect_faces(image, max_side=160)
        if not d192 or not d160:
            print(f"skipped {path.name}: no face in the frame")
            continue
        templates[path] = (person, template)
        for name, pick in variants.items():
            frames[name][path] = embed(image, pick(image, d160[0], d192[0]))
    print(f"{len(templates)} photos, {len({p for p, _ in templates.values()})} people")
    print("| alignment points from | AUC | genuine min / median | impostor max | FRR@accept | FAR@accept | FAR@review |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, emb in frames.items():
        genuine, impostor = [], []
        for pa, ea in emb.items():
            for pb, (person_b, tb) in templates.items():
                if pa != pb:
                    (genuine if templates[pa][0] == person_b else impostor).append(float(np.dot(ea, tb)))
        g, i = np.array(genuine), np.array(impostor)
        print(
            f"| {name} | {auc(g, i):.4f} | {g.min():.3f} / {np.median(g):.3f} | {i.max():.3f} | "
            f"{(g < cfg.accept_threshold).mean():.2%} | {(i >= cfg.accept_threshold).mean():.2%} | "
            f"{(i >= cfg.review_threshold).mean():.2%} |  ({len(g)} genuine, {len(i)} impostor)"
        )


if __name__ == "__main__":
    main()
