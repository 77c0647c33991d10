"""Check-task benchmark: the daily planning job, the missed-check job and the report snapshots over N subjects.

    python bench/checktasks.py [--subjects 2000] [--miss-rate 0.2] [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Seeds N subjects over every 司法所 of the Jining org tree (levels 严管/普管/宽管, some key / high-risk), then
times, as SYSTEM:
  - `tasks_services.plan_day` for one day (first run creates the tasks; second run: idempotent, nothing new);
  - `tasks_services.mark_missed` at the end of that day after (1 − miss rate) of the tasks were answered
    (grouped anomalies via raise_anomaly, one per subject and day; officer messages per 司法所);
  - `reports.services.generate_snapshots` for the day (every city / county / township org);
  - `reports.services.live_report` of the city (the on-demand page).
Without --database-url a throwaway SQLite file is used; with a PostgreSQL server URL the database
`bench_checktasks` is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from datetime import datetime, timedelta
from datetime import time as dtime

from harness import bench_database  # bench/harness.py (the scripts run as files)

BENCH_DB = "bench_checktasks"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subjects", type=int, default=2000)
    ap.add_argument("--miss-rate", type=float, default=0.2)
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
    from yunjiao.checkins import tasks_services as ts
    from yunjiao.checkins.models import CheckTask, FaceEnrolment
    from yunjiao.core.actors import SYSTEM
    from yunjiao.core.testing import make_subject, make_user
    from yunjiao.notifications.models import Message
    from yunjiao.orgs.models import Org
    from yunjiao.orgs.services import load_jining_orgs
    from yunjiao.reports import rules, services
    from yunjiao.subjects.models import Subject

    call_command("migrate", verbosity=0)
    load_jining_orgs()
    rng = random.Random(args.seed)
    towns = list(Org.objects.filter(level="township"))
    t0 = time.perf_counter()
    for i in range(args.subjects):
        make_subject(rng.choice(towns), name=f"对象{i}", supervision_level=rng.choice(["strict", "normal", "lenient"]),
                     is_key_subject=rng.random() < 0.05, risk_level="high" if rng.random() < 0.1 else "medium")
    FaceEnrolment.objects.bulk_create([FaceEnrolment(subject_id=pk, version=1, photo_count=1)
                                       for pk in Subject.objects.values_list("pk", flat=True)])
    for i, town in enumerate(towns):
        make_user(f"officer{i}", "township_officer", town)
    seed_s = time.perf_counter() - t0
    tz = timezone.get_current_timezone()
    day = timezone.localdate() + timedelta(days=1)
    before = datetime.combine(day, dtime(0, 5), tzinfo=tz)

    t0 = time.perf_counter()
    first = ts.plan_day(day, actor=SYSTEM, now=before)
    plan1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    second = ts.plan_day(day, actor=SYSTEM, now=before)
    plan2 = time.perf_counter() - t0

    ids = list(CheckTask.objects.values_list("pk", flat=True))
    answered = rng.sample(ids, int(len(ids) * (1 - args.miss_rate)))
    CheckTask.objects.filter(pk__in=answered).update(status="done")
    t0 = time.perf_counter()
    missed = ts.mark_missed(now=datetime.combine(day, dtime(21, 30), tzinfo=tz), actor=SYSTEM)
    miss_s = time.perf_counter() - t0

    period = rules.period_for("day", day)
    end = datetime.combine(day + timedelta(days=1), dtime(0, 45), tzinfo=tz)
    t0 = time.perf_counter()
    n_orgs = services.generate_snapshots(period, actor=SYSTEM, now=end)
    snap_s = time.perf_counter() - t0
    city = Org.objects.get(level="city")
    t0 = time.perf_counter()
    data = services.live_report(city, period, actor=SYSTEM, now=end)
    live_s = time.perf_counter() - t0

    n = args.subjects
    print(f"\n## Check tasks: planning, missed checks, report snapshots ({connection.vendor})\n")
    print(f"- command: `python bench/checktasks.py --subjects {n} --miss-rate {args.miss_rate}"
          + (" --database-url …" if args.database_url else "") + "`")
    print(f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}, shared with other helpers; "
          f"date {time.strftime('%Y-%m-%d')}")
    print(f"- data: {n} subjects over {len(towns)} 司法所 (seeded in {seed_s:.0f} s)\n")
    print("| step | time | rate |\n|---|---|---|")
    print(f"| `plan_day`, first run ({first.created} tasks) | {plan1:.2f} s | {n / plan1:.0f} subjects/s |")
    print(f"| `plan_day`, second run (idempotent: {second.created} new, {second.existing} existing) | {plan2:.2f} s "
          f"| {n / plan2:.0f} subjects/s |")
    print(f"| `mark_missed` ({missed.missed} missed → {Anomaly.objects.count()} anomalies, "
          f"{Message.objects.filter(category='checkin').count()} officer messages) | {miss_s:.2f} s "
          f"| {missed.missed / miss_s:.0f} tasks/s |")
    print(f"| `generate_snapshots` day report, {n_orgs} orgs | {snap_s:.2f} s | {n_orgs / snap_s:.0f} orgs/s |")
    print(f"| `live_report` city (on-demand page; {data['total']['scheduled']} tasks) | {live_s * 1000:.0f} ms | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
