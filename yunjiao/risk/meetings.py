"""矫情分析会: the meeting pack (frozen when the meeting is created), minutes, decisions, the Word document."""

from __future__ import annotations

import io
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from yunjiao.anomalies.models import Anomaly
from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.orgs.models import Org
from yunjiao.risk import adapters, rules
from yunjiao.risk.models import MeetingDecision, Proposal, RiskAssessment, RiskMeeting, Warning
from yunjiao.subjects.models import Subject

HOSTS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer"})


def _aware(day: date, end: bool = False) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def build_pack(org: Org, start: date, end: date, *, actor) -> dict:
    """Everything the meeting discusses, for the org's branch and the period [start, end]."""
    if end < start:
        raise ServiceError("分析期间的结束日期不能早于开始日期。", code="validation")
    subjects = Subject.objects.visible_to(actor).active().in_org(org)
    t0, t1 = _aware(start), _aware(end, True)
    assessments = {a.subject_id: a for a in RiskAssessment.objects.filter(subject__in=subjects)}
    key = []
    for s in subjects.filter(is_key_subject=True).order_by("org_path", "name"):
        a = assessments.get(s.pk)
        key.append({"id": s.pk, "name": s.name, "number": s.number, "level": rules.LEVEL_LABELS[s.supervision_level],
                    "score": a.score if a else None, "reasons": a.reasons if a else ["未评估"]})
    anomalies = [{"id": a.pk, "subject": a.subject.name, "subject_id": a.subject_id, "kind": a.kind_label,
                  "at": timezone.localtime(a.first_seen_at).strftime("%Y-%m-%d %H:%M"), "count": a.count,
                  "state": a.get_state_display(), "disposition": a.disposition or a.verification or ""}
                 for a in Anomaly.objects.filter(subject__in=subjects, first_seen_at__range=(t0, t1))
                 .select_related("subject").order_by("first_seen_at")]
    overdue = [{"id": a.pk, "subject": a.subject.name, "subject_id": a.subject_id, "kind": a.kind_label,
                "due": timezone.localtime(a.due_at).strftime("%Y-%m-%d %H:%M"), "state": a.get_state_display()}
               for a in Anomaly.objects.open().filter(subject__in=subjects, due_at__lt=t1).select_related("subject")]
    warnings = [{"id": w.pk, "level": w.get_level_display(), "title": w.title, "state": w.get_state_display(),
                 "at": timezone.localtime(w.raised_at).strftime("%Y-%m-%d %H:%M"), "escalations": w.escalation_count}
                for w in Warning.objects.visible_to(actor).in_org(org).filter(raised_at__range=(t0, t1))]
    proposals = [{"id": p.pk, "subject": p.subject.name, "subject_id": p.subject_id, "label": p.label,
                  "reasons": p.reasons} for p in Proposal.objects.visible_to(actor).in_org(org)
                 .filter(state=Proposal.State.PENDING).select_related("subject")]
    return {
        "org": org.name, "period_start": start.isoformat(), "period_end": end.isoformat(),
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "counts": {"active": subjects.count(), "key": len(key), "anomalies": len(anomalies),
                   "overdue": len(overdue), "warnings": len(warnings), "proposals": len(proposals)},
        "key_subjects": key, "anomalies": anomalies, "overdue": overdue, "warnings": warnings,
        "proposals": proposals, "sanctions_available": adapters.sanctions_available(),
        "sanctions": adapters.sanction_rows(subjects, start, end),
    }


def create_meeting(*, org: Org, period_start: date, period_end: date, actor, title: str = "") -> RiskMeeting:
    if actor is not SYSTEM and not actor.is_superuser:
        if actor.role not in HOSTS:
            raise NotAllowed("您的角色不能召开矫情分析会。")
        if actor.org is None or not actor.org.contains(org):
            raise NotAllowed("只能为本单位及下属单位召开矫情分析会。")
    pack = build_pack(org, period_start, period_end, actor=actor)
    title = title.strip() or f"{org.name}矫情分析会（{period_start:%Y年%m月%d日}至{period_end:%Y年%m月%d日}）"
    with transaction.atomic():
        m = RiskMeeting.objects.create(org=org, org_path=org.path, title=title[:100], period_start=period_start,
                                       period_end=period_end, pack=pack, created_by=None if actor is SYSTEM else actor)
        audit.record(actor, Action.CREATE, m, summary=f"生成矫情分析会材料：{m.title}", data=pack["counts"])
    return m


def _check(meeting: RiskMeeting, actor) -> RiskMeeting:
    m = RiskMeeting.objects.visible_to(actor).select_for_update().filter(pk=meeting.pk).first()
    if m is None or (actor is not SYSTEM and not actor.is_superuser and actor.role not in HOSTS):
        raise NotAllowed("该会议不在您的管辖范围内，或您的角色不能记录会议。")
    return m


