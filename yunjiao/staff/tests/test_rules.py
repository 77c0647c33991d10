"""Pure certificate rules (Shandong 2024 工作证件管理办法 as summarised in domain.md §6.4)."""

import pytest

from yunjiao.staff import rules


@pytest.mark.parametrize("est, card", [("civil_servant", "enforcement"), ("career", "enforcement"),
                                       ("social_worker", "auxiliary"), ("auxiliary", "auxiliary")])
def test_card_type_by_establishment(est, card):
    assert rules.card_type_for(est) == card


def test_numbering_schemes_differ_by_type():
    assert rules.certificate_number("enforcement", "370800", 2026, 7) == "鲁矫执370820260007"
    assert rules.certificate_number("auxiliary", "370800", 2026, 7) == "鲁矫辅370820260007"
    assert rules.counter_key("enforcement", "370800", 2026) != rules.counter_key("auxiliary", "370800", 2026)


@pytest.mark.parametrize("status, action, role, ok", [
    ("applied", "county_review", "county_officer", True),
    ("applied", "county_review", "township_officer", False),
    ("applied", "city_approve", "city_admin", False),          # county review first
    ("county_reviewed", "city_approve", "county_head", False),  # the city issues
    ("county_reviewed", "city_approve", "city_officer", True),
    ("city_approved", "file", "city_admin", True),
    ("filed", "activate", "city_admin", True),
    ("active", "withhold", "county_officer", True),
    ("withheld", "reinstate", "county_officer", True),
    ("cancelled", "reinstate", "city_admin", False),
])
def test_transitions(status, action, role, ok):
    assert (rules.transition_errors(status, action, actor_role=role, reason="事由") == []) is ok


def test_reason_required_for_withholding():
    assert rules.transition_errors("active", "withhold", actor_role="county_officer") == ["请填写事由。"]


@pytest.mark.parametrize("est, status, fragment", [
    (None, None, "尚未建立工作人员档案"),
    ("auxiliary", "active", "只能协助并会签"),
    ("social_worker", "active", "只能协助并会签"),
    ("civil_servant", None, "没有社区矫正工作证件"),
    ("civil_servant", "withheld", "已被暂扣"),
    ("career", "filed", "不是有效证件"),
])
def test_enforcement_refusals(est, status, fragment):
    errors = rules.enforcement_errors(establishment=est, card_status=status)
    assert errors and fragment in errors[0]


def test_enforcement_allowed():
    assert rules.enforcement_errors(establishment="career", card_status="active") == []
