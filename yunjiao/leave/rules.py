"""Leave (日常外出), business travel (经营性外出) and transfer (执行地变更) rules — pure, no ORM.

Every limit is a named value with its legal basis and national default (domain.md §2.5, §2.6, §5.1
D10–D12, §6.5).  The numbers from the Implementation Measures (IM) are UNVERIFIED defaults; a
deployment overrides them with the setting ``YUNJIAO_LEAVE_RULES`` (a dict of field → value),
read by ``services.leave_rules()``.

Day counting: a leave from 1 March to 7 March is 7 days (both ends count).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

TOWNSHIP, COUNTY, CITY = "township", "county", "city"
LEVEL_LABELS = {TOWNSHIP: "司法所", COUNTY: "县级社区矫正机构", CITY: "市级社区矫正机构"}
LEVEL_RANK = {TOWNSHIP: 1, COUNTY: 2, CITY: 3}

IM = "社区矫正法实施办法(未核实)"
ARTICLES = {
    "approval": "社区矫正法第27条第1款：离开所居住的市、县须经批准，有正当理由的应当批准",
    "township_max_days": f"{IM}：7日以内由受委托的司法所批准，报县级社区矫正机构备案",
    "county_max_days": f"{IM}：超过7日由县级社区矫正机构批准，每次不超过30日",
    "cumulative_max_days": f"{IM}：超过30日或两个月内累计超过30日，报上一级社区矫正机构批准，并通报检察院",
    "notice_days": f"{IM}：一般应提前3日提出书面申请(D11)",
    "period_end": "社区矫正法第44条：矫正期满即解除，外出不得超过矫正期限",
    "prohibition": "刑法第38条第2款、第72条第2款：禁止令所禁止进入的区域、场所",
    "return": f"{IM}：外出期满应当返回并报告(销假)，逾期未归责令返回并依法处理(D10)",
    "simplified": "社区矫正法第27条第1款：因正常工作和生活需要经常性跨市、县活动的，可以简化批准程序和方式",
    "transfer": "社区矫正法第27条第2款；实施办法(未核实)：收到决定之日起7日内到新执行地报到(D12)",
}


@dataclass(frozen=True)
class LeaveRules:
    """Configurable limits (national defaults).  Override with settings.YUNJIAO_LEAVE_RULES."""

    township_max_days: int = 7  # ≤ this: 司法所 (if entrusted)
    county_max_days: int = 30  # ≤ this per approval: county agency
    cumulative_max_days: int = 30  # > this within the window: city agency + procuratorate copy
    cumulative_window_months: int = 2
    notice_days: int = 3  # days before departure the application is due (D11)
    notice_days_long: int = 3  # same for leaves above township_max_days (some counties: 7 working days)
    return_grace_hours: int = 0  # added to the end of an approved window for the geofence
    overdue_after_hours: int = 0  # hours after the end of the last day before 逾期未归 is raised
    permit_validity_months: int = 6  # 经营性外出 standing permit
    permit_max_trip_days: int = 7
    trip_notice_days: int = 1  # a trip under a permit is registered the day before
    green_channel_hours: int = 0  # 0 = the township confirms an urgent trip the same day
    entrusted_township: bool = True  # the county entrusted its 司法所 with short leaves

    @classmethod
    def from_mapping(cls, values: Mapping[str, int] | None) -> LeaveRules:
        if not values:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"YUNJIAO_LEAVE_RULES 中有未知的规则：{', '.join(sorted(unknown))}")
        return replace(cls(), **values)


DEFAULT = LeaveRules()


def leave_days(start: date, end: date) -> int:
    """Days of a leave, both ends counted (1–7 March = 7)."""
    return (end - start).days + 1


def _add_months(day: date, n: int) -> date:
    import calendar

    month0 = day.month - 1 + n
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def cumulative_days(start: date, end: date, others: Iterable[tuple[date, date]], *,
                    rules: LeaveRules = DEFAULT) -> int:
    """The most days away in any two-month window that contains part of this leave: this leave plus
    every other approved leave or registered trip (each day counted once)."""
    days: set[date] = set()
    horizon = (_add_months(start, -rules.cumulative_window_months), _add_months(end, rules.cumulative_window_months))
    for s, e in [(start, end), *others]:
        d, hi = max(s, horizon[0]), min(e, horizon[1])
        while d <= hi:
            days.add(d)
            d += timedelta(days=1)
    best = 0
    window_end = start
    while window_end <= _add_months(end, rules.cumulative_window_months):
        window_start = _add_months(window_end, -rules.cumulative_window_months) + timedelta(days=1)
        if window_start <= end:
            best = max(best, sum(1 for d in days if window_start <= d <= window_end))
        window_end += timedelta(days=1)
    return best


@dataclass(frozen=True)
class Authority:
    level: str  # township / county / city
    reason: str  # why this level (Chinese, with the rule)
    article: str
    procuratorate_copy: bool = False

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]


def required_authority(days: int, cumulative: int, *, rules: LeaveRules = DEFAULT) -> Authority:
    """Who must approve a leave of `days` days with `cumulative` days in the two-month window."""
    if days > rules.county_max_days:
        return Authority(CITY, f"外出{days}日，超过{rules.county_max_days}日，须报市级社区矫正机构批准",
                         ARTICLES["cumulative_max_days"], True)
    if cumulative > rules.cumulative_max_days:
        return Authority(CITY, f"{rules.cumulative_window_months}个月内累计外出{cumulative}日，超过"
                               f"{rules.cumulative_max_days}日，须报市级社区矫正机构批准",
                         ARTICLES["cumulative_max_days"], True)
    if days > rules.township_max_days or not rules.entrusted_township:
        why = (f"外出{days}日，超过{rules.township_max_days}日" if days > rules.township_max_days
               else "本县未委托司法所审批外出")
        return Authority(COUNTY, f"{why}，须由县级社区矫正机构批准", ARTICLES["county_max_days"])
    return Authority(TOWNSHIP, f"外出{days}日，{rules.township_max_days}日以内，可由司法所批准",
                     ARTICLES["township_max_days"])


def authority_refusal(approver_level: str, required: Authority) -> list[str]:
    """Reasons an approver at `approver_level` may not approve (only the required level decides)."""
    if approver_level == required.level:
        return []
    if LEVEL_RANK.get(approver_level, 0) < LEVEL_RANK[required.level]:
        return [f"超出{LEVEL_LABELS.get(approver_level, approver_level)}的审批权限：{required.reason}"
                f"（{required.article}）。请提交上一级审批"]
    return [f"本次外出应由{required.label}审批（{required.reason}），请退回下级办理"]


def notice_refusal(applied_on: date, start: date, days: int, *, rules: LeaveRules = DEFAULT,
                   urgent: bool = False) -> list[str]:
    """The application must be made `notice_days` before departure (urgent cases exempt, with reasons)."""
    if urgent:
        return []
    need = rules.notice_days_long if days > rules.township_max_days else rules.notice_days
    if start < applied_on:
        return [f"外出起始日期{start.isoformat()}早于申请日期，不能补批已发生的外出"]
    if (start - applied_on).days < need:
        latest = start - timedelta(days=need)
        return [f"应当至少提前{need}日提出外出申请（最迟{latest.isoformat()}提出；{ARTICLES['notice_days']}）。"
                "确有紧急情况的，请勾选“紧急”并说明理由"]
    return []


def dates_refusal(start: date, end: date) -> list[str]:
    if end < start:
        return ["外出结束日期不能早于开始日期"]
    return []


def period_refusal(end: date, period_end: date | None) -> list[str]:
    """A leave may not run past the end of the correction period (the end date governs)."""
    if period_end is not None and end > period_end:
        return [f"外出结束日期{end.isoformat()}超过矫正期满日{period_end.isoformat()}，"
                f"请将结束日期改为{period_end.isoformat()}或之前（{ARTICLES['period_end']}）"]
    return []


@dataclass(frozen=True)
class ProhibitedArea:
    content: str  # the order's wording, e.g. "禁止进入370102(历下区)娱乐场所集中区域"
    start: date
    end: date


_CODE = re.compile(r"\d{6}")


def prohibition_refusal(destinations: Sequence[tuple[str, str]], start: date, end: date,
                        areas: Iterable[ProhibitedArea]) -> list[str]:
    """A destination named (by division code or name) in an area 禁止令 in force during the leave."""
    reasons = []
    for area in areas:
        if area.end < start or area.start > end:
            continue
        codes = set(_CODE.findall(area.content))
        for code, name in destinations:
            covered = any(code == c or (c[4:] == "00" and code[:4] == c[:4]) for c in codes)
            if covered or (name and name in area.content):
                reasons.append(f"目的地“{name or code}”在禁止令禁止进入的区域内（禁止令：{area.content}；"
                               f"{ARTICLES['prohibition']}），不予批准")
    return reasons


# --------------------------------------------------------------------------- division codes
PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
             "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
             "65", "71", "81", "82"}


def division_code_error(code: str) -> str | None:
    """A GB/T 2260 county- or city-level code: 6 digits with a valid province prefix, not a province."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        return f"行政区划代码“{code}”应为6位数字（如济南市历下区370102）"
    if code[:2] not in PROVINCES:
        return f"行政区划代码“{code}”的省级代码无效"
    if code[2:] == "0000":
        return f"“{code}”是省级代码，请填写目的地所在的市或县(区)代码"
    return None


