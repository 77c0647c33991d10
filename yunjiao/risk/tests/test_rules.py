"""Pure rule tests: every criterion with subjects that must and must not trigger it (table-driven).

Basis: 社区矫正法 art.24 (矫正方案 by category and risk), art.3 (分类管理); the provincial 分类管理办法
excerpt in domain.md §5.3 (严管 during the first 2 months, for high risk, ≥2 训诫 or any 警告); the criteria
themselves are configurable defaults because Jining's 《判断危险重点管控对象标准》 is not public.
"""

from datetime import datetime, timedelta

import pytest

from yunjiao.risk import rules
from yunjiao.risk.rules import DEFAULT_CONFIG, SubjectFacts

BASE = dict(subject_id=1, category="probation", charges="盗窃罪", days_in_correction=400, days_since_incident=400,
            supervision_level="normal")


def facts(**kw):
    return SubjectFacts(**{**BASE, **kw})


def crit(code):
    return next(c for c in DEFAULT_CONFIG["criteria"] if c["code"] == code)


CASES = [
    # (criterion, facts that must trigger, facts that must not)
    ("violent_charge", {"charges": "故意伤害罪"}, {"charges": "盗窃罪"}),
    ("violent_charge", {"charges": "抢劫罪、盗窃罪"}, {"charges": "危险驾驶罪"}),
    ("drug_charge", {"charges": "贩卖毒品罪"}, {"charges": "诈骗罪"}),
    ("sexual_charge", {"charges": "强奸罪"}, {"charges": "故意伤害罪"}),
    ("temporary_release", {"category": "temporary_release"}, {"category": "parole"}),
    ("recent_anomalies", {"anomalies": [("checkin_missed", 1, False)] * 3},
     {"anomalies": [("checkin_missed", 1, False)] * 2}),
    ("recent_anomalies", {"anomalies": [("boundary_exit", 29, False)] * 3},
     {"anomalies": [("boundary_exit", 31, False)] * 3}),  # outside the 30-day window
    ("recent_anomalies", {"anomalies": [("x", 2, False)] * 3}, {"anomalies": [("x", 2, True)] * 5}),  # false alarms
    ("sanctioned", {"sanctions": [("warning", 100)]}, {"sanctions": [("admonition", 10)]}),
    ("sanctioned", {"sanctions": [("police_penalty", 10)]}, {"sanctions": [("warning", 200)]}),
    ("lost_contact", {"lost_contact": True}, {"lost_contact": False}),
    ("family_conflict", {"family_conflict": True}, {"family_conflict": False}),
    ("unemployed", {"unemployed": True}, {"unemployed": False}),
    ("mental_health", {"mental_health": True}, {"mental_health": False}),
    ("prior_record", {"prior_record": True}, {"prior_record": False}),
    ("officer_judgement", {"officer_judgement": "high"}, {"officer_judgement": "concern"}),
]


@pytest.mark.parametrize("code,yes,no", CASES)
def test_each_criterion_triggers_and_does_not(code, yes, no):
    c = crit(code)
    assert rules.check_criterion(c, facts(**yes)), f"{code} must trigger for {yes}"
    assert rules.check_criterion(c, facts(**no)) is None, f"{code} must not trigger for {no}"


def test_every_criterion_kind_is_covered_by_the_table():
    covered = {crit(code)["kind"] for code, _, _ in CASES}
    assert covered == set(rules.CRITERION_KINDS)


@pytest.mark.parametrize("kw,key,score", [
    ({}, False, 0),
    ({"charges": "故意伤害罪", "unemployed": True}, False, 50),
    ({"charges": "故意伤害罪", "unemployed": True, "family_conflict": True}, True, 70),  # threshold 60
    ({"lost_contact": True}, True, 0),  # hard trigger without points
    ({"officer_judgement": "high"}, True, 0),
])
def test_score_threshold_and_hard_triggers(kw, key, score):
    ev = rules.evaluate(DEFAULT_CONFIG, facts(**kw))
    assert (ev.is_key, ev.score) == (key, score)


def test_key_proposals_enter_and_leave():
    _, props = rules.proposals_for(DEFAULT_CONFIG, facts(lost_contact=True))
    assert ("key", "no", "yes") in [(p.kind, p.old, p.new) for p in props]
    _, props = rules.proposals_for(DEFAULT_CONFIG, facts(is_key_subject=True, supervision_level="strict",
                                                         days_since_incident=10))
    assert [(p.kind, p.new) for p in props] == [("key", "no")]


