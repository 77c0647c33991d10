"""The type fields of the documents a workflow step produces, in one place.

`fields_for(case, code) -> dict` maps what the case holds — its step data (`case.data`), the subject, the
orgs, the step's record — to the fields the documents catalogue declares for `code` (主送单位, 委托机关,
委托函文号, 被调查评估人类型 …), dates written in Chinese numerals as the templates expect.  The apps that keep
a process's facts in their own tables (leave, business travel, transfer, discipline, requests to police and
court) register a provider with `services.register_document_fields(process, fn)`; its non-empty values are
merged over the ones derived here.

A field the case does not hold at that step is left out: the documents app stores the document as 待补全
(`missing_fields`) and the officer fills it in; it is never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

# ---------------------------------------------------------------------------- helpers


def cn_date(value: Any) -> str:
    """"2026-11-28" or a date → "二〇二六年十一月二十八日"; "" for nothing or a bad value."""
    from yunjiao.documents.numbering import chinese_date

    if isinstance(value, date):
        return chinese_date(value)
    if isinstance(value, str) and value:
        try:
            return chinese_date(date.fromisoformat(value[:10]))
        except ValueError:
            return ""
    return ""


def choice_label(case, name: str, value: Any = None) -> str:
    """The Chinese label of a choice field of the case's process (value from case.data by default)."""
    if value is None:
        value = (case.data or {}).get(name)
    if value in (None, ""):
        return ""
    for t in case.workflow.transitions:
        for f in t.fields:
            if f.name == name and f.choices:
                return f.choice_label(value)
    return str(value)


def last_record(case, transition: str | None = None):
    """The newest record of the case (of one step if named): the step being done when fields are asked."""
    records = case.records.all()
    if transition:
        records = records.filter(transition=transition)
    return records.order_by("-at", "-id").first()


def _clean(values: Mapping[str, Any]) -> dict:
    return {k: v for k, v in values.items() if v not in (None, "", [], ())}


# ---------------------------------------------------------------------------- per process
ASSESSEE_CONCLUSION = {"suitable": "适宜", "unsuitable": "不适宜"}


def _assessment(case, code: str) -> dict:
    """调查评估: the person has no subject record yet; everything comes from the commission data."""
    data = case.data or {}
    fields = {
        "commissioning_body": data.get("commissioning_body", ""),
        "commission_number": data.get("commission_number", ""),
        "assessee_role": choice_label(case, "person_type"),
        "proposed_category": choice_label(case, "proposed_category"),
        "due_date_cn": cn_date(case.due_at),
        "residence_situation": data.get("residence_situation", ""),
        "family_relations": data.get("family_relations", ""),
        "past_behaviour": data.get("past_behaviour", ""),
        "community_opinion": data.get("committee_opinion", ""),
        "victim_opinion": data.get("victim_opinion", ""),
        "proposed_prohibitions": data.get("proposed_prohibitions", ""),
        "assessment_conclusion": ASSESSEE_CONCLUSION.get(data.get("opinion", ""), ""),
    }
    if code == "assessment_assignment_notice":
        fields["recipient"] = data.get("township_name", "")  # the 司法所 assigned (set by the step's effect)
    elif code in ("assessment_opinion", "assessment_return_letter"):
        fields["recipient"] = data.get("commissioning_body", "")
    if code == "assessment_interview_record":
        record = last_record(case, "submit_findings")
        fields.update({"record_time": cn_date(data.get("interviewed_on")),
                       "interviewer": record.actor_label if record else "",
                       "interviewee": data.get("person_name", "")})
    if code == "assessment_return_letter":
        record = last_record(case, "return_unable")
        reason = choice_label(case, "unable_reason")
        note = (record.note if record else "").strip()
        fields["return_reason"] = "；".join(p for p in (reason, note) if p) + ("。" if reason or note else "")
    return fields


def _subject_recipient(case) -> str:
    subject = case.subject
    return subject.deciding_authority if subject is not None else ""


