"""Table-driven tests of the leave rules (domain.md §2.5, §5.1 D10/D11, §6.5; LAW art.27; IM defaults
UNVERIFIED).  Each row names the rule it exercises."""

from datetime import date, timedelta

import pytest

from yunjiao.leave import rules
from yunjiao.leave.rules import CITY, COUNTY, TOWNSHIP, LeaveRules

D = date(2026, 3, 1)


def span(days, start=D):
    return start, start + timedelta(days=days - 1)


@pytest.mark.parametrize("days,cumulative,level,copy", [
    (1, 1, TOWNSHIP, False),
    (7, 7, TOWNSHIP, False),     # IM: ≤ 7 days 司法所 (entrusted)
    (8, 8, COUNTY, False),       # IM: > 7 days county agency
    (30, 30, COUNTY, False),     # IM: each county approval ≤ 30 days
    (31, 31, CITY, True),        # IM: > 30 days → city + procuratorate
    (7, 31, CITY, True),         # IM: > 30 cumulative within two months → city
    (8, 30, COUNTY, False),      # cumulative exactly 30 is not above the limit
])
def test_authority_by_duration_and_cumulative(days, cumulative, level, copy):
    a = rules.required_authority(days, cumulative)
    assert (a.level, a.procuratorate_copy) == (level, copy)
    assert str(days) in a.reason or str(cumulative) in a.reason
    assert "实施办法" in a.article


def test_leave_days_counts_both_ends():
    assert rules.leave_days(*span(7)) == 7
    assert rules.leave_days(D, D) == 1


@pytest.mark.parametrize("others,expected", [
    ([], 7),
    ([span(24, date(2026, 2, 1))], 31),  # 24 days in February + 7 in March: 31 within two months
    ([span(24, date(2025, 12, 1))], 7),  # more than two months before: not counted
    ([span(10, date(2026, 3, 3))], 12),  # overlapping days count once (1–12 March)
    ([span(10, date(2026, 4, 20))], 17),  # a later approved leave within two months counts too
    ([span(10, date(2025, 12, 25))], 7),  # 25 Dec–3 Jan: no two-month window holds it and all of 1–7 March
])
def test_cumulative_within_two_months(others, expected):
    start, end = span(7)
    assert rules.cumulative_days(start, end, others) == expected


def test_cumulative_31_days_in_two_months_goes_to_city():
    start, end = span(7)
    cumulative = rules.cumulative_days(start, end, [span(24, date(2026, 2, 1))])
    assert cumulative == 31
    assert rules.required_authority(7, cumulative).level == CITY


def test_not_entrusted_township_sends_short_leaves_to_county():
    r = LeaveRules(entrusted_township=False)
    a = rules.required_authority(3, 3, rules=r)
    assert a.level == COUNTY and "未委托" in a.reason


def test_configurable_limits():
    r = LeaveRules.from_mapping({"township_max_days": 5})
    assert rules.required_authority(6, 6, rules=r).level == COUNTY
    with pytest.raises(ValueError):
        LeaveRules.from_mapping({"no_such_rule": 1})


@pytest.mark.parametrize("approver,days,cumulative,allowed", [
    (TOWNSHIP, 7, 7, True), (TOWNSHIP, 8, 8, False), (COUNTY, 8, 8, True), (COUNTY, 7, 7, False),
    (COUNTY, 31, 31, False), (CITY, 31, 31, True), (COUNTY, 7, 31, False), (CITY, 7, 31, True),
])
def test_only_the_required_level_approves(approver, days, cumulative, allowed):
    reasons = rules.authority_refusal(approver, rules.required_authority(days, cumulative))
    assert (reasons == []) is allowed
    if not allowed and rules.LEVEL_RANK[approver] < rules.LEVEL_RANK[rules.required_authority(days, cumulative).level]:
        assert "超出" in reasons[0] and "实施办法" in reasons[0]