def same_city(code_a: str, code_b: str) -> bool:
    return code_a[:4] == code_b[:4]


# --------------------------------------------------------------------------- USCC (GB 32100-2015)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_error(code: str) -> str | None:
    """None if `code` is a valid 统一社会信用代码 (18 characters, GB 32100-2015 check character)."""
    code = (code or "").strip().upper()
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    bad = [ch for ch in code if ch not in USCC_CHARS]
    if bad:
        return f"统一社会信用代码含有无效字符“{bad[0]}”（不使用I、O、Z、S、V）"
    if uscc_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对营业执照上的代码"
    return None


# --------------------------------------------------------------------------- business travel
@dataclass(frozen=True)
class PermitTerms:
    valid_from: date
    valid_until: date
    destination_codes: tuple[str, ...]
    max_days_per_trip: int


def trip_refusal(terms: PermitTerms, start: date, end: date, destination_codes: Sequence[str],
                 others: Iterable[tuple[date, date]], *, registered_on: date, urgent: bool = False,
                 rules: LeaveRules = DEFAULT, period_end: date | None = None) -> list[str]:
    """Reasons a trip cannot be registered under the permit (then it needs an ordinary leave)."""
    reasons = dates_refusal(start, end)
    if reasons:
        return reasons
    if start < terms.valid_from or end > terms.valid_until:
        reasons.append(f"行程须在许可有效期{terms.valid_from.isoformat()}至{terms.valid_until.isoformat()}内")
    outside = [c for c in destination_codes if c not in terms.destination_codes]
    if outside:
        reasons.append(f"目的地{'、'.join(outside)}不在许可的目的地范围内，请另行申请日常外出")
    days = leave_days(start, end)
    if days > terms.max_days_per_trip:
        reasons.append(f"单次行程{days}日，超过许可的每次最长{terms.max_days_per_trip}日")
    if not urgent and (start - registered_on).days < rules.trip_notice_days:
        reasons.append(f"行程应至少提前{rules.trip_notice_days}日登记；紧急出行请走绿色通道（勾选“紧急”）")
    total = cumulative_days(start, end, others, rules=rules)
    if total > rules.cumulative_max_days:
        reasons.append(f"{rules.cumulative_window_months}个月内累计外出将达{total}日，超过"
                       f"{rules.cumulative_max_days}日，不能按经营性外出登记，须按日常外出报市级社区矫正机构批准"
                       f"（{ARTICLES['cumulative_max_days']}）")
    reasons.extend(period_refusal(end, period_end))
    return reasons
