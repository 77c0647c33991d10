"""When to ask a subject to check in (信息化核查 schedules and spot checks) — pure rules, no ORM.

Design against the known abuses and failures:
- "check in once per calendar day" is gamed by checking in just after midnight: here a check exists only
  as a *task* with a random window during waking hours; a check-in counts only when it answers an open task.
- the times are unpredictable to the subject (seeded by a server secret) but reproducible for audit;
- no checks at night unless an officer orders one (no night-time alarm storms for honest people);
- tasks are spread out (minimum gap) so one bad moment does not fail several checks.
Frequencies are configuration (domain.md §5.3 gives no national numbers: UNVERIFIED defaults below).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class CheckPolicy:
    """How often a group of subjects is checked.  `per_week` checks, spread over the week's days."""

    per_week: int
    response_minutes: int = 30
    waking_start: time = time(8, 0)
    waking_end: time = time(21, 0)
    min_gap_minutes: int = 120


# Defaults per management level (严管/普管/宽管); UNVERIFIED — configurable per city.
DEFAULT_POLICIES = {
    "strict": CheckPolicy(per_week=14),  # twice a day
    "normal": CheckPolicy(per_week=7),  # once a day
    "lenient": CheckPolicy(per_week=3),
}
# Extra checks per week for flags (key subject, high risk).
DEFAULT_EXTRA = {"key_subject": 7, "high_risk": 3}


def policy_for(level: str, *, key_subject: bool = False, high_risk: bool = False,
               policies: dict[str, CheckPolicy] | None = None, extra: dict[str, int] | None = None) -> CheckPolicy:
    policies = policies or DEFAULT_POLICIES
    extra = extra or DEFAULT_EXTRA
    base = policies.get(level, policies["normal"])
    bonus = (extra.get("key_subject", 0) if key_subject else 0) + (extra.get("high_risk", 0) if high_risk else 0)
    return CheckPolicy(per_week=base.per_week + bonus, response_minutes=base.response_minutes,
                       waking_start=base.waking_start, waking_end=base.waking_end,
                       min_gap_minutes=base.min_gap_minutes)


def _rng(secret: str, *parts) -> random.Random:
    seed = hashlib.sha256("|".join([secret, *map(str, parts)]).encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))


def checks_on_day(policy: CheckPolicy, day: date, *, secret: str, subject_key: Hashable) -> int:
    """How many checks fall on `day`: per_week spread evenly, the remainder on random weekdays."""
    base, rest = divmod(policy.per_week, 7)
    monday = day - timedelta(days=day.weekday())
    extra_days = set(_rng(secret, "week", subject_key, monday.isoformat()).sample(range(7), rest))
    return base + (1 if day.weekday() in extra_days else 0)


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    due_at: datetime


