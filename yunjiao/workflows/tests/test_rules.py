"""Deadline rules and the working-day calendar (no database).

Expected dates are worked out by hand from the State Council's holiday notices:
2025 春节 1-28…2-4 off, 1-26 (Sun) and 2-8 (Sat) worked; 2025 国庆/中秋 10-1…10-8 off, 9-28 (Sun) and
10-11 (Sat) worked; 2026 春节 2-15…2-23 off, 2-14 (Sat) and 2-28 (Sat) worked; 2026 中秋 9-25 off,
国庆 10-1…10-7 off, 9-20 (Sun) and 10-10 (Sat) worked.  Each row names the rule (domain.md §5.1).
"""

from datetime import date, datetime

import pytest

from yunjiao.workflows import calendar as wcal
from yunjiao.workflows import rules

D = date


# (rule, start, expected due, why) — working-day rules (D1: 实施办法, 10 / 5 工作日)
WORKING_DAY_CASES = [
    ("D1", D(2025, 1, 24), D(2025, 2, 13), "2025春节：1-26(日)上班计入，1-28…2-4不计，2-8(六)上班计入"),
    ("D1_FAST", D(2025, 1, 24), D(2025, 2, 7), "2025春节速裁5个工作日"),
    ("D1", D(2025, 9, 26), D(2025, 10, 16), "2025国庆：9-28(日)上班计入，10-1…10-8不计，10-11(六)计入"),
    ("D1_FAST", D(2025, 9, 26), D(2025, 10, 10), "2025国庆速裁"),
    ("D1", D(2026, 2, 12), D(2026, 3, 4), "2026春节：2-14(六)、2-28(六)上班计入，2-15…2-23不计"),
    ("D1_FAST", D(2026, 2, 12), D(2026, 2, 26), "2026春节速裁"),
    ("D1_FAST", D(2026, 2, 16), D(2026, 2, 28), "委托函在假期中收到：期限落在调休上班的周六"),
    ("D1", D(2026, 9, 18), D(2026, 10, 9), "2026中秋国庆：9-20(日)计入，9-25及10-1…10-7不计"),
    ("D1_FAST", D(2026, 9, 18), D(2026, 9, 24), "2026国庆前速裁"),
]


@pytest.mark.parametrize("rule_id,start,expected,why", WORKING_DAY_CASES)
def test_working_day_deadlines_cross_holidays(rule_id, start, expected, why):
    deadline = rules.compute_deadline(rule_id, start)
    assert deadline.due == expected, why
    assert not deadline.fell_back


# (rule, start, roll_forward, expected, why) — calendar-day rules (社区矫正法第20、21条等)
CALENDAR_DAY_CASES = [
    ("D6", D(2026, 2, 10), False, D(2026, 2, 20), "第21条报到10日，不顺延：落在春节假期"),
    ("D6", D(2026, 2, 10), True, D(2026, 2, 24), "顺延到春节后第一个工作日"),
    ("D6", D(2025, 1, 20), True, D(2025, 2, 5), "2025春节顺延"),
    ("D6", D(2025, 9, 24), True, D(2025, 10, 9), "2025国庆顺延"),
    ("D6", D(2026, 9, 27), True, D(2026, 10, 8), "2026国庆顺延"),
    ("D3", D(2026, 2, 18), True, D(2026, 2, 28), "第20条送达10日：期满日是调休上班的周六，不顺延"),
    ("D4", D(2025, 9, 23), True, D(2025, 9, 28), "回执5日：期满日是调休上班的周日"),
    ("D2", D(2025, 9, 26), False, D(2025, 10, 1), "第20条通知5日"),
    ("D17", D(2026, 3, 1), True, D(2026, 1, 30), "期满前30日启动解除：向前计算，不顺延"),
    ("D9", D(2025, 11, 30), False, D(2026, 2, 28), "第29条电子定位3个月：月末对齐"),
    ("D9", D(2025, 11, 20), True, D(2026, 2, 24), "第29条3个月，期满落在春节假期时顺延"),
]


@pytest.mark.parametrize("rule_id,start,roll,expected,why", CALENDAR_DAY_CASES)
def test_calendar_day_deadlines(rule_id, start, roll, expected, why):
    assert rules.compute_deadline(rule_id, start, roll_forward=roll).due == expected, why


def test_hour_rule_ignores_holidays():
    # D13, 社区矫正法第47条: 48 小时, counted to the minute, holidays included
    deadline = rules.compute_deadline("D13", datetime(2026, 2, 14, 10, 30))
    assert deadline.due == datetime(2026, 2, 16, 10, 30)
    assert rules.is_overdue(deadline.due, datetime(2026, 2, 16, 10, 31))
    assert not rules.is_overdue(deadline.due, datetime(2026, 2, 16, 10, 30))


