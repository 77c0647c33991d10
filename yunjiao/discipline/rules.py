"""Rewards and sanctions (考核奖惩) — pure rules, no ORM (domain.md §2.7, §5.4).

`sanction_grounds(facts)` lists every legal ground that is met, each with the measure it supports
and the article; the system only *suggests* — an officer decides (LAW art.28; police penalties are
requested, never imposed by the agency).  `score_month(...)` computes the monthly assessment from
recorded facts with configurable items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

PROBATION, PAROLE, TEMPORARY_RELEASE, SURVEILLANCE = "probation", "parole", "temporary_release", "surveillance"

ADMONITION = "admonition"
WARNING = "warning"
POLICE_PENALTY = "police_penalty_request"
REVOCATION = "revocation_request"
COMMITTAL = "committal_request"

MEASURE_LABELS = {
    ADMONITION: "训诫",
    WARNING: "警告",
    POLICE_PENALTY: "提请治安管理处罚",
    REVOCATION: "提请撤销缓刑/假释",
    COMMITTAL: "提请收监执行",
}
SEVERITY = {ADMONITION: 1, WARNING: 2, POLICE_PENALTY: 3, REVOCATION: 4, COMMITTAL: 4}

WENZHOU = "温州市司法局问答(与实施办法一致，未核实)"


@dataclass(frozen=True)
class Facts:
    """What the records say about one subject (gathered by services.gather_facts)."""

    category: str
    temporary_release_type: str = ""
    uncorrected_admonitions: int = 0
    uncorrected_warnings: int = 0
    days_lost_contact: int = 0  # 脱管/逾期报到 days so far (0: none)
    days_leave_overdue: int = 0  # days past an approved leave's end without 销假
    police_penalty_uncorrected: bool = False  # penalised by the police for violating supervision rules
    medical_reexam_overdue_after_warning: bool = False
    prohibition_violation: str = ""  # "", "minor" or "serious"


@dataclass(frozen=True)
class Ground:
    code: str
    measure: str
    text: str
    article: str

    @property
    def measure_label(self) -> str:
        return MEASURE_LABELS[self.measure]


def _revocation_or_committal(category: str) -> str | None:
    if category in (PROBATION, PAROLE):
        return REVOCATION
    if category == TEMPORARY_RELEASE:
        return COMMITTAL
    return None


def sanction_grounds(f: Facts) -> list[Ground]:
    """Every ground met, most severe measure first."""
    g: list[Ground] = []
    top = _revocation_or_committal(f.category)
    # --- 训诫 / 警告 (LAW art.28; Wenzhou Q&A)
    if 0 < f.days_lost_contact <= 10:
        g.append(Ground("late_or_lost_le_10", ADMONITION, f"逾期报到或失去联系{f.days_lost_contact}日（10日以内）",
                        f"社区矫正法第28条；{WENZHOU}"))
    if f.days_lost_contact > 10:
        g.append(Ground("late_or_lost_gt_10", WARNING, f"逾期报到或失去联系{f.days_lost_contact}日（超过10日）",
                        f"社区矫正法第28条；{WENZHOU}"))
    if 0 < f.days_leave_overdue <= 10:
        g.append(Ground("leave_overdue_minor", ADMONITION, f"外出逾期未归{f.days_leave_overdue}日，违反外出规定情节轻微",
                        f"社区矫正法第28条；{WENZHOU}"))
    if f.days_leave_overdue > 10:
        g.append(Ground("leave_overdue_serious", WARNING, f"外出逾期未归{f.days_leave_overdue}日，违反外出规定情节较重",
                        f"社区矫正法第28条；{WENZHOU}"))
    if f.uncorrected_admonitions >= 2:
        g.append(Ground("two_admonitions", WARNING, f"受到训诫{f.uncorrected_admonitions}次仍不改正",
                        f"社区矫正法第28条；{WENZHOU}"))
    if f.prohibition_violation == "minor":
        g.append(Ground("prohibition_minor", WARNING, "违反禁止令，情节轻微", f"社区矫正法第28条；{WENZHOU}"))
    # --- 提请治安管理处罚 (LAW art.59; not for parolees, see domain.md §2.7)
    if f.category in (SURVEILLANCE, PROBATION, TEMPORARY_RELEASE) and (
            f.uncorrected_warnings >= 1 and (f.days_lost_contact > 10 or f.prohibition_violation)):
        g.append(Ground("violation_after_warning", POLICE_PENALTY,
                        "受到警告后再次违反监督管理规定或禁止令，可能应当给予治安管理处罚",
                        "社区矫正法第28条、第59条；治安管理处罚法第60条"))
    # --- revocation / 收监
    if top == REVOCATION:
        art = "最高法刑诉法解释(2021)第543条第1款" if f.category == PROBATION else \
              "最高法刑诉法解释(2021)第543条第2款；刑法第86条第3款"
        if f.uncorrected_warnings >= 2:
            g.append(Ground("two_warnings", REVOCATION, f"受到警告{f.uncorrected_warnings}次仍不改正", art))
        if f.days_lost_contact > 30:
            g.append(Ground("absconded_month", REVOCATION,
                            f"无正当理由不按规定报到或脱离监管{f.days_lost_contact}日，超过1个月", art))
        if f.police_penalty_uncorrected:
            g.append(Ground("police_penalty_uncorrected", REVOCATION,
                            "因违反监督管理规定受到治安管理处罚，仍不改正",
                            art if f.category == PROBATION else "刑法第86条第3款"))
        if f.prohibition_violation == "serious" and f.category == PROBATION:
            g.append(Ground("prohibition_serious", REVOCATION, "违反禁止令，情节严重",
                            "最高法刑诉法解释(2021)第543条第1款；刑法第77条第2款"))
    if top == COMMITTAL:
        art = "最高法刑诉法解释(2021)第516条；刑事诉讼法第268条"
        if f.uncorrected_warnings >= 2:
            g.append(Ground("two_warnings", COMMITTAL, f"受到警告{f.uncorrected_warnings}次仍不改正", art))
        if f.days_lost_contact > 30:
            g.append(Ground("absconded_month", COMMITTAL,
                            f"拒不报告行踪、脱离监管{f.days_lost_contact}日", art))
        if f.police_penalty_uncorrected:
            g.append(Ground("police_penalty_uncorrected", COMMITTAL, "因违反监督管理规定受到治安管理处罚，仍不改正", art))
        if f.medical_reexam_overdue_after_warning:
            g.append(Ground("medical_reexam", COMMITTAL, "保外就医未按规定提交病情复查情况，经警告拒不改正", art))
    g.sort(key=lambda x: -SEVERITY[x.measure])
    return g


def proposals(f: Facts) -> dict[str, list[Ground]]:
    """Grounds grouped by the measure they support (one suggestion per measure)."""
    out: dict[str, list[Ground]] = {}
    for ground in sanction_grounds(f):
        out.setdefault(ground.measure, []).append(ground)
    return out


# --------------------------------------------------------------------------- monthly assessment
@dataclass(frozen=True)
class ScoreItem:
    code: str
    label: str
    points: float  # per unit (negative: deduction)
    cap: float | None = None  # largest absolute total for the item in a month
    basis: str = "各地计分考核办法(未核实)，可配置"


DEFAULT_ITEMS: tuple[ScoreItem, ...] = (
    ScoreItem("anomaly", "异常信息(经核实)", -2, 20),
    ScoreItem("checkin_missed", "未按时信息化核查", -1, 10),
    ScoreItem("education_shortfall_hours", "教育学习时长不足(小时)", -1, 12),
    ScoreItem("service_shortfall_hours", "公益活动时长不足(小时)", -1, 12),
    ScoreItem("admonition", "训诫", -10),
    ScoreItem("warning", "警告", -20),
    ScoreItem("commendation", "表扬", 5),
)
BASE_SCORE = 100.0


@dataclass
class ScoreLine:
    code: str
    label: str
    quantity: float | None  # None: source not available on this installation
    points: float
    note: str = ""


@dataclass
class Score:
    lines: list[ScoreLine] = field(default_factory=list)
    base: float = BASE_SCORE
    adjustments: list[tuple[float, str]] = field(default_factory=list)

    @property
    def computed(self) -> float:
        return self.base + sum(line.points for line in self.lines)

    @property
    def total(self) -> float:
        return max(0.0, min(120.0, self.computed + sum(p for p, _ in self.adjustments)))


def score_month(quantities: Mapping[str, float | None], *, items: Sequence[ScoreItem] = DEFAULT_ITEMS,
                adjustments: Sequence[tuple[float, str]] = (), base: float = BASE_SCORE) -> Score:
    """Score lines from counted facts; a quantity of None means the source app is not installed."""
    lines = []
    for item in items:
        q = quantities.get(item.code)
        if q is None:
            lines.append(ScoreLine(item.code, item.label, None, 0.0, "本系统未启用该数据来源，不计分"))
            continue
        pts = q * item.points
        if item.cap is not None and abs(pts) > item.cap:
            pts = item.cap if pts > 0 else -item.cap
        lines.append(ScoreLine(item.code, item.label, q, pts))
    for _points, reason in adjustments:
        if not (reason or "").strip():
            raise ValueError("人工调整须写明理由")
    return Score(lines=lines, base=base, adjustments=list(adjustments))
