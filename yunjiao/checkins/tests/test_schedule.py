"""Check-in schedules: random windows in waking hours, never at night, spaced; stratified spot checks."""

import random
from collections import Counter
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from yunjiao.checkins import schedule as s

TZ = ZoneInfo("Asia/Shanghai")
SECRET = "test-secret"


@pytest.mark.parametrize("level,key,high,per_week", [
    ("strict", False, False, 14), ("normal", False, False, 7), ("lenient", False, False, 3),
    ("lenient", True, False, 10), ("normal", False, True, 10), ("unknown", False, False, 7),
])
def test_policy_for(level, key, high, per_week):
    assert s.policy_for(level, key_subject=key, high_risk=high).per_week == per_week


@pytest.mark.parametrize("level", ["strict", "normal", "lenient"])
def test_a_week_has_exactly_per_week_checks(level):
    policy = s.policy_for(level)
    monday = date(2026, 11, 23)
    for subject in range(50):
        n = sum(s.checks_on_day(policy, monday + timedelta(days=i), secret=SECRET, subject_key=subject)
                for i in range(7))
        assert n == policy.per_week


def test_windows_are_in_waking_hours_spaced_and_never_after_midnight():
    policy = s.policy_for("strict", key_subject=True)  # 21 a week: 3 a day
    for subject in range(200):
        for d in range(7):
            day = date(2026, 11, 23) + timedelta(days=d)
            windows = s.plan_day(policy, day, secret=SECRET, subject_key=subject, tz=TZ)
            for w in windows:
                assert time(8, 0) <= w.opens_at.timetz().replace(tzinfo=None)
                assert w.due_at.timetz().replace(tzinfo=None) <= time(21, 0)
                assert w.due_at - w.opens_at == timedelta(minutes=30)
            for a, b in zip(windows, windows[1:], strict=False):
                assert b.opens_at - a.opens_at >= timedelta(minutes=policy.min_gap_minutes)


def test_windows_are_unpredictable_without_the_secret_but_reproducible():
    policy = s.policy_for("normal")
    day = date(2026, 11, 24)
    a = s.plan_day(policy, day, secret=SECRET, subject_key=1, tz=TZ)
    assert a == s.plan_day(policy, day, secret=SECRET, subject_key=1, tz=TZ)
    others = [s.plan_day(policy, day, secret=f"other{i}", subject_key=1, tz=TZ) for i in range(20)]
    assert any(o != a for o in others)


def test_times_spread_over_the_whole_day():
    policy = s.policy_for("normal")
    hours = Counter()
    for subject in range(500):
        for w in s.plan_day(policy, date(2026, 11, 24), secret=SECRET, subject_key=subject, tz=TZ):
            hours[w.opens_at.hour] += 1
    assert set(hours) >= set(range(8, 20))  # no fixed time slot a subject could learn


def test_overfull_day_squeezes_the_gap_but_stays_in_waking_hours():
    policy = s.CheckPolicy(per_week=70)  # 10 a day
    windows = s.plan_day(policy, date(2026, 11, 24), secret=SECRET, subject_key=9, tz=TZ)
    assert len(windows) == 10
    assert windows[-1].due_at.timetz().replace(tzinfo=None) <= time(21, 0)


@pytest.mark.parametrize("hour,quiet", [(7, True), (8, False), (20, False), (21, True), (0, True)])
def test_quiet_hours(hour, quiet):
    from datetime import datetime

    assert s.is_quiet_hour(datetime(2026, 11, 24, hour, 30, tzinfo=TZ), s.policy_for("normal")) is quiet


def test_stratified_sample_covers_every_stratum_proportionally():
    items = [("strict", i) for i in range(10)] + [("normal", i) for i in range(60)] + \
            [("lenient", i) for i in range(30)]
    picked = s.stratified_sample(items, key=lambda x: x[0], n=10, rng=random.Random(1))
    counts = Counter(level for level, _ in picked)
    assert len(picked) == 10 and counts == {"strict": 1, "normal": 6, "lenient": 3}
    picked = s.stratified_sample(items, key=lambda x: x[0], n=3, rng=random.Random(2))
    assert Counter(level for level, _ in picked) == {"strict": 1, "normal": 1, "lenient": 1}
    assert len(s.stratified_sample(items, key=lambda x: x[0], n=500, rng=random.Random(3))) == 100
