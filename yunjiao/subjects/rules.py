"""Pure rules for the subject record: resident ID numbers (GB 11643-1999), masking, pinyin keys."""

from __future__ import annotations

import re
from datetime import date

from pypinyin import Style, lazy_pinyin

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character: ISO 7064 MOD 11-2 over the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def id_number_errors(value: str, *, birth_date: date | None = None, sex: str | None = None,
                     today: date | None = None) -> list[str]:
    """Reasons why `value` is not a valid 18-digit resident ID number for this person ([] = valid)."""
    value = (value or "").strip().upper()
    if not _ID_RE.match(value):
        return ["身份证号码应为18位：前17位为数字，最后一位为数字或X。"]
    errors = []
    if id_check_digit(value[:17]) != value[17]:
        errors.append("身份证号码校验位错误，请核对号码。")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return errors + ["身份证号码中的出生日期无效。"]
    if born > (today or date.today()) or born.year < 1900:
        errors.append("身份证号码中的出生日期不合理。")
    if birth_date and born != birth_date:
        errors.append(f"出生日期与身份证号码不一致（号码中为{born:%Y年%m月%d日}）。")
    if sex:
        id_sex = "male" if int(value[16]) % 2 == 1 else "female"
        if id_sex != sex:
            errors.append("性别与身份证号码不一致（号码第17位奇数为男、偶数为女）。")
    return errors


def birth_date_from_id(value: str) -> date | None:
    value = (value or "").strip()
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


def sex_from_id(value: str) -> str | None:
    try:
        return "male" if int(value.strip()[16]) % 2 == 1 else "female"
    except (ValueError, IndexError):
        return None


def mask_id_number(value: str) -> str:
    """`370811199001011234` → `3708**********1234` (first 4 and last 4 visible)."""
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """`13812345678` → `138****5678`."""
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def pinyin_initials(name: str) -> str:
    """Lower-case initials of a Chinese name: 张三 → zs; latin letters are kept (李Ann → lann)."""
    parts = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(p for p in "".join(parts).lower() if p.isalnum())


def pinyin_full(name: str) -> str:
    return "".join(lazy_pinyin(name or "", errors="default")).lower()


_PHONE_RE = re.compile(r"^1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")


def phone_errors(value: str) -> list[str]:
    if value and not _PHONE_RE.match(value.strip()):
        return ["电话号码格式不正确：手机号为11位，固定电话如 0537-1234567。"]
    return []


def period_errors(start: date | None, end: date | None) -> list[str]:
    if start and end and end <= start:
        return ["矫正结束日期必须晚于起始日期。"]
    return []