@pytest.mark.parametrize("due,expected", [
    (D(2026, 2, 24), D(2026, 2, 14)),  # reminder for a deadline right after 2026 春节 falls on 2-14 (Sat, worked)
    (D(2025, 10, 9), D(2025, 9, 30)),
    (D(2025, 2, 10), D(2025, 2, 8)),
])
def test_reminder_is_one_working_day_before(due, expected):
    assert rules.reminder_day(due).date == expected


def test_day_deadline_is_met_on_the_due_day():
    assert not rules.is_overdue(D(2026, 3, 4), datetime(2026, 3, 4, 23, 59))
    assert rules.is_overdue(D(2026, 3, 4), datetime(2026, 3, 5, 0, 0))


def test_days_beyond_holiday_data_fall_back_to_weekdays_and_say_so():
    first, last = wcal.calendar_years()
    beyond = last + 1
    # D1 from a Monday in a year without data: ten Monday–Friday days later is the Monday two weeks on
    start = D(beyond, 1, 1)
    while start.weekday() != 0:
        start = D(beyond, 1, start.day + 1)
    deadline = rules.compute_deadline("D1", start)
    assert deadline.due == D(beyond, 1, start.day + 14)
    assert deadline.fell_back
    assert "节假日数据需要更新" in deadline.warning and str(beyond) in deadline.warning


def test_fallback_is_reported_when_a_count_crosses_into_an_unknown_year():
    # D1_FAST received Fri 2026-12-25: 12-28…12-31 known, 2027-01-01 unknown → counted as a weekday
    first, last = wcal.calendar_years()
    if last != 2026:
        pytest.skip(f"chinesecalendar now covers up to {last}; this row is written for data ending in 2026")
    deadline = rules.compute_deadline("D1_FAST", D(2026, 12, 25))
    assert deadline.due == D(2027, 1, 1)
    assert deadline.fallback_days == (D(2027, 1, 1),)
    assert "2027" in deadline.warning


def test_known_days_do_not_fall_back():
    assert wcal.day_info(D(2026, 2, 14)) == (True, False)  # 调休上班
    assert wcal.day_info(D(2026, 2, 16)) == (False, False)  # 春节
    assert wcal.count_working_days(D(2026, 2, 12), D(2026, 3, 4)) == (10, False)


def test_start_day_is_not_counted():
    # 期间开始之日不算入期间: one working day after a Monday is the Tuesday
    assert wcal.add_working_days(D(2026, 3, 2), 1).date == D(2026, 3, 3)
    assert wcal.add_calendar_days(D(2026, 3, 2), 1).date == D(2026, 3, 3)


# Overrides: most specific jurisdiction wins (domain.md: national default + provincial/city override)
OVERRIDES = {"": 12, "370800": 8, "370800.370811": 7}


@pytest.mark.parametrize("org_path,expected,source", [
    ("370800.370811.370811001", 7, "370800.370811"),
    ("370800.370812.370812001", 8, "370800"),
    ("3708001.1", 12, "province"),  # a path prefix that is not a whole segment does not match
    ("", 12, "province"),
])
def test_override_most_specific_wins(org_path, expected, source):
    assert rules.effective_value("D1", org_path=org_path, overrides=OVERRIDES) == (expected, source)


def test_without_override_national_default():
    assert rules.effective_value("D1", org_path="370800") == (10, "national")
    assert rules.compute_deadline("D1", D(2026, 2, 12), org_path="370800.370811",
                                  overrides={"370800.370811": 5}).due == D(2026, 2, 26)


def test_rule_without_default_needs_a_value():
    # D21, 社区矫正法第62条: the procuratorate's document sets the reply period
    with pytest.raises(rules.NoDefault):
        rules.compute_deadline("D21", D(2026, 3, 2))
    assert rules.compute_deadline("D21", D(2026, 3, 2), value=15).due == D(2026, 3, 17)


def test_every_rule_of_domain_5_1_is_declared_with_basis():
    for n in range(1, 22):
        rule = rules.get_rule(f"D{n}")
        assert rule.name and rule.basis and rule.starts_from
    assert rules.get_rule("D6").verified and not rules.get_rule("D1").verified
    with pytest.raises(rules.UnknownRule):
        rules.get_rule("D99")


def test_add_months_clamps():
    assert rules.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert rules.add_months(D(2026, 11, 15), 3) == D(2027, 2, 15)


def test_coverage_warning_when_deadlines_run_past_the_data():
    first, last = wcal.calendar_years()
    assert wcal.coverage_warning(D(last, 6, 1)) == ""
    warning = wcal.coverage_warning(D(last, 11, 28))
    assert "节假日数据需要更新" in warning and str(last + 1) in warning
