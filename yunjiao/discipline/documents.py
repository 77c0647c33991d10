"""Fields of the 表扬/训诫/警告 decisions, the 奖惩情况通知书 and the requests to police/court."""

from __future__ import annotations

from yunjiao.discipline.models import DisciplineRecord, Proposal

BASIS = {"commendation": "《中华人民共和国社区矫正法》第二十八条第一款",
         "admonition": "《中华人民共和国社区矫正法》第二十八条第二款",
         "warning": "《中华人民共和国社区矫正法》第二十八条第二款"}


def record_fields(case, code: str) -> dict:
    record = DisciplineRecord.objects.filter(case_id=case.pk).first()
    if record is None:
        return {}
    data = case.data or {}
    facts = record.facts + (f"\n调查核实：{data['investigation_report']}" if data.get("investigation_report") else "")
    return {"facts": facts, "legal_basis": BASIS[case.process], "recipient": "人民检察院",
            "proposal": f"决定给予{record.get_kind_display()}（{data.get('decision_number', '')}）"}


def request_fields(case, code: str) -> dict:
    proposal = Proposal.objects.filter(case_id=case.pk).first()
    data = case.data or {}
    facts = "；".join(g["text"] for g in proposal.grounds) if proposal else ""
    basis = "；".join(sorted({g["article"] for g in proposal.grounds})) if proposal else ""
    if case.process == "police_penalty_request":
        return {"recipient": data.get("police_org", ""), "facts": facts or "见办理说明",
                "legal_basis": basis or "《中华人民共和国社区矫正法》第二十八条、第五十九条",
                "penalty_requested": "依法给予治安管理处罚"}
    return {"recipient": data.get("court", ""), "facts": facts or "见撤销缓刑/假释建议书",
            "legal_basis": "《中华人民共和国社区矫正法》第四十七条" + (f"；{basis}" if basis else "")}


def register() -> None:
    from yunjiao.workflows.services import register_document_fields

    for process in ("commendation", "admonition", "warning"):
        register_document_fields(process, record_fields)
    register_document_fields("police_penalty_request", request_fields)
    register_document_fields("arrest_request", request_fields)