@pytest.mark.parametrize("applied_before,days,urgent,rules_,ok", [
    (3, 5, False, LeaveRules(), True),     # D11: ≥ 3 days' notice
    (2, 5, False, LeaveRules(), False),
    (0, 5, True, LeaveRules(), True),      # urgent: exempt (reasons given)
    (5, 8, False, LeaveRules(notice_days_long=7), False),  # county variant: 7 days for > 7-day leaves
    (7, 8, False, LeaveRules(notice_days_long=7), True),
    (-1, 2, False, LeaveRules(), False),   # starting before the application: no back-dated approval
])
def test_notice_period(applied_before, days, urgent, rules_, ok):
    start = D + timedelta(days=10)
    applied = start - timedelta(days=applied_before)
    reasons = rules.notice_refusal(applied, start, days, rules=rules_, urgent=urgent)
    assert (reasons == []) is ok


def test_leave_crossing_the_end_of_the_period_is_refused():
    assert rules.period_refusal(date(2026, 9, 1), date(2026, 9, 1)) == []
    reasons = rules.period_refusal(date(2026, 9, 2), date(2026, 9, 1))
    assert "矫正期满" in reasons[0] and "第44条" in reasons[0]


@pytest.mark.parametrize("content,dest,expected", [
    ("禁止进入370102(历下区)娱乐场所", ("370102", "历下区"), True),
    ("禁止进入370100全市范围内的娱乐场所", ("370102", "历下区"), True),  # city code covers its districts
    ("禁止进入济南市历下区", ("370102", "历下区"), True),  # by name
    ("禁止进入370100", ("370211", "黄岛区"), False),
    ("禁止进入371000", ("371100", "日照市"), False),  # 威海 does not cover 日照
])
def test_prohibited_area(content, dest, expected):
    area = rules.ProhibitedArea(content, date(2026, 1, 1), date(2026, 12, 31))
    reasons = rules.prohibition_refusal([dest], D, D + timedelta(days=3), [area])
    assert bool(reasons) is expected
    if expected:
        assert "禁止令" in reasons[0]


def test_prohibition_not_in_force_does_not_refuse():
    area = rules.ProhibitedArea("禁止进入370102", date(2025, 1, 1), date(2025, 12, 31))
    assert rules.prohibition_refusal([("370102", "")], D, D, [area]) == []


@pytest.mark.parametrize("code,ok", [("370102", True), ("370800", True), ("370000", False), ("990102", False),
                                     ("37010", False), ("abcdef", False)])
def test_division_codes(code, ok):
    assert (rules.division_code_error(code) is None) is ok


@pytest.mark.parametrize("code,ok", [
    ("91350100M000100Y43", True),   # GB 32100-2015 example
    ("91350100M000100Y44", False),  # wrong check character
    ("91350100M000100Y4", False),   # 17 characters
    ("91350100M00010OY43", False),  # O is not used
])
def test_unified_social_credit_code(code, ok):
    assert (rules.uscc_error(code) is None) is ok


TERMS = rules.PermitTerms(date(2026, 3, 1), date(2026, 8, 31), ("370102", "320506"), 5)


@pytest.mark.parametrize("start,days,dest,others,urgent,fragment", [
    (date(2026, 4, 10), 5, ["370102"], [], False, None),
    (date(2026, 4, 10), 6, ["370102"], [], False, "每次最长5日"),
    (date(2026, 4, 10), 2, ["110101"], [], False, "不在许可的目的地范围"),
    (date(2026, 9, 1), 2, ["370102"], [], False, "有效期"),
    (date(2026, 4, 1), 2, ["370102"], [], False, "提前1日"),  # registered on 1 April for the same day
    (date(2026, 4, 1), 2, ["370102"], [], True, None),  # green channel
    # cumulative across the permit's trips: 5+5+5+5+5+5 = 30 already, a 1-day trip makes 31
    (date(2026, 4, 30), 1, ["370102"],
     [(date(2026, 3, 1) + timedelta(days=i * 5), date(2026, 3, 1) + timedelta(days=i * 5 + 4)) for i in range(12)
      if date(2026, 3, 1) + timedelta(days=i * 5) >= date(2026, 3, 1)][6:12], False, "累计外出将达31日"),
])
def test_trip_registration_rules(start, days, dest, others, urgent, fragment):
    registered_on = date(2026, 4, 1)
    reasons = rules.trip_refusal(TERMS, start, start + timedelta(days=days - 1), dest, others,
                                 registered_on=registered_on, urgent=urgent)
    if fragment is None:
        assert reasons == []
    else:
        assert any(fragment in r for r in reasons), reasons
