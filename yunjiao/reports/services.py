"""信息化核查报表: collecting the numbers per org path, rolling them up to a township, county or city, storing
snapshots at each period end and exporting to Excel.  Counting rules: yunjiao.reports.rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from io import BytesIO

from django.db import transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from yunjiao.anomalies.models import OPEN_STATES, Anomaly
from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.checkins.models import Checkin, CheckTask, Outcome
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed
from yunjiao.core.scoping import path_q, scope_path
from yunjiao.orgs.models import Org
from yunjiao.reports import rules
from yunjiao.reports.models import CheckReport
from yunjiao.subjects.choices import SupervisionLevel

LEVEL_LABELS = dict(SupervisionLevel.choices)
OUTCOME_LABELS = dict(Outcome.choices)


def _leaf():
    return {"counts": rules.empty_counts(), "levels": defaultdict(rules.empty_counts),
            "kinds": {}, "outcomes": defaultdict(int)}


def _snapshot(field: str, current: str):
    return Coalesce(NullIf(F(field), Value("")), F(current))


def collect(period: rules.Period, prefix: str = "", *, now: datetime | None = None) -> dict[str, dict]:
    """Per org path (where the subjects / anomalies are registered): counts for the period.  Five grouped
    queries whatever the number of orgs, so the nightly job computes every org from one collection."""
    now = now or timezone.now()
    start, end = period.bounds(timezone.get_current_timezone())
    leaves: dict[str, dict] = defaultdict(_leaf)

    # A task or check-in counts for the office (and level) the subject had when it was set / submitted — the
    # snapshot on the row; rows from before the snapshot existed fall back to the subject's current values.
    tasks = CheckTask.objects.filter(window_start__gte=start, window_start__lt=end).annotate(
        at_path=_snapshot("org_path", "subject__org_path"),
        at_level=_snapshot("supervision_level", "subject__supervision_level"))
    checkins = Checkin.objects.filter(submitted_at__gte=start, submitted_at__lt=end).annotate(
        at_path=_snapshot("org_path", "subject__org_path"))
    anomalies = Anomaly.objects.filter(first_seen_at__gte=start, first_seen_at__lt=end)
    if prefix:
        tasks = tasks.filter(path_q("at_path", prefix))
        checkins = checkins.filter(path_q("at_path", prefix))
        anomalies = anomalies.filter(path_q("org_path", prefix))

    for row in tasks.values("at_path", "at_level", "status").annotate(n=Count("id")):
        leaf = leaves[row["at_path"]]
        status, n = row["status"], row["n"]
        for bucket in (leaf["counts"], leaf["levels"][row["at_level"]]):
            bucket[status] += n
            if status != "cancelled":
                bucket["scheduled"] += n
    for row in checkins.values("at_path", "outcome").annotate(n=Count("id")):
        leaf = leaves[row["at_path"]]
        leaf["counts"]["checkins"] += row["n"]
        leaf["outcomes"][row["outcome"]] += row["n"]
        if row["outcome"] == Outcome.PASS:
            leaf["counts"]["passed"] += row["n"]
    for row in anomalies.values("org_path", "kind", "kind_label").annotate(n=Count("id"), occ=Sum("count")):
        leaf = leaves[row["org_path"]]
        leaf["counts"]["anomalies"] += row["n"]
        leaf["counts"]["occurrences"] += row["occ"] or 0
        label, rows_, occ = leaf["kinds"].get(row["kind"], (row["kind_label"], 0, 0))
        leaf["kinds"][row["kind"]] = (label, rows_ + row["n"], occ + (row["occ"] or 0))
    closed = Q(closed_at__isnull=False)
    for row in anomalies.values("org_path").annotate(
            closed=Count("id", filter=closed),
            within=Count("id", filter=closed & (Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at")))),
            overdue_open=Count("id", filter=Q(state__in=OPEN_STATES, due_at__lt=now))):
        c = leaves[row["org_path"]]["counts"]
        c["closed"] += row["closed"]
        c["within_sla"] += row["within"]
        c["overdue_open"] += row["overdue_open"]
    return dict(leaves)


def _sum_leaves(leaves: dict[str, dict], prefix: str) -> dict:
    total = _leaf()
    for path, leaf in leaves.items():
        if not rules.path_under(path, prefix):
            continue
        rules.add_counts(total["counts"], leaf["counts"])
        for lvl, c in leaf["levels"].items():
            rules.add_counts(total["levels"][lvl], c)
        for kind, (label, n, occ) in leaf["kinds"].items():
            _, n0, occ0 = total["kinds"].get(kind, (label, 0, 0))
            total["kinds"][kind] = (label, n0 + n, occ0 + occ)
        for outcome, n in leaf["outcomes"].items():
            total["outcomes"][outcome] += n
    return total


def child_orgs(org: Org) -> list[Org]:
    return list(Org.objects.filter(parent=org, is_active=True).order_by("path"))


def build(org: Org, period: rules.Period, leaves: dict[str, dict], *, now: datetime | None = None) -> dict:
    """The report of one org from collected leaves: totals, one row per child org (city → counties,
    county → townships; subjects registered directly at the county get their own row), by management
    level, anomalies by type, check-in outcomes."""
    now = now or timezone.now()
    total = _sum_leaves(leaves, org.path)
    rows = []
    children = child_orgs(org)
    for child in children:
        rows.append({"org_id": child.pk, "name": child.name, **rules.with_rates(rules.rollup(
            {p: leaf["counts"] for p, leaf in leaves.items()}, child.path))})
    if children:
        direct = rules.empty_counts()
        for p, leaf in leaves.items():
            if p == org.path:
                rules.add_counts(direct, leaf["counts"])
        if any(direct.values()):
            rows.append({"org_id": None, "name": f"{org.name}（直管）", **rules.with_rates(direct)})
    return {
        "org": {"id": org.pk, "name": org.name, "level": org.level, "path": org.path},
        "period": period.kind, "period_label": rules.PERIODS[period.kind], "label": period.label,
        "start": period.start.isoformat(), "end": period.end.isoformat(),
        "total": rules.with_rates(total["counts"]),
        "rows": rows,
        "levels": [{"level": lvl, "label": LEVEL_LABELS.get(lvl, lvl), **rules.with_rates(total["levels"][lvl])}
                   for lvl in SupervisionLevel.values if lvl in total["levels"]],
        "kinds": sorted(({"kind": k, "label": label, "rows": n, "occurrences": occ}
                         for k, (label, n, occ) in total["kinds"].items()), key=lambda r: (-r["rows"], r["kind"])),
        "outcomes": [{"outcome": o, "label": OUTCOME_LABELS.get(o, o), "n": total["outcomes"][o]}
                     for o in Outcome.values if total["outcomes"].get(o)],
        "computed_at": now.isoformat(),
        "complete": now >= period.bounds(timezone.get_current_timezone())[1],
    }


def require_org_in_scope(actor, org: Org) -> None:
    if actor is SYSTEM:
        return
    path = scope_path(actor)
    if path is None or getattr(actor, "role", "") in ("subject", "police_liaison"):
        raise NotAllowed("您无权查看该机构的报表。")
    if path and not rules.path_under(org.path, path):
        raise NotAllowed("该机构不在您的管辖范围内。")


def live_report(org: Org, period: rules.Period, *, actor, now: datetime | None = None) -> dict:
    """On demand: compute the report now (not stored)."""
    require_org_in_scope(actor, org)
    return build(org, period, collect(period, org.path, now=now), now=now)


def store(org: Org, period: rules.Period, data: dict, *, actor) -> CheckReport:
    report, _ = CheckReport.objects.update_or_create(
        org=org, period=period.kind, period_start=period.start,
        defaults={"org_path": org.path, "period_end": period.end, "data": data, "generated_at": timezone.now(),
                  "generated_by": None if actor is SYSTEM else actor})
    return report


def regenerate(org: Org, period: rules.Period, *, actor) -> CheckReport:
    """An officer's 重新生成: recompute and store the snapshot of one org (audited)."""
    data = live_report(org, period, actor=actor)
    with transaction.atomic():
        report = store(org, period, data, actor=actor)
        audit.record(actor, Action.CREATE, report, summary=f"生成信息化核查报表：{org.name} {period.label}"
                     f"{rules.PERIODS[period.kind]}")
    return report


