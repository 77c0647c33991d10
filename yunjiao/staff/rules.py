"""Pure rules for staff: work certificates under 《山东省社区矫正工作证件管理办法(试行)》 (2024), as
summarised in domain.md §6.4 (source: tez.zzszfw.com 2024-08-09 report):

- city bureau issues; county bureau checks eligibility; two-level review (county, city) + provincial filing;
- recalled on job change; 暂扣 (withholding) and 注销 (cancellation);
- different formats and numbering for civil-servant / career-establishment staff vs auxiliary staff;
  enforcement matters are carried out by the former, auxiliaries only assist.

The exact number format is not public: the scheme below is a project default (UNVERIFIED), one
counter per city, year and card type.
"""

from __future__ import annotations

ESTABLISHMENTS = [
    ("civil_servant", "公务员"),
    ("career", "事业编"),
    ("social_worker", "社工"),
    ("auxiliary", "辅助人员"),
]
ESTABLISHMENT_LABELS = dict(ESTABLISHMENTS)

# Only these may carry out enforcement (执法) themselves (domain.md §6.4).
ENFORCING_ESTABLISHMENTS = {"civil_servant", "career"}

CARD_TYPES = [
    ("enforcement", "社区矫正执法证"),
    ("auxiliary", "社区矫正辅助工作证"),
]
CARD_TYPE_LABELS = dict(CARD_TYPES)


def card_type_for(establishment: str) -> str:
    return "enforcement" if establishment in ENFORCING_ESTABLISHMENTS else "auxiliary"


# UNVERIFIED numbering: 鲁矫执 / 鲁矫辅 + city code (4) + year (4) + serial (4), e.g. 鲁矫执370820260001.
NUMBER_PREFIX = {"enforcement": "鲁矫执", "auxiliary": "鲁矫辅"}


def certificate_number(card_type: str, city_code: str, year: int, serial: int) -> str:
    return f"{NUMBER_PREFIX[card_type]}{city_code[:4]}{year:04d}{serial:04d}"


def counter_key(card_type: str, city_code: str, year: int) -> str:
    return f"staff.cert.{card_type}.{city_code[:4]}.{year}"


STATUSES = [
    ("applied", "已申请"),
    ("county_reviewed", "县级已审核"),
    ("city_approved", "市局已审批"),
    ("filed", "已报省厅备案"),
    ("active", "有效"),
    ("withheld", "暂扣"),
    ("recalled", "已收回"),
    ("cancelled", "已注销"),
    ("rejected", "未通过审核"),
]
STATUS_LABELS = dict(STATUSES)

COUNTY_ROLES = {"county_head", "county_officer"}
CITY_ROLES = {"city_admin", "city_officer"}


# action -> (allowed source states, target state, org level of the actor, label)
TRANSITIONS = {
    "county_review": ({"applied"}, "county_reviewed", "county", "县级审核通过"),
    "city_approve": ({"county_reviewed"}, "city_approved", "city", "市局审批通过"),
    "file": ({"city_approved"}, "filed", "city", "报省厅备案"),
    "activate": ({"filed"}, "active", "city", "制发生效"),
    "reject": ({"applied", "county_reviewed", "city_approved"}, "rejected", "any_reviewer", "退回申请"),
    "withhold": ({"active"}, "withheld", "county_or_city", "暂扣"),
    "reinstate": ({"withheld"}, "active", "county_or_city", "发还"),
    "recall": ({"active", "withheld"}, "recalled", "county_or_city", "因岗位变动收回"),
    "cancel": ({"active", "withheld", "recalled"}, "cancelled", "city", "注销"),
}

NEEDS_REASON = {"reject", "withhold", "recall", "cancel"}


def transition_errors(status: str, action: str, *, actor_role: str, reason: str = "") -> list[str]:
    if action not in TRANSITIONS:
        return ["未知的证件操作。"]
    sources, _target, who, label = TRANSITIONS[action]
    errors = []
    if status not in sources:
        errors.append(f"证件当前状态为“{STATUS_LABELS.get(status, status)}”，不能执行“{label}”。")
    allowed = {"county": COUNTY_ROLES, "city": CITY_ROLES, "any_reviewer": COUNTY_ROLES | CITY_ROLES,
               "county_or_city": COUNTY_ROLES | CITY_ROLES}[who]
    if actor_role != "system" and actor_role not in allowed:  # system: jobs, superusers, automatic recalls
        errors.append({"county": "县级审核须由县(区)司法局办理。", "city": "此步骤须由市司法局办理。"}.get(
            who, "此操作须由县(区)或市司法局办理。"))
    if action in NEEDS_REASON and not reason.strip():
        errors.append("请填写事由。")
    return errors


def enforcement_errors(*, establishment: str | None, card_status: str | None, profile_active: bool = True) -> list[str]:
    """Why a person may not carry out an enforcement action (empty: may enforce)."""
    if establishment is None:
        return ["您尚未建立工作人员档案（编制类型、工作证件），不能办理执法事项，请联系县(区)司法局。"]
    if not profile_active:
        return ["您的工作人员档案为不在岗状态，不能办理执法事项。"]
    if establishment not in ENFORCING_ESTABLISHMENTS:
        return [f"{ESTABLISHMENT_LABELS.get(establishment, establishment)}属于执法辅助力量，只能协助并会签，"
                "执法事项须由持有效执法证的公务员或事业编工作人员办理。"]
    if card_status is None:
        return ["您没有社区矫正工作证件，不能办理执法事项（持证上岗、亮证执法），请先申领。"]
    if card_status == "withheld":
        return ["您的工作证件已被暂扣，暂扣期间不能办理执法事项；证件发还后即可办理。"]
    if card_status != "active":
        return [f"您的工作证件状态为“{STATUS_LABELS.get(card_status, card_status)}”，不是有效证件，不能办理执法事项。"]
    return []


TRAINING_MODES = [("invite_in", "请进来"), ("go_out", "走出去")]
