"""Every write of 考核奖惩: reward/sanction records, escalation suggestions, monthly scores.

Suggestions are computed from recorded facts by `rules.sanction_grounds` and shown with their
grounds; an officer accepts one (which opens the matching case) or dismisses it with a reason.
Revocation/收监 proposals are filed as the `termination` process (its recorded court/authority
decision terminates the correction); an optional arrest request runs the 48-hour clock.

Facts from other apps are read through adapters that return None when that app does not provide
them (then the score line says so):  `yunjiao.checkins.services.missed_checkins(subject, start, end)`
and `yunjiao.education.services.shortfall_hours(subject, start, end)` /
`service_shortfall_hours(subject, start, end)` — each returning a number.
"""

from __future__ import annotations

import importlib
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, NotFound, ServiceError
from yunjiao.discipline import rules
from yunjiao.discipline.models import DisciplineKind, DisciplineRecord, MonthlyScore, Proposal
from yunjiao.workflows import services as wf
from yunjiao.workflows.models import Case

COUNTY_ROLES = {"county_officer", "county_head"}
OFFICER_ROLES = {"township_officer", "county_officer", "county_head", "city_officer", "city_admin"}


def _author_path(actor, subject) -> str:
    if actor is SYSTEM or not getattr(actor, "org_id", None):
        return subject.org_path
    return actor.org.path


def _check_officer(subject, actor, roles=OFFICER_ROLES):
    from yunjiao.subjects.models import Subject

    if actor is SYSTEM:
        return
    if not Subject.objects.visible_to(actor).filter(pk=subject.pk).exists():
        raise NotFound("未找到该社区矫正对象，或不在您的管辖范围内")
    if actor.role not in roles:
        raise NotAllowed("您的角色不能办理此事项")


# ------------------------------------------------------------------ records
def open_record(subject, *, actor, kind: str, occurred_on: date, facts: str, interview_record: str = "",
                evidence=None, source_anomaly_id: int | None = None, note: str = "",
                require_interview: bool = True) -> DisciplineRecord:
    """Register the facts of a commendation, admonition or warning and open its case (→ investigation)."""
    from yunjiao.subjects.models import Subject

    _check_officer(subject, actor)
    subject = Subject.objects.get(pk=subject.pk)  # its current org (it may have moved since it was read)
    if kind not in DisciplineKind.values:
        raise ServiceError("请选择表扬、训诫或警告")
    if not (facts or "").strip():
        raise ServiceError("请填写事实经过", field_errors={"facts": "必填"})
    if occurred_on > timezone.localdate():
        raise ServiceError("发生日期不能晚于今天")
    if kind != DisciplineKind.COMMENDATION and require_interview and not (interview_record or "").strip() \
            and source_anomaly_id is None:
        raise ServiceError("请填写询问笔录或谈话记录（违规事实须有对象陈述）", field_errors={"interview_record": "必填"})
    with transaction.atomic():
        record = DisciplineRecord.objects.create(
            subject=subject, kind=kind, occurred_on=occurred_on, facts=facts.strip(),
            interview_record=(interview_record or "").strip(), evidence=evidence or "",
            source_anomaly_id=source_anomaly_id, author_org_path=_author_path(actor, subject))
        case = wf.start_case(kind, "open", actor=actor, subject=subject, data={},
                             note=note or facts.strip()[:200])
        case.title = f"{subject.name} {record.get_kind_display()} {occurred_on}"[:100]
        case.save(update_fields=["title"])
        record.case = case
        record.save(update_fields=["case"])
        audit.record(actor, Action.CREATE, record, subject=subject,
                     summary=f"登记{record.get_kind_display()}事实：{facts.strip()[:80]}")
    return record