def generate_snapshots(period: rules.Period, *, actor=SYSTEM, now: datetime | None = None) -> int:
    """Nightly at each period end: snapshots of every active city, county and township org."""
    leaves = collect(period, now=now)
    orgs = list(Org.objects.filter(is_active=True).order_by("path"))
    with transaction.atomic():
        for org in orgs:
            store(org, period, build(org, period, leaves, now=now), actor=actor)
        audit.record(actor, Action.CREATE, None, org_path="",
                     summary=f"自动生成信息化核查{rules.PERIODS[period.kind]}：{period.label}，{len(orgs)} 个机构")
    return len(orgs)


def snapshot_or_live(org: Org, period: rules.Period, *, actor) -> tuple[dict, CheckReport | None]:
    require_org_in_scope(actor, org)
    snap = CheckReport.objects.visible_to(actor).filter(org=org, period=period.kind,
                                                        period_start=period.start).first()
    if snap is not None and snap.data.get("complete"):
        return snap.data, snap
    return live_report(org, period, actor=actor), None


# --- Excel -----------------------------------------------------------------------------------------------

SUMMARY_HEADER = ["机构", "应核查", "按时完成", "超时完成", "未响应", "待签到", "已取消", "完成率", "按时率",
                  "签到次数", "通过", "通过率", "异常条数", "异常次数", "已办结", "时限内办结", "时限内办结率",
                  "超时未办结"]


