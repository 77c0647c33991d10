"""Benchmark: e矫通 hot paths on the embedded SQLite default.

    .venv/bin/python bench/education.py [--heartbeats 600] [--ranges 200] [--subjects 300]

1. Playback heartbeat through the whole HTTP stack (Django test client, session auth, JSON, service with
   select_for_update, interval merge, audit-free path): latency per heartbeat.
2. Video range requests (1 MiB ranges at random offsets of a 64 MiB file, streamed): latency and MB/s.
3. Month-end accounting (`close_month`) for N subjects with hours credits and level changes.

Uses a throwaway SQLite database and media directory under a temp dir (never the project's var/).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="bench_edu_"))
os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
os.environ["MEDIA_ROOT"] = str(TMP / "media")
os.environ["HUEY_IMMEDIATE"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunjiao.settings")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heartbeats", type=int, default=600)
    ap.add_argument("--ranges", type=int, default=200)
    ap.add_argument("--subjects", type=int, default=300)
    args = ap.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.EDUCATION_FACE_CHECKS = False
    call_command("migrate", verbosity=0)

    from datetime import date, timedelta
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from yunjiao.core.testing import build_cast, make_subject
    from yunjiao.education import services
    from yunjiao.education.models import HoursCredit, StudySession
    from yunjiao.subjects.models import SupervisionLevelChange

    cast = build_cast()
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    video = SimpleUploadedFile("big.mp4", head + os.urandom(64 * 1024 * 1024 - len(head)))
    course = services.create_course(actor=cast.county_a_officer, org=cast.county_a, title="基准课程", kind="video",
                                    category="law", hours="1", video=video, duration_seconds=100000)
    services.publish_course(course, actor=cast.county_a_officer)

    client = Client()
    client.force_login(cast.portal_a1)
    assert client.get(reverse("education:m_course", args=[course.pk])).status_code == 200
    session = StudySession.objects.get()
    url = reverse("education:m_heartbeat", args=[session.pk])
    lat = []
    pos = 0.0
    StudySession.objects.filter(pk=session.pk).update(
        last_heartbeat_at=session.started_at - timedelta(days=1))  # wall time never limits the bench
    for i in range(args.heartbeats):
        start = pos if i % 10 else pos + 30  # a skip every 10 heartbeats: the interval list grows
        t = time.perf_counter()
        r = client.post(url, {"start": start, "end": start + 2, "visible": True}, content_type="application/json")
        lat.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.content
        pos = start + 2
    intervals = len(StudySession.objects.get(pk=session.pk).intervals)
    print(f"heartbeat (HTTP, SQLite): n={len(lat)} median {statistics.median(lat):.2f} ms, "
          f"p95 {pct(lat, 0.95):.2f} ms, max {max(lat):.2f} ms; intervals kept {intervals}")

    media = reverse("education:m_media", args=[course.pk])
    size = course.video.size
    lat = []
    total = 0
    for _ in range(args.ranges):
        a = random.randrange(0, size - 1024 * 1024)
        t = time.perf_counter()
        r = client.get(media, HTTP_RANGE=f"bytes={a}-{a + 1024 * 1024 - 1}")
        n = sum(len(c) for c in r.streaming_content)
        lat.append((time.perf_counter() - t) * 1000)
        total += n
        assert r.status_code == 206 and n == 1024 * 1024
    secs = sum(lat) / 1000
    print(f"range 1 MiB (HTTP): n={len(lat)} median {statistics.median(lat):.2f} ms, p95 {pct(lat, 0.95):.2f} ms, "
          f"{total / 1024 / 1024 / secs:.0f} MiB/s")

    month = date(2026, 6, 1)
    subjects = [make_subject(cast.town_a1 if i % 2 else cast.town_b1, name=f"基准{i}") for i in range(args.subjects)]
    HoursCredit.objects.bulk_create([HoursCredit(subject=s, kind=k, day=month + timedelta(days=d), hours=Decimal(2),
                                                 source="基准") for s in subjects for k in ("education", "service")
                                     for d in (3, 12, 20)])
    SupervisionLevelChange.objects.bulk_create([SupervisionLevelChange(
        subject=s, old_level="strict", new_level="normal", reason="基准", effective_date=month + timedelta(days=14))
        for s in subjects[::3]])
    t = time.perf_counter()
    n = services.close_month(month)
    secs = time.perf_counter() - t
    print(f"close_month: {n} subjects in {secs:.2f} s ({secs / n * 1000:.1f} ms each, incl. audit + anomalies)")


if __name__ == "__main__":
    main()
