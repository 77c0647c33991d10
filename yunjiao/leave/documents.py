"""Fields of the documents the leave, business_travel and transfer steps produce (外出审批表, 外出证明,
销假登记表, 经营性外出审批表/证明, 执行地变更 letters and decisions), read from the records."""

from __future__ import annotations

from django.utils import timezone

from yunjiao.leave.models import BusinessTravelPermit, Leave, Transfer

CN_DIGITS = "〇一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numeral for day counts (1–99): 8 → 八, 15 → 十五, 31 → 三十一."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")) if n < 100 else str(n)


def leave_fields(case, code: str) -> dict:
    leave = Leave.objects.filter(case_id=case.pk).select_related("subject").first()
    if leave is None:
        return {}
    start, end = leave.approved_start or leave.start_date, leave.approved_end or leave.end_date
    returned = timezone.localtime(leave.returned_at).date() if leave.returned_at else None
    late = f"，逾期{leave.return_late_days}日返回" if leave.return_late_days else "，按期返回"
    return {
        "destination": f"{leave.destination_names}{leave.destination_detail}",
        "leave_reason": f"{leave.get_reason_kind_display()}：{leave.reason}",
        "leave_start_cn": start, "leave_end_cn": end, "leave_days": cn_number((end - start).days + 1),
        "leave_contact": leave.subject.phone,
        "return_date_cn": returned or "",
        "leave_performance": f"外出期间按要求报告{late}。" if returned else "",
    }


def permit_fields(case, code: str) -> dict:
    permit = BusinessTravelPermit.objects.filter(case_id=case.pk).select_related("link").first()
    if permit is None:
        return {}
    return {"business_name": permit.link.company,
            "business_purpose": f"{permit.link.get_role_display()}因生产经营需要经常性外出；{permit.reporting_duty}",
            "destination": permit.destination_names, "leave_start_cn": permit.valid_from,
            "leave_end_cn": permit.valid_until}


def transfer_fields(case, code: str) -> dict:
    t = Transfer.objects.filter(case_id=case.pk).select_related("to_county", "from_county").first()
    if t is None:
        return {}
    data = case.data or {}
    to_agency = t.to_county.name if t.to_county else f"{t.to_county_name}社区矫正机构"
    recipient = {"residence_verification_request": to_agency, "residence_verification_reply": t.from_county.name,
                 "transfer_notice": to_agency, "file_transfer_letter": to_agency}.get(code, "")
    reply = {"accept": "经核实，同意接收。", "refuse": "经核实，不同意接收。"}.get(data.get("reply"), "")
    return {"recipient": recipient, "new_residence": t.new_address, "new_county": to_agency,
            "transfer_reason": t.reason, "consultation_result": reply,
            "items": [{"no": "1", "title": "社区矫正档案(执法档案、工作档案)", "pages": "", "note": ""},
                      {"no": "2", "title": "执行地变更决定书", "pages": "", "note": data.get("decision_number", "")}]}


def register() -> None:
    from yunjiao.workflows.services import register_document_fields

    register_document_fields("leave", leave_fields)
    register_document_fields("business_travel", permit_fields)
    register_document_fields("transfer", transfer_fields)


