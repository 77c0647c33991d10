"""Pure rules of e矫通 (no ORM): watched-interval merging, video containers, monthly hours, quizzes.

Sources: domain.md §5.3 (严管: education ≥12 h/month, public-benefit activity ≥12 h/month, provincial
分类管理办法 issued after the 2020 Law); §2.3 (LAW art.36, 37, 42: education, vocational training,
public-benefit activities).  Numbers marked UNVERIFIED are documented defaults, configurable through
`education.LevelHours` rows.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

# --- categories and audiences ---------------------------------------------------------------------------

CATEGORIES = [
    ("law", "法治教育"),
    ("moral", "道德教育"),
    ("psychology", "心理健康"),
    ("skills", "职业技能"),
    ("employment", "就业指导"),
]

AUDIENCES = [
    ("all", "全体矫正对象"),
    ("category", "按矫正类别"),
    ("charge", "按罪名"),
    ("juvenile", "未成年矫正对象"),
]


def audience_matches(audience: str, value: str, *, category: str, charges: str, juvenile: bool) -> bool:
    """Whether a course's target audience covers one subject."""
    if audience == "all":
        return True
    if audience == "category":
        return category in {v.strip() for v in value.replace("，", ",").split(",") if v.strip()}
    if audience == "charge":
        words = [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
        return any(w in charges for w in words)
    if audience == "juvenile":
        return juvenile
    return False


# --- monthly hours (domain.md §5.3) -------------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    education: Decimal
    service: Decimal
    verified: bool
    source: str


DEFAULT_HOURS = {
    # 严管: verified provincial example (domain.md §5.3): education ≥12 h/month, public benefit ≥12 h/month.
    "strict": Requirement(Decimal("12"), Decimal("12"), True, "省级分类管理办法（domain.md §5.3）"),
    # 普管 / 宽管: not in the retrieved text.  UNVERIFIED defaults: the 2012 national minimum (8 h + 8 h,
    # 2012 Measures art.15–16) for 普管, and half of it for 宽管.  Change them in 学时标准.
    "normal": Requirement(Decimal("8"), Decimal("8"), False, "UNVERIFIED：沿用2012年《社区矫正实施办法》每月8小时"),
    "lenient": Requirement(Decimal("4"), Decimal("4"), False, "UNVERIFIED：项目默认值（普管的一半）"),
}

HOUR = Decimal("0.01")


def q(x) -> Decimal:
    return Decimal(x).quantize(HOUR, rounding=ROUND_HALF_UP)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def level_days(month: date, initial_level: str, changes: list[tuple[date, str]],
               *, start: date | None = None, end: date | None = None) -> dict[str, int]:
    """Days of `month` spent at each management level.

    `initial_level` is the level in force on the first day; `changes` are (effective_date, new_level),
    the new level applies from its effective date.  `start`/`end` clip the month to the correction period.
    """
    first, last = month_bounds(month)
    lo = max(first, start) if start else first
    hi = min(last, end) if end else last
    out: dict[str, int] = {}
    if hi < lo:
        return out
    level = initial_level
    ordered = sorted(changes)
    day = lo
    i = 0
    while i < len(ordered) and ordered[i][0] <= lo:
        level = ordered[i][1]
        i += 1
    while day <= hi:
        while i < len(ordered) and ordered[i][0] <= day:
            level = ordered[i][1]
            i += 1
        out[level] = out.get(level, 0) + 1
        day += timedelta(days=1)
    return out


def required_hours(month: date, days_by_level: dict[str, int], table: dict[str, Requirement]) -> tuple[Decimal, Decimal]:
    """Pro-rata required hours: each level's monthly requirement × days at that level / days in the month."""
    first, last = month_bounds(month)
    n = (last - first).days + 1
    edu = Decimal(0)
    svc = Decimal(0)
    for level, days in days_by_level.items():
        req = table.get(level)
        if req is None:
            continue
        edu += req.education * days / n
        svc += req.service * days / n
    return q(edu), q(svc)


def shortfall(required_edu, credited_edu, required_service, credited_service) -> Decimal:
    return q(max(Decimal(0), Decimal(required_edu) - Decimal(credited_edu))
             + max(Decimal(0), Decimal(required_service) - Decimal(credited_service)))


def warn_during_month(today: date, required: Decimal, credited: Decimal) -> bool:
    """Warn when credited hours lag the pro-rata pace by more than a third of the requirement, or in
    the last week of the month when anything is still missing."""
    first, last = month_bounds(today)
    if required <= 0 or credited >= required:
        return False
    if (last - today).days < 7:
        return True
    pace = required * Decimal((today - first).days + 1) / Decimal((last - first).days + 1)
    return credited + required / 3 < pace


# --- watched segments ---------------------------------------------------------------------------------

def merge_intervals(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of [start, end) intervals, sorted; touching intervals (gap < 1 s) are joined."""
    cleaned = sorted((float(a), float(b)) for a, b in intervals if b > a)
    out: list[list[float]] = []
    for a, b in cleaned:
        if out and a <= out[-1][1] + 1.0:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def covered_seconds(intervals: list[tuple[float, float]]) -> float:
    return sum(b - a for a, b in merge_intervals(intervals))


def accept_segment(start: float, end: float, *, duration: float) -> tuple[float, float] | None:
    """Clip one reported segment to the video; an empty or backwards segment earns nothing.

    Whether the segment could have been watched is judged on the whole session by ``plausible_total``,
    never against the time since the previous heartbeat: heartbeats of honest playback can reach the
    server late or back to back (a queued flush behind a slow answer, the pause flush right after the
    periodic one), so a per-heartbeat delta refuses real playback (education credit, LAW art.36)."""
    start, end = float(start), float(end)
    if end <= start or start < 0:
        return None
    end = min(float(duration), end) if duration else end
    if end <= start:
        return None
    return (start, end)


def plausible_total(covered_after: float, elapsed_seconds: float, *, max_rate: float = 2.0, slack: float = 3.0) -> bool:
    """The session's credit (the union of its watched segments, overlaps counted once) can never exceed
    the wall-clock time since the session started × the fastest playback rate offered, plus a small slack.

    A skip (a 200 s "segment" reported 10 s later), a forged report (60 s claimed 5 s after the start)
    and a burst of short forged heartbeats all push the union past that bound and earn nothing; honest
    playback stays inside it whatever the timing of the individual heartbeats."""
    return covered_after <= max(0.0, elapsed_seconds) * max_rate + slack


COMPLETE_RATIO = 0.95  # 95 % of the video watched counts as complete (credits roundings at the end)


def study_complete(watched: float, duration: float) -> bool:
    return duration > 0 and watched >= duration * COMPLETE_RATIO


# --- video containers (by magic bytes, never by name) -------------------------------------------------

MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"MSNV",
              b"3gp4", b"3gp5", b"3gp6"}


def sniff_video(head: bytes) -> str | None:
    """'mp4' / 'webm' when the first bytes are a container phones play, else None."""
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:64]:
        return "webm"
    return None


def describe_unsupported(head: bytes) -> str:
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    if head[:3] == b"FLV":
        return "FLV"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "MKV"
    if head[:4] == b"\x30\x26\xb2\x75":
        return "WMV/ASF"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:10] == b"qt":
        return "MOV"
    return "未知格式"


# --- quizzes --------------------------------------------------------------------------------------------

def question_errors(text: str, options: list[str], correct: list[int]) -> list[str]:
    errors = []
    if not text.strip():
        errors.append("请填写题目内容。")
    opts = [o for o in options if o.strip()]
    if len(opts) < 2:
        errors.append("每道题至少需要两个选项。")
    if not correct:
        errors.append("请至少标出一个正确答案：没有正确答案的题目无法作答。")
    elif any(i < 0 or i >= len(opts) for i in correct):
        errors.append("正确答案必须是已填写的选项。")
    return errors


PASS_RATIO = 0.6


def quiz_score(answers: dict[int, list[int]], keys: dict[int, list[int]]) -> tuple[int, int, bool]:
    right = sum(1 for qid, key in keys.items() if sorted(answers.get(qid, [])) == sorted(key))
    total = len(keys)
    return right, total, total == 0 or right / total >= PASS_RATIO
