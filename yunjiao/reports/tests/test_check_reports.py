"""信息化核查报表 on a constructed dataset: numbers per township, county and city; snapshots; Excel; scope."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yunjiao.anomalies import services as anomalies
from yunjiao.anomalies.models import Anomaly
from yunjiao.checkins.models import Checkin, CheckTask
from yunjiao.checkins.testing import make_checkin
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed
from yunjiao.reports import rules, services
from yunjiao.reports.models import CheckReport

DAY = date(2026, 11, 2)  # a Monday


def at(d, hh, mm=0):
    return datetime.combine(d, time(hh, mm), tzinfo=timezone.get_current_timezone())


def _checkin(subject, when, outcome):
    return make_checkin(subject, when, outcome)


def _task(subject, start, status, seq, checkin=None):
    return CheckTask.objects.create(subject=subject, kind="scheduled", plan_date=start.date(), seq=seq,
                                    window_start=start, deadline=start + timedelta(minutes=30), status=status,
                                    checkin=checkin, completed_at=checkin.submitted_at if checkin else None)


@pytest.fixture
def dataset(cast):
    """Day DAY:
    subject_a1 (许庄, 严管): 3 tasks — done (pass), late (mismatch), missed → 1 anomaly, disposed in time
    subject_a2 (李营, 普管): 2 tasks — done (pass), cancelled; 1 boundary anomaly, disposed after its SLA
    subject_b1 (兖州, 宽管): 1 task — missed → 1 anomaly, still open past its SLA
    plus a task and a check-in the next day (outside the day report, inside the week report)."""
    a1, a2, b1 = cast.subject_a1, cast.subject_a2, cast.subject_b1
    for s, lvl in ((a1, "strict"), (a2, "normal"), (b1, "lenient")):
        s.supervision_level = lvl
        s.save()
    _task(a1, at(DAY, 9), "done", 1, _checkin(a1, at(DAY, 9, 10), "pass"))
    _task(a1, at(DAY, 12), "late", 2, _checkin(a1, at(DAY, 12, 45), "mismatch"))
    _task(a1, at(DAY, 16), "missed", 3)
    _task(a2, at(DAY, 10), "done", 1, _checkin(a2, at(DAY, 10, 5), "pass"))
    _task(a2, at(DAY, 15), "cancelled", 2)
    _task(b1, at(DAY, 11), "missed", 1)
    _task(b1, at(DAY + timedelta(days=1), 11), "done", 1, _checkin(b1, at(DAY + timedelta(days=1), 11, 1), "pass"))

    x = anomalies.raise_anomaly(a1, kind="checkin_missed", summary="未响应", at=at(DAY, 16, 30), episode="d")
    anomalies.raise_anomaly(a1, kind="checkin_missed", summary="未响应", at=at(DAY, 17), episode="d")  # grouped
    Anomaly.objects.filter(pk=x.pk).update(state="disposed", closed_at=at(DAY, 18))  # due next day: in time
    y = anomalies.raise_anomaly(a2, kind="boundary_exit", summary="越界", at=at(DAY, 13))
    Anomaly.objects.filter(pk=y.pk).update(state="disposed", closed_at=at(DAY, 13) + timedelta(hours=5))  # SLA 4 h
    anomalies.raise_anomaly(b1, kind="checkin_missed", summary="未响应", at=at(DAY, 11, 30))
    return cast


NOW = at(DAY + timedelta(days=3), 12)


def _report(cast, org, kind="day", actor=None):
    return services.live_report(org, rules.period_for(kind, DAY), actor=actor or cast.city_admin, now=NOW)


@pytest.mark.parametrize(("org", "expect"), [
    ("town_a1", dict(scheduled=3, done=1, late=1, missed=1, cancelled=0, due=3, completion_rate=66.7,
                     on_time_rate=33.3, checkins=2, passed=1, pass_rate=50.0, anomalies=1, occurrences=2,
                     closed=1, within_sla=1, sla_rate=100.0, overdue_open=0)),
    ("town_a2", dict(scheduled=1, done=1, late=0, missed=0, cancelled=1, due=1, completion_rate=100.0,
                     checkins=1, passed=1, pass_rate=100.0, anomalies=1, closed=1, within_sla=0, sla_rate=0.0)),
    ("town_b1", dict(scheduled=1, done=0, missed=1, completion_rate=0.0, checkins=0, pass_rate=None, anomalies=1,
                     closed=0, sla_rate=None, overdue_open=1)),
    ("county_a", dict(scheduled=4, done=2, late=1, missed=1, cancelled=1, due=4, completion_rate=75.0,
                      on_time_rate=50.0, checkins=3, passed=2, pass_rate=66.7, anomalies=2, occurrences=3,
                      closed=2, within_sla=1, sla_rate=50.0)),
    ("city", dict(scheduled=5, done=2, late=1, missed=2, due=5, completion_rate=60.0, on_time_rate=40.0,
                  checkins=3, passed=2, anomalies=3, closed=2, within_sla=1, overdue_open=1)),
])
def test_day_report_numbers_per_level(dataset, org, expect):
    total = _report(dataset, getattr(dataset, org))["total"]
    assert {k: total[k] for k in expect} == expect


def test_rows_children_levels_and_kinds(dataset):
    city = _report(dataset, dataset.city)
    rows = {r["name"]: r for r in city["rows"]}
    assert rows["任城区司法局"]["scheduled"] == 4 and rows["兖州区司法局"]["missed"] == 1
    county = _report(dataset, dataset.county_a)
    assert {r["name"]: r["scheduled"] for r in county["rows"] if r["scheduled"]} == {
        dataset.town_a1.name: 3, dataset.town_a2.name: 1}
    assert {r["level"]: r["scheduled"] for r in city["levels"]} == {"strict": 3, "normal": 1, "lenient": 1}
    assert [(k["kind"], k["rows"], k["occurrences"]) for k in city["kinds"]] == [
        ("checkin_missed", 2, 3), ("boundary_exit", 1, 1)]
    assert {o["outcome"]: o["n"] for o in city["outcomes"]} == {"pass": 2, "mismatch": 1}
    week = _report(dataset, dataset.city, "week")["total"]
    assert week["scheduled"] == 6 and week["checkins"] == 4


def test_scope_of_reports(dataset):
    with pytest.raises(NotAllowed):
        _report(dataset, dataset.town_b1, actor=dataset.officer_a1)
    with pytest.raises(NotAllowed):
        _report(dataset, dataset.county_a, actor=dataset.officer_a1)
    assert _report(dataset, dataset.town_a2, actor=dataset.county_a_officer)["total"]["scheduled"] == 1
    with pytest.raises(NotAllowed):
        _report(dataset, dataset.town_a1, actor=dataset.police_a)


def test_nightly_snapshots_at_period_end(dataset):
    assert [p.kind for p in rules.periods_ended_by(date(2026, 12, 1))] == ["day", "month"]
    assert [p.kind for p in rules.periods_ended_by(date(2026, 11, 9))] == ["day", "week"]
    n = services.generate_snapshots(rules.period_for("day", DAY), actor=SYSTEM, now=NOW)
    assert n == CheckReport.objects.filter(period="day").count() > 5
    snap = CheckReport.objects.get(org=dataset.county_a, period="day", period_start=DAY)
    assert snap.data["total"]["scheduled"] == 4 and snap.data["complete"]
    services.generate_snapshots(rules.period_for("day", DAY), actor=SYSTEM, now=NOW)  # idempotent
    assert CheckReport.objects.filter(period="day").count() == n
    assert set(CheckReport.objects.visible_to(dataset.officer_a1).values_list("org_id", flat=True)) == {
        dataset.town_a1.pk}


def test_report_page_excel_and_scope(client, dataset):
    url = reverse("reports:checks")
    client.force_login(dataset.county_a_officer)
    page = client.get(url, {"period": "day", "date": DAY.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and dataset.town_a1.name in html
    assert "75.0%" in html  # county completion rate
    r = client.get(url, {"period": "day", "date": DAY.isoformat(), "format": "xlsx"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == ["汇总", "按管理等级", "异常类型", "签到结果"]
    rows = list(wb["汇总"].iter_rows(values_only=True))
    total = next(row for row in rows if row and row[0] == "合计")
    assert total[1:5] == (4, 2, 1, 1) and total[7] == "75.0%"
    assert client.get(url, {"org": dataset.town_b1.pk}).status_code == 404
    assert client.get(url, {"org": dataset.city.pk}).status_code == 404
    assert client.get(url, {"date": "not-a-date"}).status_code == 200
    client.force_login(dataset.officer_a1)
    r = client.post(url, {"period": "week", "date": DAY.isoformat(), "org": dataset.town_a1.pk})
    assert r.status_code == 302 and CheckReport.objects.filter(org=dataset.town_a1, period="week").exists()
    assert client.post(url, {"period": "week", "org": dataset.town_a2.pk}).status_code == 404


def test_tasks_stay_with_the_office_and_level_they_were_set_for(dataset):
    """After 执行地变更 (许庄 → 兖州) and a level change, the day's tasks and check-ins still count for 许庄 and 严管:
    the snapshot on the row, not the subject's current values (rows without a snapshot use the current ones)."""
    a1 = dataset.subject_a1
    CheckTask.objects.filter(subject=a1).update(org_path=a1.org_path, supervision_level="strict")
    Checkin.objects.filter(subject=a1).update(org_path=a1.org_path)
    type(a1).objects.filter(pk=a1.pk).update(org_path=dataset.town_b1.path, township=dataset.town_b1,
                                             supervision_level="lenient")
    assert _report(dataset, dataset.town_a1)["total"]["scheduled"] == 3
    assert _report(dataset, dataset.town_a1)["total"]["checkins"] == 2
    assert _report(dataset, dataset.town_b1)["total"]["scheduled"] == 1
    city = _report(dataset, dataset.city)
    assert {r["level"]: r["scheduled"] for r in city["levels"]} == {"strict": 3, "normal": 1, "lenient": 1}


def test_snapshot_is_taken_when_a_task_is_set(cast):
    from yunjiao.checkins.tasks_services import order_checks

    [task] = order_checks([cast.subject_a1], actor=cast.officer_a1, minutes=30)
    assert (task.org_path, task.supervision_level) == (cast.subject_a1.org_path, cast.subject_a1.supervision_level)