def mark_corrected(record: DisciplineRecord, *, actor, note: str) -> DisciplineRecord:
    """The subject corrected the behaviour after the sanction: it no longer counts for the ladder."""
    _check_officer(record.subject, actor)
    if not (note or "").strip():
        raise ServiceError("请写明改正情况")
    with transaction.atomic():
        record = DisciplineRecord.objects.select_for_update().get(pk=record.pk)
        record.corrected, record.corrected_on = True, timezone.localdate()
        record.save(update_fields=["corrected", "corrected_on"])
        audit.record(actor, Action.UPDATE, record, subject=record.subject, summary=f"确认已改正：{note[:100]}")
    return record


# ------------------------------------------------------------------ facts and suggestions
def gather_facts(subject, *, today: date | None = None) -> rules.Facts:
    from yunjiao.anomalies.models import Anomaly
    from yunjiao.leave.models import Leave

    today = today or timezone.localdate()
    delivered = DisciplineRecord.objects.filter(subject=subject, corrected=False, delivered_on__isnull=False)
    open_states = ["open", "acknowledged", "verified"]
    lost = (Anomaly.objects.filter(subject=subject, kind__in=["lost_contact", "report_overdue"], state__in=open_states)
            .order_by("first_seen_at").first())
    days_lost = (today - timezone.localtime(lost.first_seen_at).date()).days + 1 if lost else 0
    overdue = (Leave.objects.filter(subject=subject, case__state__in=["overdue", "ordered_to_return"])
               .order_by("approved_end").first())
    days_overdue = (today - overdue.approved_end).days if overdue and overdue.approved_end else 0
    penalised = Case.objects.filter(subject=subject, process="police_penalty_request", state="penalised").exists()
    zone = Anomaly.objects.filter(subject=subject, kind="prohibited_zone", is_false_alarm=False,
                                  state__in=["verified", "disposed", "escalated"]).exists()
    return rules.Facts(
        category=subject.category, temporary_release_type=subject.temporary_release_type or "",
        uncorrected_admonitions=delivered.filter(kind=DisciplineKind.ADMONITION).count(),
        uncorrected_warnings=delivered.filter(kind=DisciplineKind.WARNING).count(),
        days_lost_contact=max(0, days_lost), days_leave_overdue=max(0, days_overdue),
        police_penalty_uncorrected=penalised, prohibition_violation="minor" if zone else "")


CASE_PROCESS = {"admonition": "admonition", "warning": "warning", "police_penalty_request": "police_penalty_request",
                "revocation_request": "termination", "committal_request": "termination"}


def refresh_proposals(subject, *, actor=SYSTEM, today: date | None = None) -> list[Proposal]:
    """Create a suggestion for each measure whose grounds are met (once per set of grounds)."""
    facts = gather_facts(subject, today=today)
    latest = DisciplineRecord.objects.filter(subject=subject).order_by("-pk").values_list("pk", flat=True).first()
    created = []
    for measure, grounds in rules.proposals(facts).items():
        if Case.objects.filter(subject=subject, process=CASE_PROCESS[measure], is_closed=False).exists():
            continue  # already being handled
        fingerprint = "|".join(sorted(g.code for g in grounds)) + f"@{latest or 0}"
        if Proposal.objects.filter(subject=subject, measure=measure, fingerprint=fingerprint).exists():
            continue
        try:
            with transaction.atomic():
                p = Proposal.objects.create(
                    subject=subject, measure=measure, fingerprint=fingerprint[:200],
                    grounds=[{"code": g.code, "text": g.text, "article": g.article} for g in grounds],
                    author_org_path=subject.org_path)
                audit.record(actor, Action.CREATE, p, subject=subject,
                             summary=f"系统建议{rules.MEASURE_LABELS[measure]}：" + "；".join(g.text for g in grounds))
        except IntegrityError:
            continue
        created.append(p)
    if created:
        from yunjiao.leave.services import notify_officers

        notify_officers(subject.township or subject.execution_org, title=f"处罚建议：{subject.name}",
                        body="；".join(f"{p.get_measure_display()}（{p.grounds[0]['text']}）" for p in created),
                        link="/discipline/")
    return created


