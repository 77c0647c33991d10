"""Every sanction ground (domain.md §2.7, §5.4): the measure it suggests and the article cited."""

import pytest

from yunjiao.discipline import rules
from yunjiao.discipline.rules import Facts

P, PA, TR, SV = "probation", "parole", "temporary_release", "surveillance"


@pytest.mark.parametrize("facts,code,measure,article", [
    # 训诫 (LAW art.28; Wenzhou Q&A): late reporting / lost contact ≤ 10 days
    (Facts(P, days_lost_contact=10), "late_or_lost_le_10", "admonition", "第28条"),
    # 警告: > 10 days
    (Facts(P, days_lost_contact=11), "late_or_lost_gt_10", "warning", "第28条"),
    # outing rules: not back on time
    (Facts(P, days_leave_overdue=3), "leave_overdue_minor", "admonition", "第28条"),
    (Facts(P, days_leave_overdue=11), "leave_overdue_serious", "warning", "第28条"),
    # 警告: two 训诫 without correction
    (Facts(P, uncorrected_admonitions=2), "two_admonitions", "warning", "温州"),
    # 警告: minor violation of a prohibition order
    (Facts(P, prohibition_violation="minor"), "prohibition_minor", "warning", "第28条"),
    # 提请治安管理处罚 (LAW art.59): violation again after a warning
    (Facts(SV, uncorrected_warnings=1, days_lost_contact=12), "violation_after_warning", "police_penalty_request",
     "第59条"),
    # 撤销缓刑 (SPC Interp. 2021 art.543 para 1)
    (Facts(P, uncorrected_warnings=2), "two_warnings", "revocation_request", "第543条第1款"),
    (Facts(P, days_lost_contact=31), "absconded_month", "revocation_request", "第543条第1款"),
    (Facts(P, police_penalty_uncorrected=True), "police_penalty_uncorrected", "revocation_request", "第543条"),
    (Facts(P, prohibition_violation="serious"), "prohibition_serious", "revocation_request", "第543条"),
    # 撤销假释 (SPC Interp. art.543 para 2; CL art.86)
    (Facts(PA, uncorrected_warnings=2), "two_warnings", "revocation_request", "第543条第2款"),
    (Facts(PA, days_lost_contact=31), "absconded_month", "revocation_request", "第543条第2款"),
    (Facts(PA, police_penalty_uncorrected=True), "police_penalty_uncorrected", "revocation_request", "第86条"),
    # 收监执行 (SPC Interp. art.516; CPL art.268)
    (Facts(TR, uncorrected_warnings=2), "two_warnings", "committal_request", "第516条"),
    (Facts(TR, days_lost_contact=31), "absconded_month", "committal_request", "第516条"),
    (Facts(TR, police_penalty_uncorrected=True), "police_penalty_uncorrected", "committal_request", "第516条"),
    (Facts(TR, medical_reexam_overdue_after_warning=True), "medical_reexam", "committal_request", "第516条"),
])
def test_each_ground(facts, code, measure, article):
    grounds = {g.code: g for g in rules.sanction_grounds(facts)}
    assert code in grounds, grounds
    assert grounds[code].measure == measure
    assert article in grounds[code].article


@pytest.mark.parametrize("facts,absent", [
    (Facts(P, days_lost_contact=10), "late_or_lost_gt_10"),       # edge: exactly 10 is not > 10
    (Facts(P, days_lost_contact=30), "absconded_month"),          # edge: 30 days is not > 1 month
    (Facts(P, uncorrected_admonitions=1), "two_admonitions"),
    (Facts(P, uncorrected_warnings=1), "two_warnings"),
    (Facts(SV, uncorrected_warnings=2), "two_warnings"),          # 管制 has no revocation
    (Facts(PA, uncorrected_warnings=1, days_lost_contact=12), "violation_after_warning"),  # not for parolees
    (Facts(PA, prohibition_violation="serious"), "prohibition_serious"),  # 禁止令 only with 管制/缓刑
    (Facts(P, medical_reexam_overdue_after_warning=True), "medical_reexam"),  # only 暂予监外执行
])
def test_ground_not_met(facts, absent):
    assert absent not in {g.code for g in rules.sanction_grounds(facts)}


def test_no_facts_no_suggestion():
    assert rules.sanction_grounds(Facts(P)) == []


def test_most_severe_first_and_grouped_by_measure():
    f = Facts(P, uncorrected_warnings=2, uncorrected_admonitions=2, days_lost_contact=40)
    grounds = rules.sanction_grounds(f)
    assert grounds[0].measure == "revocation_request"
    grouped = rules.proposals(f)
    assert {g.code for g in grouped["revocation_request"]} == {"two_warnings", "absconded_month"}
    assert {g.code for g in grouped["warning"]} == {"late_or_lost_gt_10", "two_admonitions"}


def test_monthly_score_lines_caps_and_missing_sources():
    s = rules.score_month({"anomaly": 15, "checkin_missed": None, "education_shortfall_hours": 3,
                           "service_shortfall_hours": 0, "admonition": 1, "warning": 0, "commendation": 1},
                          adjustments=[(2, "主动参加公益活动")])
    by = {line.code: line for line in s.lines}
    assert by["anomaly"].points == -20  # capped
    assert by["checkin_missed"].quantity is None and "未启用" in by["checkin_missed"].note
    assert s.computed == 100 - 20 - 3 - 10 + 5
    assert s.total == s.computed + 2


def test_adjustment_needs_reason():
    with pytest.raises(ValueError):
        rules.score_month({}, adjustments=[(3, " ")])