def record_minutes(meeting: RiskMeeting, *, actor, minutes: str, held_on: date, attendees: str = "") -> RiskMeeting:
    if not minutes.strip():
        raise ServiceError("请填写会议纪要。", code="validation")
    with transaction.atomic():
        m = _check(meeting, actor)
        m.minutes, m.held_on, m.attendees, m.state = minutes.strip(), held_on, attendees.strip(), RiskMeeting.State.HELD
        m.save(update_fields=["minutes", "held_on", "attendees", "state"])
        audit.record(actor, Action.UPDATE, m, summary=f"记录矫情分析会纪要：{m.title}")
    return m


def add_decision(meeting: RiskMeeting, *, actor, text: str, subject: Subject | None = None, responsible: str = "",
                 due_date: date | None = None) -> MeetingDecision:
    if not text.strip():
        raise ServiceError("请填写决定事项。", code="validation")
    with transaction.atomic():
        m = _check(meeting, actor)
        if subject is not None and not Subject.objects.visible_to(actor).in_org(m.org).filter(pk=subject.pk).exists():
            raise NotAllowed("决定事项关联的矫正对象不在本次会议范围内。")
        d = MeetingDecision.objects.create(meeting=m, subject=subject, text=text.strip(), responsible=responsible.strip(),
                                           due_date=due_date, created_by=None if actor is SYSTEM else actor)
        audit.record(actor, Action.CREATE, d, subject=subject, org_path=m.org_path,
                     summary=f"矫情分析会决定：{text.strip()[:120]}")
    return d


def export_meeting_pack(meeting: RiskMeeting, *, actor) -> bytes:
    """The Word document for download; the export is recorded (it names subjects and their risk reasons)."""
    data = build_meeting_pack_docx(meeting)
    with transaction.atomic():
        audit.record(actor, Action.EXPORT, meeting, summary=f"导出矫情分析会材料：{meeting.title}")
    return data


def build_meeting_pack_docx(meeting: RiskMeeting) -> bytes:
    """The meeting pack (and minutes/decisions once recorded) as a Word document."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = meeting.pack
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "仿宋"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(meeting.title)
    run.bold, run.font.size = True, Pt(18)
    doc.add_paragraph(f"单位：{p['org']}    分析期间：{p['period_start']} 至 {p['period_end']}    材料生成：{p['generated_at']}")
    c = p["counts"]
    doc.add_paragraph(f"在矫 {c['active']} 人，重点管控对象 {c['key']} 人；期间异常 {c['anomalies']} 条，超期未处置 "
                      f"{c['overdue']} 条；预警 {c['warnings']} 起；待审核管控建议 {c['proposals']} 条。")

    def table(title, headers, rows):
        doc.add_heading(title, level=2)
        if not rows:
            doc.add_paragraph("无。")
            return
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Table Grid"
        for i, h in enumerate(headers):
            t.rows[0].cells[i].text = h
        for r in rows:
            cells = t.add_row().cells
            for i, v in enumerate(r):
                cells[i].text = str(v)

    table("一、重点管控对象及认定理由", ["姓名", "编号", "管理等级", "评分", "认定理由"],
          [(k["name"], k["number"], k["level"], k["score"] if k["score"] is not None else "—", "；".join(k["reasons"]))
           for k in p["key_subjects"]])
    table("二、异常信息及处置情况", ["时间", "对象", "类型", "次数", "状态", "处置情况"],
          [(a["at"], a["subject"], a["kind"], a["count"], a["state"], a["disposition"]) for a in p["anomalies"]])
    table("三、超期未办事项", ["对象", "事项", "时限", "状态"],
          [(o["subject"], o["kind"], o["due"], o["state"]) for o in p["overdue"]])
    doc.add_heading("四、处罚情况", level=2)
    if not p["sanctions_available"]:
        doc.add_paragraph("考核奖惩模块尚未启用，本期处罚情况请人工补充。")
    elif not p["sanctions"]:
        doc.add_paragraph("无。")
    else:
        for s in p["sanctions"]:
            doc.add_paragraph(f"{s['subject']}：{s['kind']}（{s['days_ago']}日前）", style="List Bullet")
    table("五、预警情况", ["时间", "级别", "事件", "状态", "逐级上报次数"],
          [(w["at"], w["level"], w["title"], w["state"], w["escalations"]) for w in p["warnings"]])
    table("六、拟调整管控措施", ["对象", "建议", "依据"],
          [(x["subject"], x["label"], "；".join(x["reasons"])) for x in p["proposals"]])
    if meeting.state == RiskMeeting.State.HELD:
        doc.add_heading("七、会议纪要", level=2)
        doc.add_paragraph(f"召开日期：{meeting.held_on}    参会人员：{meeting.attendees or '—'}")
        for line in meeting.minutes.splitlines():
            doc.add_paragraph(line)
    if meeting.decisions.exists():
        table("八、决定事项", ["对象", "决定事项", "责任人/单位", "完成时限"],
              [(d.subject.name if d.subject else "—", d.text, d.responsible, d.due_date or "—")
               for d in meeting.decisions.select_related("subject")])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