def plan_day(policy: CheckPolicy, day: date, *, secret: str, subject_key: Hashable, tz: tzinfo) -> list[Window]:
    """Random check windows for one subject on one day, inside waking hours, at least min_gap apart."""
    n = checks_on_day(policy, day, secret=secret, subject_key=subject_key)
    if n == 0:
        return []
    start = datetime.combine(day, policy.waking_start, tzinfo=tz)
    # The last window must close before waking hours end.
    end = datetime.combine(day, policy.waking_end, tzinfo=tz) - timedelta(minutes=policy.response_minutes)
    span = int((end - start).total_seconds() // 60)
    gap = policy.min_gap_minutes
    if n > 1 and (n - 1) * gap > span:
        gap = span // (n - 1)  # too many checks for the day: squeeze the gap, never spill into the night
    rng = _rng(secret, "day", subject_key, day.isoformat())
    # Sample n offsets from the span shrunk by the gaps, then re-insert the gaps (uniform, spaced).
    free = span - (n - 1) * gap
    offsets = sorted(rng.randint(0, free) for _ in range(n))
    windows = []
    for i, off in enumerate(offsets):
        opens = start + timedelta(minutes=off + i * gap)
        windows.append(Window(opens, opens + timedelta(minutes=policy.response_minutes)))
    return windows


# 外出核查 around an approved leave: three planned checks (slot numbers above any scheduled slot of a day, so
# the (subject, day, seq) constraint keeps each of them once).
LEAVE_DEPARTURE, LEAVE_ARRIVAL, LEAVE_RETURN = 901, 902, 903
LEAVE_CHECK_LABELS = {LEAVE_DEPARTURE: "出发核查", LEAVE_ARRIVAL: "到达核查", LEAVE_RETURN: "返回核查"}


@dataclass(frozen=True)
class LeaveCheck:
    seq: int
    label: str
    day: date
    window: Window


def plan_leave(policy: CheckPolicy, start: date, end: date, *, secret: str, leave_key: Hashable,
               tz: tzinfo, return_grace_hours: float = 0) -> list[LeaveCheck]:
    """The 出发/到达/返回 checks of a leave from `start` to `end` (inclusive), in waking hours.

    Waking hours are cut in thirds: 出发核查 in the first third of the first day (before or while leaving);
    到达核查 in the middle third of the second day (already at the destination; the first day for a one-day
    leave), judged against the destination; 返回核查 in the first third of the day after the approved end,
    judged at home — the leave window (home plus destination) is over, so a subject still away is outside.
    Times are random within the third (seeded by the server secret and the leave, so re-planning gives the
    same times) and each window lasts the response time.  A configured return grace (leave rules,
    ``return_grace_hours``) keeps the destination allowed after the end, so the 返回核查 moves past it by whole
    days: a check inside the grace could not show that the person came back."""
    first = datetime.combine(start, policy.waking_start, tzinfo=tz)
    span = int((datetime.combine(start, policy.waking_end, tzinfo=tz) - first).total_seconds() // 60)
    span -= policy.response_minutes  # the last window must close before waking hours end
    third = max(span // 3, 1)
    arrival_day = start + timedelta(days=1) if end > start else start
    return_day = end + timedelta(days=1 + math.ceil(max(0.0, return_grace_hours) / 24))
    slots = ((LEAVE_DEPARTURE, start, 0), (LEAVE_ARRIVAL, arrival_day, 1), (LEAVE_RETURN, return_day, 0))
    checks = []
    for seq, day, part in slots:
        rng = _rng(secret, "leave", leave_key, seq, day.isoformat())
        opens = datetime.combine(day, policy.waking_start, tzinfo=tz) + timedelta(
            minutes=part * third + rng.randint(0, third - 1))
        checks.append(LeaveCheck(seq, LEAVE_CHECK_LABELS[seq], day,
                                 Window(opens, opens + timedelta(minutes=policy.response_minutes))))
    return checks


def is_quiet_hour(at: datetime, policy: CheckPolicy) -> bool:
    t = at.timetz().replace(tzinfo=None)
    return not (policy.waking_start <= t < policy.waking_end)


def stratified_sample(items: Sequence, key: Callable, n: int, *, rng: random.Random) -> list:
    """Pick n items spread over the strata given by key(item), proportionally (largest remainder),
    with at least one from every stratum when n allows.  Used for 点对点 spot checks of a scope."""
    if n >= len(items):
        return list(items)
    strata: dict = defaultdict(list)
    for item in items:
        strata[key(item)].append(item)
    keys = sorted(strata, key=str)
    total = len(items)
    quotas = {k: n * len(strata[k]) / total for k in keys}
    alloc = {k: int(q) for k, q in quotas.items()}
    if n >= len(keys):
        for k in keys:
            alloc[k] = max(alloc[k], 1)
    while sum(alloc.values()) > n:  # took too many through the minimum of one: trim the largest
        k = max(keys, key=lambda k: (alloc[k] - quotas[k], alloc[k]))
        alloc[k] -= 1
    for k in sorted(keys, key=lambda k: quotas[k] - alloc[k], reverse=True):
        if sum(alloc.values()) >= n:
            break
        if alloc[k] < len(strata[k]):
            alloc[k] += 1
    picked = []
    for k in keys:
        picked.extend(rng.sample(strata[k], min(alloc[k], len(strata[k]))))
    return picked
