"""Benchmark: server-side verification of one 15-frame check-in burst.

    .venv/bin/python bench/checkins.py [--runs 60] [--workers 2] [--seconds 30] [--no-geofence]
                                       [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Per check: JPEG decode ×15, YuNet detection ×15 (at 160 px, counts the faces), MediaPipe face mesh ×15
(tracking, reset per burst), liveness, for the 2 frames picked for matching (``--embed-frames N`` to change)
a YuNet re-detection on a crop around the face (alignment points) and an SFace embedding, cosine compare.  Frames: the real clip (frames 84–112, every 2nd, a head
turn), padded to 640x480 and JPEG q80 like the phone page sends them.

Geofence: each check also takes the location verdict exactly as ``submit_checkin`` does
(``checkins.services.location_status_for`` → ``geo.services.location_verdict``: the subject's allowed area from
its execution county, leave windows and 禁止令 zones, read from a throw-away bench database — SQLite by default,
PostgreSQL with ``--database-url`` — with the 济宁 orgs and one subject in 任城区); ``--no-geofence`` leaves it out.

Latency: one process, sequential checks.  Throughput: N worker processes (OpenCV limited to 1 thread each),
each verifying bursts back to back for --seconds; reports completed checks/s and the per-check latency
under that load.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunjiao.settings")

CLIP = ROOT / "yunjiao" / "checkins" / "tests" / "data" / "video" / "fr_short_hamilton_clip.mp4"
PHOTO = ROOT / "yunjiao" / "checkins" / "tests" / "data" / "faces" / "fr_lin-manuel-miranda.png"
JINING = (35.4153, 116.5871)


def load_inputs():
    import cv2
    import numpy as np

    from yunjiao.checkins.face.recognition import check_enrolment_photo

    cap = cv2.VideoCapture(str(CLIP))
    frames = []
    i = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if 84 <= i <= 112 and i % 2 == 0:
            padded = cv2.copyMakeBorder(frame, 60, 60, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0))
            frames.append(cv2.imencode(".jpg", padded, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())
        i += 1
    times = [k * 2 / 30 for k in range(len(frames))]
    template = check_enrolment_photo(PHOTO.read_bytes()).template
    assert len(frames) == 15 and template is not None
    return frames, times, [np.asarray(template)]


def make_check(embed_frames: int, subject_pk: int | None):
    from django.utils import timezone

    from yunjiao.checkins.face.burst import verify_burst
    from yunjiao.checkins.face.config import FaceConfig
    from yunjiao.checkins.models import LocationStatus
    from yunjiao.checkins.services import location_status_for
    from yunjiao.subjects.models import Subject

    cfg = FaceConfig(embed_frames=embed_frames)
    subject = Subject.objects.select_related("execution_org").get(pk=subject_pk) if subject_pk else None
    frames, times, templates = load_inputs()

    def check():
        result = verify_burst(frames, times, ["turn_right"], templates, config=cfg)
        assert result.passed, result.reasons
        if subject is not None:
            verdict = location_status_for(subject, timezone.now(), *JINING, 12.0, "wgs84")
            assert verdict == LocationStatus.INSIDE, verdict
        return result

    return check


def pct(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _setup_django():
    import django

    django.setup()


def latency(runs: int, embed_frames: int, subject_pk: int | None) -> dict:
    import cv2

    cv2.setNumThreads(1)  # as in the workers: one check per core
    check = make_check(embed_frames, subject_pk)
    for _ in range(3):
        check()
    lat, cpu, parts = [], [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        r = check()
        lat.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        parts.append(r.timings_ms)
    breakdown = {k: round(statistics.median(p[k] for p in parts), 1) for k in parts[0]}
    return {
        "runs": runs,
        "p50_ms": round(pct(lat, 0.5), 1),
        "p95_ms": round(pct(lat, 0.95), 1),
        "max_ms": round(max(lat), 1),
        "cpu_ms_per_check_median": round(statistics.median(cpu), 1),
        "median_breakdown_ms": breakdown,
    }


def _worker(embed_frames, subject_pk, seconds, barrier, queue):
    import cv2

    cv2.setNumThreads(1)
    _setup_django()
    check = make_check(embed_frames, subject_pk)
    for _ in range(3):
        check()
    barrier.wait()  # all workers loaded and warm: start together
    lat = []
    t0 = time.perf_counter()
    c0 = time.process_time()
    while time.perf_counter() - t0 < seconds:
        t = time.perf_counter()
        check()
        lat.append((time.perf_counter() - t) * 1000)
    queue.put((lat, time.perf_counter() - t0, time.process_time() - c0))


def throughput(workers: int, seconds: float, embed_frames: int, subject_pk: int | None) -> dict:
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(workers), ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(embed_frames, subject_pk, seconds, barrier, queue))
        for _ in range(workers)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    lat = [x for r in results for x in r[0]]
    rate = sum(len(r[0]) / r[1] for r in results)
    cpu_per_check = sum(r[2] for r in results) / max(1, len(lat)) * 1000
    return {
        "workers": workers,
        "seconds": seconds,
        "checks": len(lat),
        "checks_per_s": round(rate, 2),
        "cpu_ms_per_check": round(cpu_per_check, 1),
        "p50_ms_under_load": round(pct(lat, 0.5), 1),
        "p95_ms_under_load": round(pct(lat, 0.95), 1),
    }


def _bench_subject() -> int:
    from django.core.management import call_command

    from yunjiao.core.testing import make_subject
    from yunjiao.orgs.models import Org
    from yunjiao.orgs.services import load_jining_orgs

    call_command("migrate", verbosity=0)
    load_jining_orgs()
    town = Org.objects.filter(level="township", parent__code="370811").order_by("code").first()
    return make_subject(town, name="核查基准").pk


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--embed-frames", type=int, default=2)
    ap.add_argument("--no-geofence", action="store_true", help="leave the location verdict out")
    ap.add_argument("--database-url", default="", help="PostgreSQL server for the bench database (default SQLite)")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from harness import bench_database

    with bench_database("bench_checkins", a.database_url):
        _setup_django()
        subject_pk = None if a.no_geofence else _bench_subject()
        out = {
            "machine": f"{os.cpu_count()} cores, {platform.python_version()}, {platform.machine()}",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "loadavg_before": open("/proc/loadavg").read().split()[:3],
            "embed_frames": a.embed_frames,
            "geofence": "NOT INCLUDED (--no-geofence)" if a.no_geofence else
            "included: checkins.services.location_status_for on " + ("PostgreSQL" if a.database_url else "SQLite"),
            "latency_single_process": latency(a.runs, a.embed_frames, subject_pk),
            "throughput": throughput(a.workers, a.seconds, a.embed_frames, subject_pk),
        }
        with open("/proc/loadavg") as fh:
            out["loadavg_after"] = fh.read().split()[:3]
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
