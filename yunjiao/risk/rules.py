"""Pure risk rules (no ORM): key-subject criteria (判断危险重点管控对象标准), management-level proposals
(分类管理 严管/普管/宽管), three-level warnings (三级预警 红/黄/蓝) and their response plans.

Every number here is a configurable default, not law.  Jining's own 《判断危险重点管控对象标准》 and
《突发事件应急预案》 are not public (domain.md §6.2, UNVERIFIED); the level entry criteria follow the
provincial 分类管理办法 excerpt cited in domain.md §5.3 (严管 when in correction < 2 months, high risk,
≥2 训诫 or any 警告).  A rule set is stored as a JSON config in versioned rows; `parse_config` validates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

# ---------------------------------------------------------------------------------------------- facts


@dataclass
class SubjectFacts:
    """What the criteria read about one subject on one day (collected by services.collect_facts)."""

    subject_id: int
    name: str = ""
    category: str = ""  # surveillance / probation / parole / temporary_release
    charges: str = ""
    status: str = "in_correction"
    supervision_level: str = "strict"
    is_key_subject: bool = False
    days_in_correction: int = 0
    anomalies: list = field(default_factory=list)  # [(kind, days_ago, false_alarm)]
    sanctions: list = field(default_factory=list)  # [(kind, days_ago)]  kind: admonition/warning/police_penalty
    lost_contact: bool = False
    family_conflict: bool = False
    unemployed: bool = False
    mental_health: bool = False
    prior_record: bool = False
    officer_judgement: str = "none"  # none / concern / high
    days_since_incident: int = 0  # days since the last real anomaly or sanction (or since correction began)


# ---------------------------------------------------------------------------------------------- criteria

CRITERION_KINDS = {
    "category": "矫正类别",
    "charges": "罪名关键词",
    "recent_anomalies": "近期异常",
    "sanctions": "受到处罚",
    "lost_contact": "脱管/失联",
    "family_conflict": "家庭矛盾",
    "unemployment": "无业",
    "mental_health": "心理/精神健康问题",
    "prior_record": "前科/累犯",
    "officer_judgement": "工作人员研判",
}

VIOLENT_KEYWORDS = ["故意杀人", "故意伤害", "抢劫", "绑架", "放火", "爆炸", "寻衅滋事", "聚众斗殴", "非法拘禁",
                    "敲诈勒索", "妨害公务"]
DRUG_KEYWORDS = ["毒品", "贩卖毒品", "走私毒品", "容留他人吸毒", "非法持有毒品", "制造毒品"]
SEXUAL_KEYWORDS = ["强奸", "强制猥亵", "猥亵儿童", "组织卖淫", "强迫卖淫", "引诱"]

DEFAULT_CONFIG: dict = {
    "threshold": 60,
    "criteria": [
        {"code": "violent_charge", "name": "暴力犯罪", "kind": "charges", "weight": 40,
         "params": {"keywords": VIOLENT_KEYWORDS}},
        {"code": "drug_charge", "name": "涉毒犯罪", "kind": "charges", "weight": 30,
         "params": {"keywords": DRUG_KEYWORDS}},
        {"code": "sexual_charge", "name": "性侵犯罪", "kind": "charges", "weight": 40,
         "params": {"keywords": SEXUAL_KEYWORDS}},
        {"code": "temporary_release", "name": "暂予监外执行", "kind": "category", "weight": 10,
         "params": {"categories": ["temporary_release"]}},
        {"code": "recent_anomalies", "name": "近30日异常3次以上", "kind": "recent_anomalies", "weight": 30,
         "params": {"days": 30, "min_count": 3, "kinds": []}},
        {"code": "sanctioned", "name": "近6个月受到警告或治安处罚", "kind": "sanctions", "weight": 40,
         "params": {"days": 180, "min_count": 1, "kinds": ["warning", "police_penalty"]}},
        {"code": "lost_contact", "name": "脱管或失联", "kind": "lost_contact", "hard": True, "params": {}},
        {"code": "family_conflict", "name": "家庭矛盾突出", "kind": "family_conflict", "weight": 20, "params": {}},
        {"code": "unemployed", "name": "无业", "kind": "unemployment", "weight": 10, "params": {}},
        {"code": "mental_health", "name": "存在心理或精神健康问题", "kind": "mental_health", "weight": 30, "params": {}},
        {"code": "prior_record", "name": "有前科或系累犯", "kind": "prior_record", "weight": 20, "params": {}},
        {"code": "officer_judgement", "name": "工作人员研判为高风险", "kind": "officer_judgement", "hard": True,
         "params": {"values": ["high"]}},
    ],
    "levels": {
        # 严管 during the first N days of correction (domain.md §5.3: < 2 months)
        "initial_strict_days": 60,
        # compliant period before a step down 严管→普管 and 普管→宽管
        "step_down_days": {"strict": 90, "normal": 180},
        # score at or above which a subject stays / goes 严管 even if not a key subject
        "strict_score": 40,
        # highest score for 宽管
        "lenient_max_score": 10,
        # any of these sanctions within `sanction_days` → 严管
        "strict_sanctions": ["warning", "police_penalty"],
        "strict_admonitions": 2,
        "sanction_days": 180,
    },
}


@dataclass(frozen=True)
class Hit:
    code: str
    name: str
    weight: int
    hard: bool
    reason: str


@dataclass
class Evaluation:
    score: int
    hits: list[Hit]
    is_key: bool

    @property
    def reasons(self) -> list[str]:
        return [f"{h.name}（{h.reason}）" + ("【直接认定】" if h.hard else f"（{h.weight}分）") for h in self.hits]


def parse_config(config: dict) -> list[str]:
    """Problems of a rule-set config, in Chinese; [] when it can be activated."""
    errors = []
    if not isinstance(config, dict):
        return ["规则配置必须是对象(JSON)。"]
    threshold = config.get("threshold")
    if not isinstance(threshold, int) or threshold <= 0:
        errors.append("认定阈值(threshold)必须是正整数。")
    codes = set()
    for i, c in enumerate(config.get("criteria") or []):
        label = c.get("name") or f"第{i + 1}项"
        if not c.get("code"):
            errors.append(f"标准“{label}”缺少代码(code)。")
        elif c["code"] in codes:
            errors.append(f"标准代码“{c['code']}”重复。")
        codes.add(c.get("code"))
        if c.get("kind") not in CRITERION_KINDS:
            errors.append(f"标准“{label}”的类型“{c.get('kind')}”不存在，可选：{'、'.join(CRITERION_KINDS)}。")
        if not c.get("hard") and not isinstance(c.get("weight"), int):
            errors.append(f"标准“{label}”必须设置分值(weight)或设为直接认定(hard)。")
        if c.get("kind") == "charges" and not (c.get("params") or {}).get("keywords"):
            errors.append(f"标准“{label}”需要罪名关键词列表(params.keywords)。")
    if not config.get("criteria"):
        errors.append("至少需要一项认定标准。")
    return errors


def _count_recent(items, days: int, kinds: list) -> int:
    return sum(1 for it in items if it[1] <= days and (not kinds or it[0] in kinds))


def check_criterion(c: dict, f: SubjectFacts) -> str | None:
    """The reason this criterion triggers for these facts, or None."""
    kind, p = c["kind"], c.get("params") or {}
    if kind == "category":
        return f"矫正类别为{f.category}" if f.category in p.get("categories", []) else None
    if kind == "charges":
        found = [k for k in p.get("keywords", []) if k and k in (f.charges or "")]
        return f"罪名含“{found[0]}”" if found else None
    if kind == "recent_anomalies":
        real = [a for a in f.anomalies if not (len(a) > 2 and a[2])]
        n = _count_recent(real, p.get("days", 30), p.get("kinds") or [])
        return f"近{p.get('days', 30)}日异常{n}次" if n >= p.get("min_count", 1) else None
    if kind == "sanctions":
        n = _count_recent(f.sanctions, p.get("days", 180), p.get("kinds") or [])
        return f"近{p.get('days', 180)}日受处罚{n}次" if n >= p.get("min_count", 1) else None
    if kind == "lost_contact":
        return "当前处于脱管或失联状态" if f.lost_contact else None
    if kind == "family_conflict":
        return "登记有家庭矛盾" if f.family_conflict else None
    if kind == "unemployment":
        return "无业" if f.unemployed else None
    if kind == "mental_health":
        return "登记有心理或精神健康问题" if f.mental_health else None
    if kind == "prior_record":
        return "有前科或系累犯" if f.prior_record else None
    if kind == "officer_judgement":
        return "工作人员研判意见" if f.officer_judgement in p.get("values", ["high"]) else None
    raise ValueError(kind)


def evaluate(config: dict, f: SubjectFacts) -> Evaluation:
    hits = []
    for c in config["criteria"]:
        reason = check_criterion(c, f)
        if reason:
            hits.append(Hit(c["code"], c["name"], int(c.get("weight") or 0), bool(c.get("hard")), reason))
    score = sum(h.weight for h in hits)
    is_key = any(h.hard for h in hits) or score >= config["threshold"]
    return Evaluation(score=score, hits=hits, is_key=is_key)


# ---------------------------------------------------------------------------------------------- proposals

LEVEL_ORDER = {"strict": 0, "normal": 1, "lenient": 2}
LEVEL_LABELS = {"strict": "严管", "normal": "普管", "lenient": "宽管"}


@dataclass(frozen=True)
class Proposal:
    kind: str  # "key" (enter/leave the key-subject list) or "level"
    old: str
    new: str
    reasons: tuple[str, ...]


def propose_level(config: dict, f: SubjectFacts, ev: Evaluation) -> tuple[str, list[str]]:
    """The level the rules call for, with reasons.  Steps down one level at a time and only after the
    configured compliant period; steps up to 严管 at once."""
    lv = {**DEFAULT_CONFIG["levels"], **(config.get("levels") or {})}
    current = f.supervision_level
    strict_reasons = []
    if f.days_in_correction < lv["initial_strict_days"]:
        strict_reasons.append(f"入矫未满{lv['initial_strict_days']}日")
    if ev.is_key:
        strict_reasons.append("属重点管控对象")
    elif ev.score >= lv["strict_score"]:
        strict_reasons.append(f"风险评分{ev.score}分，达到严管线{lv['strict_score']}分")
    window = lv["sanction_days"]
    if any(k in lv["strict_sanctions"] and d <= window for k, d in f.sanctions):
        strict_reasons.append(f"近{window}日受到警告或治安管理处罚")
    admonitions = sum(1 for k, d in f.sanctions if k == "admonition" and d <= window)
    if admonitions >= lv["strict_admonitions"]:
        strict_reasons.append(f"近{window}日受到训诫{admonitions}次")
    if strict_reasons:
        return "strict", strict_reasons
    if current == "lenient":
        if ev.score > lv["lenient_max_score"]:
            return "normal", [f"风险评分{ev.score}分，高于宽管上限{lv['lenient_max_score']}分"]
        return "lenient", []
    needed = lv["step_down_days"].get(current)
    if needed is None:
        return current, []
    if f.days_since_incident < needed:
        return current, [f"连续表现良好{f.days_since_incident}日，未满{needed}日"]
    target = "normal" if current == "strict" else "lenient"
    if target == "lenient" and ev.score > lv["lenient_max_score"]:
        return current, [f"风险评分{ev.score}分，高于宽管上限{lv['lenient_max_score']}分"]
    return target, [f"连续{f.days_since_incident}日无异常、无处罚（满{needed}日）"]


def proposals_for(config: dict, f: SubjectFacts) -> tuple[Evaluation, list[Proposal]]:
    ev = evaluate(config, f)
    out = []
    if ev.is_key != f.is_key_subject:
        if ev.is_key:
            out.append(Proposal("key", "no", "yes", tuple(ev.reasons)))
        else:
            out.append(Proposal("key", "yes", "no", (f"已不符合认定标准（评分{ev.score}分，阈值{config['threshold']}分）",)))
    level, reasons = propose_level(config, f, ev)
    if level != f.supervision_level:
        out.append(Proposal("level", f.supervision_level, level, tuple(reasons)))
    return ev, out


# ---------------------------------------------------------------------------------------------- warnings

WARNING_LEVEL_ORDER = {"blue": 1, "yellow": 2, "red": 3}
WARNING_LEVEL_LABELS = {"blue": "蓝色预警", "yellow": "黄色预警", "red": "红色预警"}
# response tiers: who is notified, in order (司法所 → 县 → 市 → 警务联络室)
TIERS = ["township", "county", "city", "police"]
TIER_LABELS = {"township": "司法所", "county": "县(市、区)社区矫正机构", "city": "市局", "police": "警务联络室"}

DEFAULT_WARNING_CONFIG: dict = {
    "levels": {
        "blue": {"definition": "单条异常未在处置时限内处置", "start_tier": 0,
                 "first_response_minutes": 240, "report_back_hours": 24},
        "yellow": {"definition": "失联超过规定时长，或多次越界", "start_tier": 1,
                   "first_response_minutes": 60, "report_back_hours": 12},
        "red": {"definition": "重点管控对象失联、暴力威胁、群体性事件", "start_tier": 2,
                "first_response_minutes": 30, "report_back_hours": 4},
    },
    "yellow_lost_contact_hours": 12,
    "lost_contact_kinds": ["lost_contact"],
    "yellow_boundary_exits": 2,
    "boundary_kinds": ["boundary_exit", "prohibited_zone"],
    "red_kinds": ["violence_threat", "mass_incident"],
}

MANUAL_KINDS = {
    "lost_contact": "脱管/失联",
    "violence_threat": "暴力威胁/极端行为",
    "mass_incident": "群体性事件/聚集",
    "self_harm": "自杀/自伤",
    "new_crime": "涉嫌重新违法犯罪",
    "public_opinion": "重大舆情",
    "other": "其他突发事件",
}


@dataclass(frozen=True)
class AnomalyView:
    kind: str
    count: int
    first_seen_at: datetime
    due_at: datetime | None
    is_open: bool
    subject_is_key: bool


def classify_anomaly(cfg: dict, a: AnomalyView, now: datetime) -> tuple[str, str] | None:
    """Warning level an anomaly calls for now, with the reason; None when it calls for none."""
    if a.kind in cfg["red_kinds"]:
        return "red", "暴力威胁或群体性事件"
    if a.is_open and a.kind in cfg["lost_contact_kinds"]:
        if a.subject_is_key:
            return "red", "重点管控对象失联"
        hours = (now - a.first_seen_at).total_seconds() / 3600
        if hours >= cfg["yellow_lost_contact_hours"]:
            return "yellow", f"失联已超过{cfg['yellow_lost_contact_hours']}小时"
    if a.kind in cfg["boundary_kinds"] and a.count >= cfg["yellow_boundary_exits"]:
        return "yellow", f"多次越界（{a.count}次）"
    if a.is_open and a.due_at is not None and now > a.due_at:
        return "blue", "异常未在处置时限内处置"
    return None


def level_plan(cfg: dict, level: str) -> dict:
    return cfg["levels"][level]


def warning_deadlines(cfg: dict, level: str, at: datetime) -> tuple[datetime, datetime]:
    """(first-response deadline, report-back deadline) for a warning raised or escalated at `at`."""
    plan = level_plan(cfg, level)
    return (at + timedelta(minutes=plan["first_response_minutes"]),
            at + timedelta(hours=plan["report_back_hours"]))


def next_tier(tier: int) -> int | None:
    return tier + 1 if tier + 1 < len(TIERS) else None


def warning_due_action(*, state: str, tier: int, ack_due: datetime | None, report_due: datetime | None,
                       report_overdue_flagged: bool, now: datetime) -> str | None:
    """What the periodic scan must do with one warning: 'escalate' (first response overdue),
    'report_overdue' (report-back overdue: tell the next tier once), or None."""
    if state == "open" and ack_due is not None and now > ack_due:
        return "escalate"
    if state == "acknowledged" and report_due is not None and now > report_due and not report_overdue_flagged:
        return "report_overdue"
    return None
