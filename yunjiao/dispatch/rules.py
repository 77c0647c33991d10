"""派单式用警: the declared transition table and SLA timers (pure, no ORM).

Legal hooks for police involvement (domain.md §6.3): stopping ongoing violations (社区矫正法 art.31),
searching for missing subjects (art.30), delivering revoked subjects / 收监 (art.47–49), protecting staff
(art.60).  Jining's 《关于做好社区矫正"警司联动"工作的指导意见》 is not public: the states and SLAs below are
the proposal of domain.md §6.3, defaults to be configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STATES = {
    "draft": "草稿",
    "submitted": "已提交",
    "accepted": "已受理",
    "dispatched": "已派警",
    "on_site": "已到场",
    "completed": "已完成",
    "evaluated": "已评价",
    "returned": "已退回",
    "cancelled": "已撤销",
}

ORDER_TYPES = {
    "search": "查找失联矫正对象",
    "stop_violation": "现场制止违法行为",
    "committal_escort": "收监执行押送",
    "home_visit": "高风险对象走访",
    "announcement_security": "宣告安保",
    "other": "其他",
}

URGENCIES = {"urgent": "特急", "high": "紧急", "normal": "一般"}

# minutes: accept after submit, arrive on site after accept
SLA = {
    "urgent": {"accept": 15, "on_site": 60},
    "high": {"accept": 60, "on_site": 240},
    "normal": {"accept": 240, "on_site": 1440},
}

REQUESTER, LIAISON = "requester", "liaison"


@dataclass(frozen=True)
class Transition:
    code: str
    label: str
    sources: frozenset
    target: str
    side: str  # who may fire it: the requesting unit or the police liaison
    needs: tuple = ()  # data fields that must be present


TRANSITIONS = {t.code: t for t in [
    Transition("submit", "提交派单", frozenset({"draft", "returned"}), "submitted", REQUESTER),
    Transition("cancel", "撤销", frozenset({"draft", "submitted", "returned"}), "cancelled", REQUESTER, ("reason",)),
    Transition("return", "退回", frozenset({"submitted"}), "returned", LIAISON, ("reason",)),
    Transition("accept", "受理", frozenset({"submitted"}), "accepted", LIAISON),
    Transition("dispatch", "派警", frozenset({"accepted"}), "dispatched", LIAISON, ("officers",)),
    Transition("arrive", "到场", frozenset({"dispatched"}), "on_site", LIAISON),
    Transition("complete", "完成", frozenset({"on_site"}), "completed", LIAISON, ("result",)),
    Transition("evaluate", "评价", frozenset({"completed"}), "evaluated", REQUESTER, ("score",)),
]}

NEED_LABELS = {"reason": "原因", "officers": "出警民警姓名", "result": "处置结果", "score": "评分(1-5分)"}


def refusal_reasons(state: str, code: str, *, side: str | None, data: dict | None = None) -> list[str]:
    """Why `side` may not fire transition `code` from `state` with `data` (Chinese); [] = allowed."""
    t = TRANSITIONS.get(code)
    if t is None:
        return ["未知的操作。"]
    data = data or {}
    reasons = []
    if side is None:
        reasons.append("您不是该派单的申请单位，也不是承接的警务联络室，不能办理。")
    elif side != t.side:
        reasons.append("该操作只能由申请单位办理。" if t.side == REQUESTER else "该操作只能由承接的警务联络室民警办理。")
    if state not in t.sources:
        reasons.append(f"派单当前为“{STATES.get(state, state)}”，不能{t.label}。")
    for need in t.needs:
        value = data.get(need)
        if value in (None, "", []):
            reasons.append(f"请填写{NEED_LABELS[need]}。")
    if code == "evaluate" and data.get("score") not in (None, ""):
        try:
            score = int(data["score"])
        except (TypeError, ValueError):
            score = 0
        if not 1 <= score <= 5:
            reasons.append("评分须为 1 到 5 分。")
    return reasons


def available(state: str, side: str | None) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources and t.side == side]


def due_times(urgency: str, *, submitted_at: datetime | None, accepted_at: datetime | None) -> dict:
    sla = SLA[urgency]
    return {
        "accept_due": submitted_at + timedelta(minutes=sla["accept"]) if submitted_at else None,
        "on_site_due": accepted_at + timedelta(minutes=sla["on_site"]) if accepted_at else None,
    }


def sla_breaches(urgency: str, *, submitted_at, accepted_at, on_site_at, now: datetime) -> list[str]:
    """Which SLA limits were (or are being) exceeded."""
    d = due_times(urgency, submitted_at=submitted_at, accepted_at=accepted_at)
    out = []
    if d["accept_due"] and (accepted_at or now) > d["accept_due"]:
        out.append("accept")
    if d["on_site_due"] and (on_site_at or now) > d["on_site_due"]:
        out.append("on_site")
    return out