def accept_proposal(proposal: Proposal, *, actor, note: str, authority: str = "", with_arrest: bool = False,
                    court: str = "", interview_record: str = "") -> Case:
    """An officer decides to act on a suggestion: the matching case opens (county roles for requests)."""
    _check_officer(proposal.subject, actor)
    if not (note or "").strip():
        raise ServiceError("请填写决定理由")
    today = timezone.localdate()
    facts_text = "；".join(f"{g['text']}（{g['article']}）" for g in proposal.grounds)
    with transaction.atomic():
        p = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if p.state != Proposal.State.SUGGESTED:
            raise ServiceError("该建议已处理，请刷新页面")
        subject = p.subject
        if p.measure in ("admonition", "warning"):
            case = open_record(subject, actor=actor, kind=p.measure, occurred_on=today, facts=facts_text,
                               interview_record=interview_record, note=note,
                               require_interview=False).case
        elif p.measure == "police_penalty_request":
            case = wf.start_case("police_penalty_request", "request", actor=actor, subject=subject, note=note,
                                 data={"police_org": authority or f"{subject.execution_org.name}同级公安机关",
                                       "requested_on": today})
        else:
            kind = "committal" if p.measure == "committal_request" else (
                "revocation_parole" if subject.category == "parole" else "revocation_probation")
            case = wf.start_case("termination", "propose", actor=actor, subject=subject, note=note,
                                 data={"kind": kind, "proposal_date": today,
                                       "authority": authority or subject.deciding_authority})
            if with_arrest and p.measure == "revocation_request":
                wf.start_case("arrest_request", "request", actor=actor, subject=subject, note=note,
                              data={"court": court or authority or subject.deciding_authority, "requested_on": today})
        p.state, p.decided_by, p.decided_at, p.decision_note, p.case = (
            Proposal.State.ACCEPTED, None if actor is SYSTEM else actor, timezone.now(), note, case)
        p.save()
        audit.record(actor, Action.UPDATE, p, subject=subject,
                     summary=f"采纳建议：{p.get_measure_display()}（{note[:80]}）")
    return case


def dismiss_proposal(proposal: Proposal, *, actor, note: str) -> Proposal:
    _check_officer(proposal.subject, actor)
    if not (note or "").strip():
        raise ServiceError("不采纳建议须写明理由")
    with transaction.atomic():
        p = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if p.state != Proposal.State.SUGGESTED:
            raise ServiceError("该建议已处理，请刷新页面")
        p.state, p.decided_by, p.decided_at, p.decision_note = (
            Proposal.State.DISMISSED, None if actor is SYSTEM else actor, timezone.now(), note)
        p.save()
        audit.record(actor, Action.UPDATE, p, subject=p.subject, summary=f"不采纳建议：{p.get_measure_display()}（{note[:80]}）")
    return p


def escalate_anomaly(anomaly, *, actor, note: str = "") -> str:
    """Anomaly escalation target `sanction`: open an admonition investigation from the anomaly."""
    record = open_record(anomaly.subject, actor=actor, kind=DisciplineKind.ADMONITION,
                         occurred_on=timezone.localtime(anomaly.first_seen_at).date(),
                         facts=f"{anomaly.kind_label}：{anomaly.summary}", source_anomaly_id=anomaly.pk,
                         note=note or "由异常信息转处罚调查")
    refresh_proposals(anomaly.subject, actor=actor)
    return f"admonition:{record.case_id}"


def scan_all(*, actor=SYSTEM) -> int:
    from yunjiao.subjects.models import Subject

    return sum(len(refresh_proposals(s, actor=actor)) for s in Subject.objects.active())


# ------------------------------------------------------------------ monthly assessment
def _adapter(module: str, name: str, subject, start: date, end: date):
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(mod, name, None)
    return None if fn is None else fn(subject, start, end)


