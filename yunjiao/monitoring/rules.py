"""Pure rules of 电子定位 (社区矫正法 art.29; domain.md §2.4).  No ORM."""

from __future__ import annotations

# The exhaustive list of art.29 para 1 (items (一)…(五)).
GROUNDS = (
    ("prohibition_order", "违反人民法院禁止令"),
    ("left_without_approval", "无正当理由，未经批准离开所居住的市、县"),
    ("refused_reporting_warned", "拒不按照规定报告自己的活动情况，被给予警告"),
    ("police_penalty", "违反监督管理规定，被给予治安管理处罚"),
    ("revocation_pending", "拟提请撤销缓刑、假释或者暂予监外执行收监执行"),
)
ITEM_CN = ("一", "二", "三", "四", "五")

CONCLUSIONS = (("continue", "仍有必要继续使用，提请延长"), ("end", "无需继续使用，予以解除"))
CONCLUSION_REFUSAL = {
    "continue": "评估结论为无需继续使用（或负责人未批准延长），不能提请延长，请办理解除",
    "end": "评估结论为仍需继续使用，请先提请延长；如确需解除，请重新评估",
}

# Days before the end of a period at which the case moves to 即将到期 and the officers are told to assess
# (setting MONITORING_EXPIRY_NOTICE_DAYS).  Local practice, not in the Law.
EXPIRY_NOTICE_DAYS = 10


def ground_text(code: str) -> str:
    """'违反人民法院禁止令（《社区矫正法》第二十九条第一款第（一）项）'"""
    for i, (c, label) in enumerate(GROUNDS):
        if c == code:
            return f"{label}（《中华人民共和国社区矫正法》第二十九条第一款第（{ITEM_CN[i]}）项）"
    return code
