"""信息化核查报表 — pure rules: report periods and the arithmetic of the numbers (no ORM).

Counting rules (one place, shared by the page, the Excel file and the stored snapshots):
- a task belongs to the period in which its window opened; cancelled tasks are listed but not counted as
  due; tasks still pending whose deadline has not passed are "pending", not missed;
- due = done + late + missed (tasks whose outcome is known); completion rate = (done + late) / due;
  on-time rate = done / due;
- pass rate = check-ins with outcome "pass" / all check-ins submitted in the period;
- anomalies are counted in the period they were first seen; "disposed within SLA" = closed (disposed or
  escalated) no later than their disposal deadline (anomalies.rules.due_for), over all closed ones;
  "overdue open" = anomalies of the period still open past their deadline at the time of computing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

PERIODS = {"day": "日报", "week": "周报", "month": "月报"}

TASK_FIELDS = ("scheduled", "done", "late", "missed", "pending", "cancelled")
COUNT_FIELDS = TASK_FIELDS + ("checkins", "passed", "anomalies", "occurrences", "closed", "within_sla",
                              "overdue_open")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first day
    end: date  # day after the last day

    @property
    def label(self) -> str:
        if self.kind == "day":
            return f"{self.start:%Y年%m月%d日}"
        if self.kind == "week":
            return f"{self.start:%Y年%m月%d日}—{self.end - timedelta(days=1):%m月%d日}"
        return f"{self.start:%Y年%m月}"

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        return datetime.combine(self.start, time(0), tzinfo=tz), datetime.combine(self.end, time(0), tzinfo=tz)

    def previous(self) -> Period:
        return period_for(self.kind, self.start - timedelta(days=1))


def period_for(kind: str, day: date) -> Period:
    """The day / week (Monday–Sunday) / calendar month containing `day`."""
    if kind == "day":
        return Period(kind, day, day + timedelta(days=1))
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7))
    if kind == "month":
        start = day.replace(day=1)
        end = (start.replace(year=start.year + 1, month=1) if start.month == 12
               else start.replace(month=start.month + 1))
        return Period(kind, start, end)
    raise ValueError(kind)


def periods_ended_by(day: date) -> list[Period]:
    """Periods whose last day is the day before `day` (what the nightly job closes on `day`)."""
    yesterday = day - timedelta(days=1)
    out = [period_for("day", yesterday)]
    if day.weekday() == 0:
        out.append(period_for("week", yesterday))
    if day.day == 1:
        out.append(period_for("month", yesterday))
    return out


def empty_counts() -> dict:
    return {f: 0 for f in COUNT_FIELDS}


def add_counts(into: dict, other: dict) -> dict:
    for f in COUNT_FIELDS:
        into[f] = into.get(f, 0) + other.get(f, 0)
    return into


def _rate(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def with_rates(c: dict) -> dict:
    """Counts plus the derived numbers (rates in percent, None when there is nothing to divide by)."""
    out = dict(c)
    due = c["done"] + c["late"] + c["missed"]
    out["due"] = due
    out["answered"] = c["done"] + c["late"]
    out["completion_rate"] = _rate(out["answered"], due)
    out["on_time_rate"] = _rate(c["done"], due)
    out["pass_rate"] = _rate(c["passed"], c["checkins"])
    out["sla_rate"] = _rate(c["within_sla"], c["closed"])
    return out


def path_under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def rollup(leaves: dict[str, dict], prefix: str) -> dict:
    """Sum the per-org-path counts of every path at or below `prefix`."""
    total = empty_counts()
    for path, counts in leaves.items():
        if path_under(path, prefix):
            add_counts(total, counts)
    return total


def fmt_rate(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}%"
