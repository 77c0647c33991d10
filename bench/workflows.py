"""Workflow engine timings: one command, a throw-away SQLite database (or DATABASE_URL if set).

    .venv/bin/python bench/workflows.py [N]

Measures: add_working_days (pure), SVG diagram render, start_case + fire (each a transaction with
row lock, TransitionRecord, audit-chain row, status derivation), the deadline scanner over N open
cases, and the to-do query.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
tmp = tempfile.mkdtemp(prefix="wfbench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunjiao.settings")
os.environ.setdefault("HUEY_IMMEDIATE", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def timed(label, fn, n):
    start = time.perf_counter()
    result = fn()
    ms = (time.perf_counter() - start) * 1000
    print(f"{label:<55} {ms:9.1f} ms total  {ms / n:8.3f} ms each  (n={n})")
    return result


def main(n: int = 300):
    call_command("migrate", verbosity=0)
    from yunjiao.core.actors import SYSTEM
    from yunjiao.core.testing import build_cast
    from yunjiao.workflows import calendar as wcal
    from yunjiao.workflows import diagrams, services
    from yunjiao.workflows.engine import get_workflow
    from yunjiao.workflows.models import Case

    cast = build_cast()
    print(f"database: {django.db.connection.vendor}; machine: {os.cpu_count()} cores")
    timed("add_working_days(10) across 2026 春节", lambda: [wcal.add_working_days(date(2026, 2, 12), 10)
                                                         for _ in range(n * 10)], n * 10)
    wf = get_workflow("pre_sentence_assessment")
    timed("diagrams.svg (调查评估, current highlighted)", lambda: [diagrams.svg(wf, current="investigating")
                                                            for _ in range(n // 10 or 1)], n // 10 or 1)
    data = {"commissioning_body": "任城区人民法院", "commissioning_type": "court", "person_name": "测试",
            "person_type": "defendant", "proposed_category": "probation", "received_date": "2026-02-12"}
    cases = timed("start_case(pre_sentence_assessment)", lambda: [
        services.start_case("pre_sentence_assessment", actor=cast.county_a_officer, org=cast.county_a, data=data)
        for _ in range(n)], n)
    timed("fire(assign) incl. lock, record, audit row", lambda: [
        services.fire(c, "assign", actor=cast.county_a_officer, data={"township": cast.town_a1.pk})
        for c in cases], n)
    timed("scan_deadlines over N open cases (first pass: alerts)",
          lambda: services.scan_deadlines(actor=SYSTEM, today=date(2026, 3, 5)), n)
    timed("scan_deadlines again (nothing new)",
          lambda: services.scan_deadlines(actor=SYSTEM, today=date(2026, 3, 5)), n)
    timed("todo_for(township officer) evaluated", lambda: list(services.todo_for(cast.officer_a1)), 1)
    assert Case.objects.filter(state="assigned").count() == n


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
