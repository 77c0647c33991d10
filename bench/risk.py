"""Risk benchmark: the daily key-subject evaluation and the warning scans over N subjects.

    python bench/risk.py [--subjects 2000] [--anomaly-rate 0.3] [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Seeds N subjects over every 司法所 of the Jining org tree (test helper `make_subject`), gives a share of them
anomalies (1–4 each, some lost contact), then times, as SYSTEM:
  - `risk.services.evaluate_all` (facts from the anomaly queue, rules, RiskAssessment upsert, proposals + audit),
    a first run (creates proposals) and a second run (steady state: nothing new);
  - `risk.warnings.scan_anomalies` + `scan_warnings` (the 5-minute job).
Without --database-url a throwaway SQLite file in a temporary directory is used; with a PostgreSQL server URL
the database `bench_risk` is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from datetime import timedelta

from harness import bench_database  # bench/harness.py (the scripts run as files)

BENCH_DB = "bench_risk"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subjects", type=int, default=2000)
    ap.add_argument("--anomaly-rate", type=float, default=0.3)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)
    with bench_database(BENCH_DB, args.database_url):
        return run(args)


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from yunjiao.anomalies.models import Anomaly
    from yunjiao.anomalies.services import raise_anomaly
    from yunjiao.core.testing import make_subject
    from yunjiao.orgs.models import Org
    from yunjiao.orgs.services import load_jining_orgs
    from yunjiao.risk import services, warnings
    from yunjiao.risk.models import Proposal, Warning

    call_command("migrate", verbosity=0)
    load_jining_orgs()
    rng = random.Random(args.seed)
    towns = list(Org.objects.filter(level="township"))
    charges = ["盗窃罪", "诈骗罪", "故意伤害罪", "危险驾驶罪", "贩卖毒品罪", "寻衅滋事罪", "强奸罪", "交通肇事罪"]
    t0 = time.perf_counter()
    now = timezone.now()
    subjects = []
    for i in range(args.subjects):
        s = make_subject(rng.choice(towns), name=f"对象{i}", charges=rng.choice(charges),
                         employment=rng.choice(["employed", "unemployed", "student"]),
                         is_recidivist=rng.random() < 0.1, supervision_level=rng.choice(["strict", "normal"]))
        subjects.append(s)
    with_anomalies = rng.sample(subjects, int(len(subjects) * args.anomaly_rate))
    for s in with_anomalies:
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(["checkin_missed", "boundary_exit", "face_mismatch", "lost_contact"])
            raise_anomaly(s, kind=kind, summary="bench", episode=str(rng.randint(0, 3)),
                          at=now - timedelta(hours=rng.randint(0, 24 * 40)))
    seed_s = time.perf_counter() - t0
    n_anom = Anomaly.objects.count()

    t0 = time.perf_counter()
    services.evaluate_all()
    first = time.perf_counter() - t0
    proposals = Proposal.objects.count()
    t0 = time.perf_counter()
    services.evaluate_all()
    second = time.perf_counter() - t0
    t0 = time.perf_counter()
    raised = warnings.scan_anomalies()
    scan_a = time.perf_counter() - t0
    t0 = time.perf_counter()
    escalated = warnings.scan_warnings(now=timezone.now() + timedelta(hours=5))
    scan_w = time.perf_counter() - t0
    n = args.subjects
    db = connection.vendor
    print(f"\n## Risk: daily key-subject evaluation and warning scans ({db})\n")
    print(f"- command: `python bench/risk.py --subjects {n}" + (" --database-url …" if args.database_url else "") + "`")
    print(f"- machine: {os.cpu_count()} cores, {platform.python_version()}, shared with other helpers; "
          f"date {time.strftime('%Y-%m-%d')}")
    print(f"- data: {n} subjects, {n_anom} anomalies (seeded in {seed_s:.0f} s)")
    print(f"- `evaluate_all`, first run: {first:.1f} s ({n / first:.0f} subjects/s), {proposals} proposals created")
    print(f"- `evaluate_all`, second run (steady state): {second:.1f} s ({n / second:.0f} subjects/s)")
    print(f"- `scan_anomalies`: {scan_a:.2f} s, {raised} warnings raised or upgraded "
          f"({Warning.objects.count()} warnings)")
    print(f"- `scan_warnings` 5 h later: {scan_w:.2f} s, {escalated} escalations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
