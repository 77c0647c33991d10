"""Statutory periods as named rules (pure: no ORM).

Every period in domain.md §5.1 is one `Rule` with its id (D1…D21), Chinese name, legal basis,
unit, national default and whether the number was verified against a primary legal text.
Unverified numbers are defaults a city administrator may override in the UI (the DB table
`RuleOverride` feeds `overrides` below; changes are audited).

Overrides are passed in as a mapping {org path: value}.  "" is the deployment-wide (provincial)
value; "370800" a city; "370800.370811" a county.  The most specific path that contains the case's
org wins, then the national default.
"""

from __future__ import annotations

import calendar as _pycal
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from yunjiao.workflows.calendar import DayCount, add_calendar_days, add_working_days


class Unit(StrEnum):
    WORKING_DAYS = "wd"
    CALENDAR_DAYS = "cal"
    HOURS = "hours"
    MONTHS = "months"

    @property
    def label(self) -> str:
        return {"wd": "个工作日", "cal": "日", "hours": "小时", "months": "个月"}[self.value]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    basis: str  # law article or source, as cited in domain.md §5.1
    unit: Unit
    default: int | None  # None: the period is set case by case (e.g. by the incoming document)
    verified: bool  # True only when the number was read in the primary legal text
    starts_from: str  # the event the period counts from
    who: str  # who must act
    before: bool = False  # the period ends *before* the event (e.g. 30 days before the period end)
    note: str = ""

    def describe(self, value: int | None = None) -> str:
        value = self.default if value is None else value
        if value is None:
            return f"{self.name}：期限由来文确定"
        where = "前" if self.before else "后"
        return f"{self.name}：{self.starts_from}{where}{value}{self.unit.label}"


WD, CAL, HOURS, MONTHS = Unit.WORKING_DAYS, Unit.CALENDAR_DAYS, Unit.HOURS, Unit.MONTHS

RULES: dict[str, Rule] = {r.id: r for r in [
    Rule("D1", "调查评估期限", "社区矫正法实施办法(未核实)；社区矫正法第18条", WD, 10, False,
         "收到调查评估委托函及材料之日", "县级社区矫正机构/司法所",
         note="经与委托机关协商可延长"),
    Rule("D1_FAST", "调查评估期限(速裁程序)", "社区矫正法实施办法(未核实)", WD, 5, False,
         "收到调查评估委托函及材料之日", "县级社区矫正机构/司法所"),
    Rule("D2", "决定机关通知执行地社区矫正机构", "社区矫正法第20条", CAL, 5, True,
         "判决、裁定、决定生效之日", "社区矫正决定机关"),
    Rule("D3", "决定机关送达法律文书", "社区矫正法第20条", CAL, 10, True,
         "判决、裁定、决定生效之日", "社区矫正决定机关"),
    Rule("D4", "送达回执", "社区矫正法实施办法(未核实；2012年办法为3个工作日)", CAL, 5, False,
         "收到法律文书之日", "县级社区矫正机构"),
    Rule("D5", "补齐法律文书", "社区矫正法实施办法(未核实)", CAL, 5, False,
         "社区矫正对象报到时法律文书不齐之日", "社区矫正决定机关(社区矫正机构催告)"),
    Rule("D6", "社区矫正对象报到", "社区矫正法第21条第1款", CAL, 10, True,
         "判决、裁定生效之日", "社区矫正对象/县级社区矫正机构",
         note="逾期未报到：立即组织查找并通知决定机关"),
    Rule("D7", "暂予监外执行押送交付", "社区矫正法第21条第2、3款", CAL, 10, True,
         "收到暂予监外执行决定(批准)之日", "看守所/监狱/公安机关"),
    Rule("D8", "逾期报到处理分级", "温州市司法局问答；最高法解释(2021)第543条", CAL, 10, False,
         "报到期限届满之日", "县级社区矫正机构",
         note="逾期10日内训诫候选；超过10日警告候选；超过1个月撤销缓刑/假释候选"),
    Rule("D9", "电子定位期限", "社区矫正法第29条", MONTHS, 3, True,
         "批准使用电子定位装置之日", "县级社区矫正机构(县级司法行政部门负责人批准)",
         note="每次延长不超过3个月"),
    Rule("D10", "外出销假", "社区矫正法实施办法(未核实)", CAL, 0, False,
         "批准外出的截止日期", "社区矫正对象/司法所"),
    Rule("D11", "外出申请提前量", "社区矫正法实施办法(未核实)", CAL, 3, False,
         "拟外出之日", "社区矫正对象", before=True),
    Rule("D12", "执行地变更征求意见", "社区矫正法实施办法(未核实)；社区矫正法第27条", CAL, 5, False,
         "收到执行地变更申请之日", "原、新执行地社区矫正机构"),
    Rule("D12_REPORT", "执行地变更后到新执行地报到", "社区矫正法实施办法(未核实)；社区矫正法第27条", CAL, 7, False,
         "执行地变更决定书送达对象之日", "社区矫正对象/新执行地社区矫正机构",
         note="逾期未报到按未按时报到处理：组织查找并通知决定机关"),
    Rule("D13", "提请逮捕决定", "社区矫正法第47条", HOURS, 48, True,
         "人民法院收到提请逮捕建议之时", "人民法院"),
    Rule("D14", "撤销缓刑、假释裁定", "社区矫正法第48条", CAL, 30, True,
         "人民法院收到撤销缓刑、假释建议书之日", "人民法院"),
    Rule("D15", "收监执行决定", "社区矫正法第49条", CAL, 30, True,
         "决定机关收到收监执行建议书之日", "社区矫正决定机关"),
    Rule("D16", "减刑裁定", "社区矫正法第33条", CAL, 30, True,
         "人民法院收到减刑建议书之日", "中级人民法院"),
    Rule("D17", "解除矫正前准备", "地方实践(未核实)；社区矫正法实施办法(未核实)", CAL, 30, False,
         "矫正期满之日", "司法所/县级社区矫正机构", before=True,
         note="个人总结、书面鉴定、解矫宣告安排、安置帮教衔接"),
    Rule("D18", "解除社区矫正", "社区矫正法第44条；司办通〔2021〕94号(内容未核实)", CAL, 0, True,
         "矫正期满之日", "县级社区矫正机构",
         note="有未结的撤销缓刑/假释、收监执行提请或刑事强制措施时不得自动解除"),
    Rule("D19", "死亡通知", "社区矫正法第51条；实施办法5日(未核实)", CAL, 5, False,
         "接到死亡报告之日", "县级社区矫正机构"),
    Rule("D20", "保外就医复查", "社区矫正法实施办法(未核实)", MONTHS, 3, False,
         "上次病情复查之日", "社区矫正对象"),
    Rule("D21", "检察建议/纠正意见书面回复", "社区矫正法第62条", CAL, None, True,
         "收到检察建议、纠正意见之日", "社区矫正机构", note="回复期限以来文为准"),
]}