def month_quantities(subject, month: date) -> dict[str, float | None]:
    from yunjiao.anomalies.models import Anomaly

    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    anomalies = Anomaly.objects.filter(subject=subject, first_seen_at__date__range=(start, end), is_false_alarm=False,
                                       state__in=["verified", "disposed", "escalated"]).count()
    decided = DisciplineRecord.objects.filter(subject=subject, decided_on__range=(start, end),
                                              case__state__in=["decided", "delivered"])
    return {
        "anomaly": anomalies,
        "checkin_missed": _adapter("yunjiao.checkins.services", "missed_checkins", subject, start, end),
        "education_shortfall_hours": _adapter("yunjiao.education.services", "shortfall_hours", subject, start, end),
        "service_shortfall_hours": _adapter("yunjiao.education.services", "service_shortfall_hours", subject,
                                            start, end),
        "admonition": decided.filter(kind=DisciplineKind.ADMONITION).count(),
        "warning": decided.filter(kind=DisciplineKind.WARNING).count(),
        "commendation": decided.filter(kind=DisciplineKind.COMMENDATION).count(),
    }


def score_items() -> tuple[rules.ScoreItem, ...]:
    """settings.YUNJIAO_SCORE_ITEMS (list of {code, label, points, cap}) or the defaults in rules.py."""
    from django.conf import settings

    configured = getattr(settings, "YUNJIAO_SCORE_ITEMS", None)
    if not configured:
        return rules.DEFAULT_ITEMS
    return tuple(rules.ScoreItem(i["code"], i["label"], float(i["points"]), i.get("cap"),
                                 i.get("basis", "本地考核办法")) for i in configured)


def previous_month(today: date | None = None) -> date:
    first = (today or timezone.localdate()).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def compute_all_scores(month: date, *, actor=SYSTEM) -> int:
    from yunjiao.subjects.models import Subject

    n = 0
    for subject in Subject.objects.active():
        compute_monthly_score(subject, month, actor=actor)
        n += 1
    return n


def compute_monthly_score(subject, month: date, *, actor) -> MonthlyScore:
    """(Re)compute the month's score from the recorded facts; officer adjustments are kept."""
    _check_officer(subject, actor)
    month = month.replace(day=1)
    quantities = month_quantities(subject, month)
    with transaction.atomic():
        row = MonthlyScore.objects.select_for_update().filter(subject=subject, month=month).first()
        adjustments = [(a["points"], a["reason"]) for a in (row.adjustments if row else [])]
        score = rules.score_month(quantities, items=score_items(), adjustments=adjustments)
        lines = [{"code": line.code, "label": line.label, "quantity": line.quantity, "points": line.points,
                  "note": line.note} for line in score.lines]
        before = {"total": row.total} if row else None
        if row is None:
            row = MonthlyScore(subject=subject, month=month, author_org_path=_author_path(actor, subject))
        row.lines, row.computed, row.total = lines, score.computed, score.total
        row.save()
        audit.record(actor, Action.UPDATE if before else Action.CREATE, row, subject=subject,
                     summary=f"{month:%Y年%m月}考核计分：{score.total:g}分", before=before, after={"total": score.total})
    return row


def adjust_score(row: MonthlyScore, *, actor, points: float, reason: str) -> MonthlyScore:
    _check_officer(row.subject, actor)
    if not (reason or "").strip():
        raise ServiceError("人工调整须写明理由")
    if abs(points) > 20:
        raise ServiceError("单次人工调整不超过20分")
    with transaction.atomic():
        row = MonthlyScore.objects.select_for_update().get(pk=row.pk)
        row.adjustments = [*row.adjustments, {"points": points, "reason": reason.strip(), "by": actor.pk,
                                              "at": timezone.now().isoformat()}]
        before = row.total
        row.total = rules.score_month({}, items=(), adjustments=[(a["points"], a["reason"]) for a in row.adjustments],
                                      base=row.computed).total
        row.save(update_fields=["adjustments", "total", "updated_at"])
        audit.record(actor, Action.UPDATE, row, subject=row.subject, summary=f"考核人工调整{points:+g}分：{reason[:80]}",
                     before={"total": before}, after={"total": row.total})
    return row
