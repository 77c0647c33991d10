"""Resident ID numbers (GB 11643-1999), masking and pinyin keys — table-driven."""

from datetime import date

import pytest

from yunjiao.subjects import rules


@pytest.mark.parametrize("first17,check", [
    ("11010519491231002", "X"),  # GB 11643-1999 appendix example
    ("44052418800101001", "4"),
    ("37081119900101123", "6"),  # Σ(aᵢ·wᵢ)=237, 237 mod 11 = 6 → "6"
])
def test_check_digit(first17, check):
    assert rules.id_check_digit(first17) == check


@pytest.mark.parametrize("value,birth,sex,fragment", [
    ("11010519491231002X", date(1949, 12, 31), "female", None),
    ("11010519491231002x", None, None, None),  # lower-case x accepted
    ("110105194912310021", None, None, "校验位"),
    ("1101051949123100", None, None, "18位"),
    ("11010519491332002X", None, None, "出生日期无效"),
    ("11010519491231002X", date(1950, 1, 1), None, "出生日期与身份证号码不一致"),
    ("11010519491231002X", None, "male", "性别与身份证号码不一致"),
    ("abcdefghijklmnopqr", None, None, "18位"),
])
def test_id_number_errors(value, birth, sex, fragment):
    errors = rules.id_number_errors(value, birth_date=birth, sex=sex, today=date(2026, 11, 28))
    if fragment is None:
        assert errors == []
    else:
        assert any(fragment in e for e in errors), errors


def test_future_birth_date_in_id_is_refused():
    body = "37081120300101123"
    value = body + rules.id_check_digit(body)
    assert any("不合理" in e for e in rules.id_number_errors(value, today=date(2026, 11, 28)))


@pytest.mark.parametrize("value,masked", [
    ("370811199001011234", "3708**********1234"),
    ("", ""),
    ("1234", "****"),
])
def test_mask_id(value, masked):
    assert rules.mask_id_number(value) == masked


def test_mask_phone():
    assert rules.mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize("name,initials", [("张三", "zs"), ("欧阳娜娜", "oynn"), ("李Ann", "lann"),
                                           ("吕布", "lb"), ("买买提·艾力", "mmtal")])
def test_pinyin_initials(name, initials):
    assert rules.pinyin_initials(name) == initials


@pytest.mark.parametrize("start,end,ok", [(date(2026, 1, 1), date(2027, 1, 1), True),
                                           (date(2026, 1, 1), date(2026, 1, 1), False),
                                           (date(2026, 1, 1), date(2025, 1, 1), False)])
def test_period(start, end, ok):
    assert (rules.period_errors(start, end) == []) is ok
