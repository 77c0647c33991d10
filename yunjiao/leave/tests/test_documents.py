"""Every document code the leave/discipline processes declare exists in the documents catalogue, and the
steps produce their documents with the fields filled from the leave/transfer/discipline records."""

from yunjiao.documents.catalogue import CATALOGUE
from yunjiao.workflows.engine import get_workflow

PROCESSES = ["leave", "business_travel", "transfer", "commendation", "admonition", "warning",
             "police_penalty_request", "arrest_request"]


def test_declared_document_codes_exist_in_the_catalogue():
    codes = {c for p in PROCESSES for t in get_workflow(p).transitions for c in t.documents}
    assert codes
    missing = sorted(c for c in codes if c not in CATALOGUE)
    assert missing == [], f"未在文书目录中登记的文书代码：{missing}"


def _generate(case, transition, actor):
    """The documents the step produced when it was fired (in its own transaction): read back, not made again."""
    from yunjiao.documents.models import Document

    codes = set(case.workflow.transition(transition).documents)
    docs = list(Document.objects.filter(case=case, doc_type__in=codes, is_current=True).order_by("-pk"))
    latest = {}
    for d in docs:
        latest.setdefault(d.doc_type, d)
    assert set(latest) == codes, f"{transition}: expected {sorted(codes)}, got {sorted(latest)}"
    return list(latest.values())


def test_leave_documents_are_generated_with_their_fields(cast, apply):
    from django.utils import timezone

    from yunjiao.leave.documents import cn_number
    from yunjiao.workflows import services as wf

    assert [cn_number(n) for n in (8, 10, 15, 31)] == ["八", "十", "十五", "三十一"]
    leave = apply(8)
    wf.fire(leave.case, "forward_county", actor=cast.officer_a1, note="同意")
    leave.refresh_from_db()
    case = wf.fire(leave.case, "approve_county", actor=cast.county_a_officer)
    docs = _generate(case, "approve_county", cast.county_a_officer)
    assert {d.doc_type for d in docs} == {"leave_approval_form", "leave_certificate"}
    cert = next(d for d in docs if d.doc_type == "leave_certificate")
    assert cert.fields["destination"].startswith("济南市历下区") and "就医" in cert.fields["leave_reason"]
    assert next(d for d in docs if d.doc_type == "leave_approval_form").fields["leave_days"] == "八"
    case = wf.fire(case, "register_return", actor=cast.officer_a1,
                   data={"return_date": timezone.localdate().isoformat()})
    (register,) = _generate(case, "register_return", cast.officer_a1)
    assert register.fields["leave_performance"] and register.fields["return_date_cn"]


def test_transfer_and_sanction_documents_are_generated(cast):
    from django.utils import timezone

    from yunjiao.discipline import services as discipline
    from yunjiao.leave import services
    from yunjiao.leave.tests.conftest import proof
    from yunjiao.workflows import services as wf

    today = timezone.localdate().isoformat()
    t = services.apply_transfer(cast.subject_a1, actor=cast.officer_a1, to_county_code="370812", to_county_name="",
                                new_address="兖州区某路8号", reason="随子女迁居", proof=proof())
    case = wf.fire(t.case, "township_opinion", actor=cast.officer_a1, note="同意")
    case = wf.fire(case, "consult", actor=cast.county_a_officer, data={"letter_number": "函1", "sent_on": today})
    assert _generate(case, "consult", cast.county_a_officer)[0].fields["recipient"] == cast.county_b.name
    services.reply_consultation(t, actor=cast.county_b_officer, reply="accept", township=cast.town_b1)
    case.refresh_from_db()
    case = wf.fire(case, "approve", actor=cast.county_a_officer,
                   data={"decision_number": "变1", "decision_delivered_on": today})
    assert len(_generate(case, "approve", cast.county_a_officer)) == 3
    case = wf.fire(case, "hand_over", actor=cast.county_a_officer, data={"handed_over_on": today})
    assert len(_generate(case, "hand_over", cast.county_a_officer)) == 2

    record = discipline.open_record(cast.subject_a1, actor=cast.officer_b1, kind="warning",
                                    occurred_on=timezone.localdate(), facts="未经批准离开居住地", interview_record="承认")
    case = wf.fire(record.case, "submit_investigation", actor=cast.officer_b1, data={"investigation_report": "属实"})
    case = wf.fire(case, "decide", actor=cast.county_b_officer, data={"decision_number": "警1", "decision_date": today})
    (decision,) = _generate(case, "decide", cast.county_b_officer)
    assert decision.doc_type == "warning_decision" and "第二十八条" in decision.fields["legal_basis"]
    case = wf.fire(case, "deliver", actor=cast.officer_b1, data={"delivered_on": today})
    (notice,) = _generate(case, "deliver", cast.officer_b1)
    assert notice.doc_type == "sanction_notice" and "警告" in notice.fields["proposal"]