class UnknownRule(KeyError):
    pass


def get_rule(rule_id: str) -> Rule:
    try:
        return RULES[rule_id]
    except KeyError:
        raise UnknownRule(f"未定义的期限规则：{rule_id}")


def effective_value(rule_id: str, *, org_path: str = "",
                    overrides: Mapping[str, int] | None = None) -> tuple[int | None, str]:
    """The value that applies at `org_path` and where it comes from (an org path, or "national").

    The override whose path is the longest prefix (by whole path segments) of `org_path` wins.
    """
    rule = get_rule(rule_id)
    best: tuple[int, str, int] | None = None  # (depth, path, value)
    for path, value in (overrides or {}).items():
        if path == "" or org_path == path or org_path.startswith(path + "."):
            depth = -1 if path == "" else path.count(".")
            if best is None or depth > best[0]:
                best = (depth, path, value)
    if best is not None:
        return best[2], best[1] or "province"
    return rule.default, "national"


def add_months(day: date, n: int) -> date:
    """Same day n months later, clamped to the month's last day (e.g. 1-31 + 1 month = 2-28)."""
    month0 = day.month - 1 + n
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, _pycal.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadline:
    rule: Rule
    value: int
    source: str  # "national", "province" or the org path of the override
    due: date | datetime
    fallback_days: tuple[date, ...] = field(default=())

    @property
    def fell_back(self) -> bool:
        return bool(self.fallback_days)

    @property
    def warning(self) -> str:
        return DayCount(self.due if isinstance(self.due, date) else self.due.date(),
                        self.fallback_days).warning

    @property
    def due_date(self) -> date:
        return self.due.date() if isinstance(self.due, datetime) else self.due


class NoDefault(ValueError):
    pass


def compute_deadline(rule_id: str, start: date | datetime, *, org_path: str = "",
                     overrides: Mapping[str, int] | None = None, value: int | None = None,
                     roll_forward: bool = False) -> Deadline:
    """When the period of `rule_id` that counts from `start` ends.

    `value` forces the period length (e.g. D21, where the incoming document sets it, or an
    extension agreed with the commissioning body).  `roll_forward` applies to calendar-day rules:
    a period ending on a rest day moves to the next working day.
    """
    rule = get_rule(rule_id)
    source = "document"
    if value is None:
        value, source = effective_value(rule_id, org_path=org_path, overrides=overrides)
    if value is None:
        raise NoDefault(f"“{rule.name}”没有默认期限，请按来文填写期限")
    sign = -1 if rule.before else 1
    if rule.unit is HOURS:
        moment = start if isinstance(start, datetime) else datetime.combine(start, datetime.min.time())
        return Deadline(rule, value, source, moment + timedelta(hours=sign * value))
    day = start.date() if isinstance(start, datetime) else start
    if rule.unit is WD:
        counted = add_working_days(day, sign * value)
    elif rule.unit is MONTHS:
        counted = DayCount(add_months(day, sign * value))
        if roll_forward and not rule.before:
            counted = add_calendar_days(counted.date, 0, roll_forward=True)
    else:
        # A period counted backwards from an event (D11, D17) marks an opening day: no roll-forward.
        counted = add_calendar_days(day, sign * value, roll_forward=roll_forward and not rule.before)
    return Deadline(rule, value, source, counted.date, counted.fallback_days)


def reminder_day(due: date) -> DayCount:
    """The working day before a deadline: when the scanner sends its reminder."""
    return add_working_days(due, -1)


def is_overdue(due: date | datetime, now: datetime) -> bool:
    """A day deadline is met by acting any time on the due day; an hour deadline to the minute."""
    if isinstance(due, datetime):
        return now > due
    return now.date() > due
