"""In-process profile of location ingestion on PostgreSQL: seeds the bench database like
bench/locations_http.py, then runs ``ingest_fixes`` on N batches of 1,000 fixes under cProfile and prints CPU ms
per batch by stage (top functions by cumulative time).

    python bench/profile_ingest.py [--batches 20] [--devices 200] [--no-seed]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import locations_http as lh  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--devices", type=int, default=200)
    ap.add_argument("--no-seed", action="store_true")
    args = ap.parse_args()
    if not args.no_seed:
        lh.seed(args.devices)
    os.environ["DATABASE_URL"] = lh.DB_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunjiao.settings")
    import django

    django.setup()
    from yunjiao.accounts.models import ApiToken
    from yunjiao.geo import services

    token = ApiToken.objects.filter(kind="device", device_id="*").select_related("org").first()
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=10)
    warm = (args.devices + 19) // 20
    bodies = lh.payloads(args.devices, warm + args.batches, start)
    for b in bodies[:warm]:
        services.ingest_fixes(json.loads(b)["fixes"], device_token=token)
    prof = cProfile.Profile()
    cpu0, t0 = time.process_time(), time.perf_counter()
    prof.enable()
    n = 0
    for b in bodies[warm:]:
        n += services.ingest_fixes(json.loads(b)["fixes"], device_token=token).accepted
    prof.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    print(f"{args.batches} batches, {n} fixes accepted: CPU {cpu / args.batches * 1000:.1f} ms/batch, "
          f"wall {wall / args.batches * 1000:.1f} ms/batch (profiled), load={os.getloadavg()[0]:.1f}")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
