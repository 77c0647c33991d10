"""Subject registry benchmark: 100,000 subjects, list / pinyin search / ID-digest lookup latency.

    python bench/subjects.py [--subjects 100000] [--requests 50] [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Seeds N synthetic subjects over every 司法所 of the Jining org tree with the demo generator
(`subjects.demo.demo_subject`) through `subjects.services.import_subjects` (bulk_create in batches of 1000;
every row validated, SM4-encrypted identifiers and keyed SM3 digests are real), then requests, through the
Django test client, as a township officer (许庄) and as the city administrator:

  - the subject list page, first page;
  - the list page filtered by status + category + management level;
  - a pinyin-initials search (the first two initials of a subject of that township);
  - an ID-number lookup (`?q=<18-digit id>`: exact match through the keyed digest).

Each request kind is timed `--requests` times (after two warm-up requests); p50 and p95 are reported.
Without --database-url a throwaway SQLite file is used; with a PostgreSQL server URL the database
`yj_bench_subjects` is dropped and created (and dropped again at the end unless --keep).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from pathlib import Path

from harness import bench_database  # bench/harness.py (the scripts run as files)

BENCH_DB = "yj_bench_subjects"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subjects", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--keep", action="store_true",
                    help="keep (and reuse, if it exists) the PostgreSQL database yj_bench_subjects")
    ap.add_argument("--sqlite-file", default="", help="SQLite file to use (kept; seeding skipped if it has data)")
    args = ap.parse_args(argv)
    # A kept database keeps its key file (the field key is generated into var/keys) next to it / in /tmp.
    var_dir = ""
    if args.sqlite_file:
        var_dir = str(Path(args.sqlite_file).resolve().parent / "bench_var")
    elif args.keep:
        var_dir = str(Path(tempfile.gettempdir()) / "yj_bench_subjects_var")
    with bench_database(BENCH_DB, args.database_url, keep=args.keep, sqlite_file=args.sqlite_file,
                        var_dir=var_dir, env={"AXES_ENABLED": "false"}):
        return run(args)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from yunjiao.accounts.models import Role, User
    from yunjiao.core.actors import SYSTEM
    from yunjiao.orgs.models import Org, OrgLevel
    from yunjiao.orgs.services import load_jining_orgs
    from yunjiao.subjects.demo import demo_subject
    from yunjiao.subjects.models import Subject
    from yunjiao.subjects.services import import_subjects

    call_command("migrate", verbosity=0)
    load_jining_orgs()
    rng = random.Random(args.seed)
    townships = list(Org.objects.filter(level=OrgLevel.TOWNSHIP).select_related("parent").order_by("code"))
    today = timezone.localdate()
    t0 = time.perf_counter()
    created = already = Subject.objects.count()
    chunk = 10_000
    while created < args.subjects:
        n = min(chunk, args.subjects - created)
        rows = [(demo_subject(rng, t, today=today), t) for t in rng.choices(townships, k=n)]
        created += import_subjects(rows, actor=SYSTEM)
    seed_s = time.perf_counter() - t0
    seeded = created - already
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    town = Org.objects.get(code="370811002")
    city = Org.objects.get(code="370800")
    users = {
        f"township officer (许庄, {Subject.objects.filter(org_path=town.path).count()} subjects)":
            User.objects.get_or_create(username="bench_town", role=Role.TOWNSHIP_OFFICER, org=town)[0],
        f"city admin ({Subject.objects.count()} subjects)":
            User.objects.get_or_create(username="bench_city", role=Role.CITY_ADMIN, org=city)[0],
    }
    in_town = Subject.objects.filter(org_path=town.path).order_by("id")
    sample = in_town[len(in_town) // 2]
    id_number = sample.id_number
    queries = [
        ("list, first page", ""),
        ("list, filtered (status+category+level)", "?status=in_correction&category=probation&level=normal"),
        (f"pinyin initials search `{sample.name_initials[:2]}`", f"?q={sample.name_initials[:2]}"),
        ("ID-number lookup (digest)", f"?q={id_number}"),
    ]
    results = []
    for label, user in users.items():
        client = Client()
        client.force_login(user)
        for qlabel, qs in queries:
            url = "/subjects/" + qs
            for _ in range(2):
                r = client.get(url)
                assert r.status_code == 200, (url, r.status_code)
            times = []
            for _ in range(args.requests):
                t = time.perf_counter()
                r = client.get(url)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
            if "ID" in qlabel:
                assert sample.number in r.content.decode()
            results.append([label, qlabel, client, url, percentile(times, 0.5), percentile(times, 0.95)])
    # Match counts from the page context (instrumented rendering only after the timings).
    from django.test.utils import setup_test_environment

    setup_test_environment()
    for row in results:
        ctx = row[2].get(row[3]).context
        pg = ctx.get("paginator")
        row[2] = (f"> {pg.cap}" if getattr(pg, "capped", False) else str(pg.count)) if pg else str(len(ctx["object_list"]))
        del row[3]

    db = connection.vendor
    load = os.getloadavg()[0]
    print(f"\n### {db} — {created} subjects\n")
    print(f"- command: `python bench/subjects.py --subjects {args.subjects} --requests {args.requests}"
          + (" --database-url postgres://postgres@127.0.0.1:5432/postgres" if args.database_url else "") + "`")
    print(f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}, shared with other sessions "
          f"(load average {load:.1f} at the end); {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if seeded:
        print(f"- seeding {seeded} subjects (validation, SM4 + SM3, bulk_create): {seed_s:.0f} s "
              f"({seeded / seed_s:.0f} subjects/s)\n")
    else:
        print(f"- reused the seeded database ({created} subjects)\n")
    print("| user | request | matches | p50 ms | p95 ms |")
    print("|---|---|---|---|---|")
    worst = 0.0
    for label, qlabel, shown, p50, p95 in results:
        worst = max(worst, p95)
        print(f"| {label} | {qlabel} | {shown} | {p50:.1f} | {p95:.1f} |")
    print(f"\nworst p95: {worst:.1f} ms (target < 150 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
