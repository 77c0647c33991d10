"""文号 (document numbers) and dates in Chinese numerals.  Pure functions, no ORM.

A 文号 is `<prefix>〔<year>〕第<seq>号`, e.g. `济任司矫警字〔2026〕第7号`:
济 = city short name, 任 = county short name, 司矫 = 司法局社区矫正, 警 = the type's series word, 字.
The prefix pattern per signing level is data (`PREFIX_PATTERNS`); a city with other conventions changes the
data, not the code.  The sequence is kept per (issuing org, series, year) by the database
(`NumberSequence`); types that share a series word share the counter, so a 文号 is never issued twice.
"""

from __future__ import annotations

from datetime import date

# Pattern per signer level.  township: 济任古司所外字 (inferred: the township short name + 司法所).
PREFIX_PATTERNS: dict[str, str] = {
    "county": "{city}{county}司矫{series}字",
    "county_head": "{city}{county}司矫{series}字",
    "township": "{city}{county}{township}司所{series}字",
}

_DIGITS = "〇一二三四五六七八九"


class NumberingError(ValueError):
    pass


def build_prefix(signer: str, series: str, *, city_short: str, county_short: str,
                 township_short: str = "") -> str:
    """The part before the year: build_prefix("county", "警", city_short="济", county_short="任") == "济任司矫警字"."""
    if signer not in PREFIX_PATTERNS:
        raise NumberingError(f"未知的签发层级：{signer}")
    missing = [label for label, value in (("市级机构简称", city_short), ("县级机构简称", county_short))
               if not value]
    if signer == "township" and not township_short:
        missing.append("司法所简称")
    if missing:
        raise NumberingError(f"无法生成文号：请先在机构管理中填写{'、'.join(missing)}。")
    if not series:
        raise NumberingError("该文书类型没有文号。")
    return PREFIX_PATTERNS[signer].format(city=city_short, county=county_short, township=township_short,
                                          series=series)


def format_number(prefix: str, year: int, seq: int) -> str:
    """format_number("济任司矫警字", 2026, 7) == "济任司矫警字〔2026〕第7号"."""
    if seq < 1:
        raise NumberingError("文号序号必须从1开始。")
    if not 1900 <= year <= 9999:
        raise NumberingError(f"年份不正确：{year}")
    return f"{prefix}〔{year}〕第{seq}号"


def parse_number(number: str) -> tuple[str, int, int]:
    """Inverse of format_number: ("济任司矫警字", 2026, 7)."""
    try:
        prefix, rest = number.split("〔", 1)
        year, rest = rest.split("〕第", 1)
        seq = rest.removesuffix("号")
        return prefix, int(year), int(seq)
    except ValueError:
        raise NumberingError(f"无法识别的文号：{number}") from None


def chinese_year(year: int) -> str:
    return "".join(_DIGITS[int(ch)] for ch in str(year))


def chinese_small_number(n: int) -> str:
    """1..99 as written in dates: 十, 十一, 二十, 二十八, 三十一."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])


def chinese_date(d: date | None) -> str:
    """chinese_date(date(2026, 11, 28)) == "二〇二六年十一月二十八日" (GB/T 9704 成文日期)."""
    if d is None:
        return ""
    return f"{chinese_year(d.year)}年{chinese_small_number(d.month)}月{chinese_small_number(d.day)}日"