def _intake(case, code: str) -> dict:
    from yunjiao.subjects.choices import SupervisionLevel, TeamRole

    data = case.data or {}
    subject = case.subject
    fields: dict[str, Any] = {"recipient": _subject_recipient(case)}
    if code == "legal_documents_receipt":
        fields["received_date_cn"] = cn_date(data.get("documents_received_date"))
        fields["received_documents"] = "、".join(_received_legal_documents(subject))
    elif code == "report_status_notice":
        if case.state == "not_reported":
            fields["report_status"] = "未在规定期限内报到，已组织查找"
        elif data.get("report_date"):
            label = {"on_time": "在规定时限内报到", "late": "超出规定时限报到"}.get(data.get("report_type", ""),
                                                                                  "已报到")
            fields["report_status"] = f"{label}（{cn_date(data['report_date'])}，{choice_label(case, 'reception_method')}）"
    elif code == "intake_announcement":
        fields["announcement_attendees"] = data.get("attendees", "")
    elif code in ("correction_team_list", "responsibility_agreement"):
        members = list(subject.team_members.filter(is_active=True).order_by("id"))
        leader = next((m for m in members if m.role == TeamRole.LEADER), None)
        fields["team_leader"] = leader.name if leader else ""
        fields["team_members"] = [{"name": m.name, "role": m.get_role_display(), "unit": "",
                                   "phone": m.phone_masked} for m in members]
        guarantor = next((m for m in members if m.role == TeamRole.FAMILY), None)
        fields["guarantor_name"] = guarantor.name if guarantor else ""
    elif code == "correction_plan":
        plan = subject.plans.order_by("-version").first()
        if plan is not None:
            fields.update({"plan_supervision": plan.supervision_measures, "plan_education": plan.education_measures,
                           "plan_assistance": plan.assistance_measures})
    elif code == "supervision_level_approval_form":
        levels = dict(SupervisionLevel.choices)
        fields["old_level"] = levels.get(data.get("previous_level") or "", "") or "无（入矫初次确定）"
        fields["new_level"] = levels.get(data.get("initial_level", ""), "")
    return fields


def _received_legal_documents(subject) -> list[str]:
    """Titles of the incoming legal documents (判决书, 执行通知书 …) already attached to the subject's file."""
    from yunjiao.documents.models import Document

    titles = (Document.objects.filter(subject=subject, incoming=True, is_current=True)
              .order_by("issue_date", "id").values_list("title", flat=True))
    return list(dict.fromkeys(titles))


def _discharge(case, code: str) -> dict:
    data = case.data or {}
    subject = case.subject
    fields = {
        "recipient": _subject_recipient(case),
        "performance": data.get("evaluation", ""),
        "resettlement_suggestion": data.get("resettlement", ""),
        "discharge_type": "矫正期满",
        "discharge_date_cn": cn_date(data.get("discharge_date")),
    }
    if code == "discharge_announcement":  # "你的社区矫正期限将于…届满"
        fields["discharge_date_cn"] = cn_date(subject.period_end)
    return fields


TERMINATION_TYPES = {"revocation_probation": "撤销缓刑", "revocation_parole": "撤销假释", "committal": "收监执行"}
TERMINATION_BASIS = {"revocation_probation": "《中华人民共和国社区矫正法》第四十六条",
                     "revocation_parole": "《中华人民共和国社区矫正法》第四十六条",
                     "committal": "《中华人民共和国社区矫正法》第四十九条"}


