"""Working-day calendar for statutory deadlines (pure: no database, no Django).

Chinese public holidays and adjusted working weekends (调休) come from the `chinese_calendar`
package (PyPI `chinesecalendar`).  The State Council publishes each year's arrangement in
November/December, so the package only knows the years it was released with.  Days outside its
data fall back to plain Monday–Friday rules, and every result says whether it fell back, so the
UI can warn "节假日数据需要更新".

Legal day-counting conventions (domain.md §2 "Day counting"):
- the start day is not counted (期间开始之日不算入期间): `add_working_days(Mon, 1)` is Tuesday;
- whether a calendar-day period that ends on a rest day rolls forward to the next working day is
  a setting (刑事诉讼法 art.105 convention, not verified for corrections): `roll_forward`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

try:  # the package is a declared dependency; a missing install must be visible, not silent
    import chinese_calendar as _cc
except ImportError:  # pragma: no cover - exercised only on a broken install
    _cc = None

FALLBACK_WARNING = "节假日数据需要更新：{years}年的法定节假日和调休安排不在系统数据中，已按周一至周五计算工作日，请升级 chinesecalendar 后核对期限。"


def calendar_years() -> tuple[int, int] | None:
    """First and last year the holiday data covers, or None when the package is missing."""
    if _cc is None:
        return None
    from chinese_calendar import constants

    return min(constants.holidays).year, max(max(constants.holidays), max(constants.workdays)).year


@lru_cache(maxsize=8192)
def day_info(day: date) -> tuple[bool, bool]:
    """(is this a working day, did we fall back to Monday–Friday for it).  Cached: the data is static
    for the life of the process (a package upgrade means a restart)."""
    if _cc is not None:
        try:
            return bool(_cc.is_workday(day)), False
        except NotImplementedError:
            pass
    return day.weekday() < 5, True


def is_working_day(day: date) -> bool:
    return day_info(day)[0]


@dataclass(frozen=True)
class DayCount:
    """Result of a day count: the date, and the days that were judged without holiday data."""

    date: date
    fallback_days: tuple[date, ...] = field(default=())

    @property
    def fell_back(self) -> bool:
        return bool(self.fallback_days)

    @property
    def warning(self) -> str:
        if not self.fallback_days:
            return ""
        years = "、".join(str(y) for y in sorted({d.year for d in self.fallback_days}))
        return FALLBACK_WARNING.format(years=years)


def add_working_days(start: date, n: int) -> DayCount:
    """The n-th working day after `start` (start day not counted); n < 0 counts backwards.

    n == 0 returns `start` itself if it is a working day, else the next working day.
    """
    fallback: list[date] = []
    day = start
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    if n == 0:
        while True:
            working, fell = day_info(day)
            if fell:
                fallback.append(day)
            if working:
                return DayCount(day, tuple(fallback))
            day += timedelta(days=1)
    while remaining:
        day += timedelta(days=step)
        working, fell = day_info(day)
        if fell:
            fallback.append(day)
        if working:
            remaining -= 1
    return DayCount(day, tuple(fallback))


def next_working_day(day: date) -> DayCount:
    """`day` itself if it is a working day, else the first working day after it."""
    return add_working_days(day, 0)


def add_calendar_days(start: date, n: int, *, roll_forward: bool = False) -> DayCount:
    """`start` + n calendar days (start day not counted).

    With `roll_forward`, a period ending on a rest day (weekend or holiday) ends on the next
    working day instead.
    """
    end = start + timedelta(days=n)
    if not roll_forward:
        return DayCount(end)
    return next_working_day(end)


def count_working_days(start: date, end: date) -> tuple[int, bool]:
    """Working days after `start` up to and including `end` (0 if end <= start), and whether
    any of them was judged without holiday data."""
    count = 0
    fell_back = False
    day = start
    while day < end:
        day += timedelta(days=1)
        working, fell = day_info(day)
        fell_back = fell_back or fell
        count += working
    return count, fell_back



def coverage_warning(today: date, horizon_days: int = 60) -> str:
    """A warning when deadlines counted from today (up to `horizon_days` ahead) may run past the
    holiday data; "" when the data covers them."""
    years = calendar_years()
    if years is None:
        return "未安装 chinesecalendar：工作日按周一至周五计算，法定节假日和调休未计入，请安装后核对期限。"
    last = years[1]
    if (today + timedelta(days=horizon_days)).year > last:
        return (f"节假日数据需要更新：系统中的法定节假日和调休安排只到{last}年，"
                f"{last + 1}年的期限暂按周一至周五计算，请升级 chinesecalendar 后核对期限。")
    return ""