@pytest.mark.parametrize("level,days,score_kw,expected", [
    ("strict", 89, {}, "strict"),   # compliant period for 严管→普管 is 90 days
    ("strict", 90, {}, "normal"),
    ("normal", 179, {}, "normal"),  # 普管→宽管 needs 180 days
    ("normal", 180, {}, "lenient"),
    ("normal", 400, {"unemployed": True, "prior_record": True}, "normal"),  # score 30 > lenient max 10
    ("lenient", 400, {"prior_record": True}, "normal"),  # score 20 > 10: back to 普管
    ("lenient", 400, {"lost_contact": True}, "strict"),  # key subject: 严管 at once
    ("normal", 400, {"sanctions": [("warning", 30)]}, "strict"),
    ("normal", 400, {"sanctions": [("admonition", 30), ("admonition", 60)]}, "strict"),
    ("normal", 30, {"sanctions": [("admonition", 30)]}, "normal"),  # an incident restarts the period
])
def test_level_steps_down_only_after_compliant_period(level, days, score_kw, expected):
    f = facts(supervision_level=level, days_since_incident=days, **score_kw)
    got, reasons = rules.propose_level(DEFAULT_CONFIG, f, rules.evaluate(DEFAULT_CONFIG, f))
    assert got == expected, reasons


def test_new_subject_stays_strict_for_the_first_two_months():
    f = facts(supervision_level="strict", days_in_correction=59, days_since_incident=59)
    assert rules.propose_level(DEFAULT_CONFIG, f, rules.evaluate(DEFAULT_CONFIG, f))[0] == "strict"
    f = facts(supervision_level="normal", days_in_correction=30, days_since_incident=30)
    level, reasons = rules.propose_level(DEFAULT_CONFIG, f, rules.evaluate(DEFAULT_CONFIG, f))
    assert level == "strict" and "入矫未满60日" in reasons


def test_step_down_is_one_level_at_a_time():
    f = facts(supervision_level="strict", days_since_incident=1000)
    assert rules.propose_level(DEFAULT_CONFIG, f, rules.evaluate(DEFAULT_CONFIG, f))[0] == "normal"


def test_parse_config_reports_problems_in_chinese():
    assert rules.parse_config(DEFAULT_CONFIG) == []
    bad = {"threshold": 0, "criteria": [{"code": "a", "name": "甲", "kind": "nope"},
                                        {"code": "a", "name": "乙", "kind": "charges", "weight": 1, "params": {}}]}
    errors = rules.parse_config(bad)
    assert any("阈值" in e for e in errors) and any("重复" in e for e in errors)
    assert any("类型“nope”不存在" in e for e in errors) and any("关键词" in e for e in errors)
    assert any("分值" in e for e in errors)


T0 = datetime(2026, 11, 1, 10, 0)
WCFG = rules.DEFAULT_WARNING_CONFIG


@pytest.mark.parametrize("view,now,expected", [
    (rules.AnomalyView("lost_contact", 1, T0, T0 + timedelta(hours=2), True, True), T0, "red"),
    (rules.AnomalyView("lost_contact", 1, T0, T0 + timedelta(hours=2), True, False), T0 + timedelta(hours=1), None),
    (rules.AnomalyView("lost_contact", 1, T0, None, True, False), T0 + timedelta(hours=12), "yellow"),
    (rules.AnomalyView("boundary_exit", 2, T0, T0 + timedelta(hours=4), True, False), T0, "yellow"),
    (rules.AnomalyView("boundary_exit", 1, T0, T0 + timedelta(hours=4), True, False), T0, None),
    (rules.AnomalyView("checkin_missed", 1, T0, T0 + timedelta(hours=24), True, False), T0 + timedelta(hours=25), "blue"),
    (rules.AnomalyView("checkin_missed", 1, T0, T0 + timedelta(hours=24), False, False), T0 + timedelta(hours=25), None),
    (rules.AnomalyView("violence_threat", 1, T0, None, True, False), T0, "red"),
])
def test_warning_levels_from_anomalies(view, now, expected):
    got = rules.classify_anomaly(WCFG, view, now)
    assert (got[0] if got else None) == expected


def test_warning_due_actions():
    due = T0 + timedelta(minutes=30)
    assert rules.warning_due_action(state="open", tier=1, ack_due=due, report_due=None, report_overdue_flagged=False,
                                    now=due + timedelta(seconds=1)) == "escalate"
    assert rules.warning_due_action(state="open", tier=1, ack_due=due, report_due=None, report_overdue_flagged=False,
                                    now=due) is None
    assert rules.warning_due_action(state="acknowledged", tier=1, ack_due=due, report_due=due,
                                    report_overdue_flagged=False, now=due + timedelta(1)) == "report_overdue"
    assert rules.warning_due_action(state="acknowledged", tier=1, ack_due=due, report_due=due,
                                    report_overdue_flagged=True, now=due + timedelta(1)) is None
    assert rules.next_tier(3) is None and rules.next_tier(0) == 1