def _summary_row(name: str, r: dict) -> list:
    return [name, r["scheduled"], r["done"], r["late"], r["missed"], r["pending"], r["cancelled"],
            rules.fmt_rate(r["completion_rate"]), rules.fmt_rate(r["on_time_rate"]), r["checkins"], r["passed"],
            rules.fmt_rate(r["pass_rate"]), r["anomalies"], r["occurrences"], r["closed"], r["within_sla"],
            rules.fmt_rate(r["sla_rate"]), r["overdue_open"]]


def excel_bytes(data: dict, *, actor) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append([f"{data['org']['name']} 信息化核查{data['period_label']}（{data['label']}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(SUMMARY_HEADER)
    for r in data["rows"]:
        ws.append(_summary_row(r["name"], r))
    ws.append(_summary_row("合计", data["total"]))
    ws.append([])
    ws.append([f"统计时间：{data['computed_at'][:19].replace('T', ' ')}"
               + ("" if data.get("complete") else "（周期未结束，数据为截至统计时间）")])
    lv = wb.create_sheet("按管理等级")
    lv.append(SUMMARY_HEADER)
    for r in data["levels"]:
        lv.append(_summary_row(r["label"], r))
    kd = wb.create_sheet("异常类型")
    kd.append(["异常类型", "条数", "发生次数"])
    for r in data["kinds"]:
        kd.append([r["label"], r["rows"], r["occurrences"]])
    oc = wb.create_sheet("签到结果")
    oc.append(["结果", "次数"])
    for r in data["outcomes"]:
        oc.append([r["label"], r["n"]])
    buf = BytesIO()
    wb.save(buf)
    org = Org.objects.get(pk=data["org"]["id"])
    audit.record(actor, Action.EXPORT, org, summary=f"导出信息化核查报表：{org.name} {data['label']}"
                 f"{data['period_label']}")
    return buf.getvalue()