def _termination(case, code: str) -> dict:
    data = case.data or {}
    kind = data.get("kind", "")
    fields: dict[str, Any] = {"recipient": _subject_recipient(case)}
    if code in ("probation_revocation_proposal", "parole_revocation_proposal", "committal_proposal"):
        record = last_record(case, "propose")
        fields.update({"recipient": data.get("authority", ""), "facts": (record.note if record else "").strip(),
                       "legal_basis": TERMINATION_BASIS.get(kind, "")})
    elif code == "termination_notice":
        if data.get("death_date"):
            fields.update({"termination_type": "对象死亡", "termination_date_cn": cn_date(data["death_date"]),
                           "termination_reason": f"该对象已于{cn_date(data['death_date'])}死亡。"})
        else:
            authority = data.get("authority", "")
            fields.update({"termination_type": TERMINATION_TYPES.get(kind, ""),
                           "termination_date_cn": cn_date(data.get("decision_date")),
                           "termination_reason": (f"{authority}以{data.get('decision_number', '')}"
                                                  f"作出{TERMINATION_TYPES.get(kind, '')}的裁定（决定）。")
                           if data.get("decision_number") else ""})
    elif code == "death_report":
        fields.update({"death_date_cn": cn_date(data.get("death_date")), "death_cause": data.get("cause", "")})
    return fields


PROCESS_FIELDS: dict[str, Callable[[Any, str], dict]] = {
    "pre_sentence_assessment": _assessment,
    "intake": _intake,
    "discharge": _discharge,
    "termination": _termination,
}

def fields_for(case, code: str) -> dict:
    """Every type field of `code` the case can supply: derived here, then the process's provider on top."""
    from yunjiao.workflows.services import provided_document_fields

    base = PROCESS_FIELDS.get(case.process, lambda c, k: {})(case, code)
    provided = provided_document_fields(case, code)
    merged = {**_clean(base), **_clean(provided)}
    try:
        from yunjiao.documents.catalogue import CATALOGUE
    except ImportError:  # pragma: no cover - the documents app is part of the project
        return merged
    doc_type = CATALOGUE.get(code)
    if doc_type is None:
        return merged
    return {k: v for k, v in merged.items() if k in doc_type.fields}


# ---------------------------------------------------------------------------- consistency
def document_problems(workflows=None, catalogue=None) -> list[str]:
    """Where the workflow declarations and the documents catalogue disagree, in Chinese ([] = consistent).

    * every code a step declares is a catalogue type that is generated (not an incoming or e-file type) and
      names that step among its producing steps;
    * every producing step the catalogue names for a declared workflow exists and declares the code.
    """
    from yunjiao.workflows.engine import all_workflows

    if catalogue is None:
        from yunjiao.documents.catalogue import CATALOGUE as catalogue
    workflows = list(all_workflows() if workflows is None else workflows)
    problems: list[str] = []
    declared: set[tuple[str, str, str]] = set()
    for wf in workflows:
        for t in wf.transitions:
            for code in t.all_documents:
                declared.add((wf.name, t.name, code))
                doc_type = catalogue.get(code)
                where = f"流程“{wf.label}”步骤“{t.label}”({wf.name}.{t.name})"
                if doc_type is None:
                    problems.append(f"{where}声明的文书 {code} 不在文书目录中")
                    continue
                if doc_type.incoming or doc_type.produced_by_case_file:
                    problems.append(f"{where}声明的“{doc_type.title}”是外来文书或卷宗文书，不能由流程生成")
                if (wf.name, t.name) not in doc_type.steps:
                    problems.append(f"{where}生成“{doc_type.title}”，但文书目录未将该步骤列为产生环节")
    by_name = {wf.name: wf for wf in workflows}
    for code, doc_type in catalogue.items():
        for process, transition in doc_type.steps:
            wf = by_name.get(process)
            if wf is None:
                continue  # a stage that is not a declared workflow (made on demand)
            if transition not in {t.name for t in wf.transitions}:
                problems.append(f"文书目录：“{doc_type.title}”的产生环节 {process}.{transition} 在流程“{wf.label}”中不存在")
            elif (process, transition, code) not in declared:
                problems.append(f"文书目录：“{doc_type.title}”的产生环节 {process}.{transition} 未声明生成该文书")
    return problems
