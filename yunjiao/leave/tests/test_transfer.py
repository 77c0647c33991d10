"""执行地变更 (domain.md §2.6; LAW art.27 para 2): the full process with an in-system receiving county,
visibility moving with the subject, the external-letter variant and failure to report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.anomalies.models import Anomaly
from yunjiao.audit.models import AuditRecord
from yunjiao.core.errors import NotFound, ServiceError
from yunjiao.core.testing import assert_hidden, assert_visible
from yunjiao.discipline import services as discipline
from yunjiao.leave import services
from yunjiao.leave.models import Leave, Transfer
from yunjiao.leave.tests.conftest import proof
from yunjiao.workflows import services as wf
from yunjiao.workflows.models import Case
from yunjiao.workflows.services import TransitionRefused

TODAY = timezone.localdate


def step(transfer, name, actor, **kw):
    transfer.refresh_from_db()
    return wf.fire(Case.objects.get(pk=transfer.case_id), name, actor=actor, **kw)


def to_decision(cast, subject=None):
    t = services.apply_transfer(subject or cast.subject_a1, actor=cast.officer_a1, to_county_code="370812",
                                to_county_name="", new_address="兖州区某路8号", reason="随子女迁居", proof=proof())
    assert t.in_system and t.to_county == cast.county_b
    step(t, "township_opinion", cast.officer_a1, note="居住地核实属实，同意变更")
    step(t, "consult", cast.county_a_officer, data={"letter_number": "任矫函〔2026〕5号",
                                                   "sent_on": TODAY().isoformat()})
    return t


def test_transfer_moves_the_subject_and_visibility(cast, apply, client):
    subject = cast.subject_a1
    old_leave = apply(3, actor=cast.officer_a1)  # written by the old township
    wf.fire(old_leave.case, "withdraw", actor=cast.officer_a1)
    old_record = discipline.open_record(subject, actor=cast.officer_a1, kind="commendation",
                                        occurred_on=TODAY(), facts="见义勇为")
    t = to_decision(cast)
    # inside the system the receiving county answers itself; the old county cannot record it as a letter
    with pytest.raises(TransitionRefused) as exc:
        step(t, "record_reply", cast.county_a_officer, data={"reply": "accept", "reply_letter": "x",
                                                             "replied_on": TODAY().isoformat()})
    assert "在系统内回复" in exc.value.reasons[0]
    assert_hidden(client, cast.county_b_officer, f"/subjects/{subject.pk}/")  # not theirs yet
    assert list(services.incoming_consultations(cast.county_b_officer)) == [t]
    from yunjiao.notifications.models import Message

    assert Message.objects.filter(recipient=cast.county_b_officer, title__contains="征求意见").exists()
    with pytest.raises(NotFound):
        services.reply_consultation(t, actor=cast.county_a_officer, reply="accept", township=cast.town_a1)
    with pytest.raises(ServiceError):
        services.reply_consultation(t, actor=cast.county_b_officer, reply="accept", township=cast.town_a1)
    services.reply_consultation(t, actor=cast.county_b_officer, reply="accept", township=cast.town_b1,
                                note="已核实新居住地")
    step(t, "approve", cast.county_a_officer, data={"decision_number": "任矫变〔2026〕1号",
                                                   "decision_delivered_on": TODAY().isoformat()})
    t.refresh_from_db()
    from yunjiao.workflows import rules as wf_rules

    expected = wf_rules.compute_deadline("D12_REPORT", TODAY(), roll_forward=True).due_date
    assert TODAY() + timedelta(days=7) <= t.report_due == expected
    assert Case.objects.get(pk=t.case_id).due_at == t.report_due
    subject.refresh_from_db()
    assert subject.execution_org == cast.county_a  # still the old agency until the files are handed over
    step(t, "hand_over", cast.county_a_officer, data={"handed_over_on": TODAY().isoformat()})
    subject.refresh_from_db()
    assert (subject.execution_org, subject.township, subject.org_path) == (cast.county_b, cast.town_b1,
                                                                          cast.town_b1.path)
    assert AuditRecord.objects.filter(summary__startswith="执行地变更：任城区").exists()

    # a record written after the transfer by the new township
    new_leave = apply(3, actor=cast.officer_b1)
    new_record = discipline.open_record(subject, actor=cast.officer_b1, kind="admonition", occurred_on=TODAY(),
                                        facts="未按规定时间报告", interview_record="本人承认未按时报告")
    # the old township: 404 on the new records and on the subject, keeps read access to what it wrote
    assert_hidden(client, cast.officer_a1, f"/leave/{new_leave.pk}/")
    assert_hidden(client, cast.officer_a1, f"/subjects/{subject.pk}/")
    assert_hidden(client, cast.officer_a1, f"/cases/{new_leave.case_id}/")
    assert_visible(client, cast.officer_a1, f"/leave/{old_leave.pk}/")
    assert set(Leave.objects.visible_to(cast.officer_a1)) == {old_leave}
    from yunjiao.discipline.models import DisciplineRecord

    assert set(DisciplineRecord.objects.visible_to(cast.officer_a1)) == {old_record}
    # the new township sees the whole file
    for url in (f"/subjects/{subject.pk}/", f"/leave/{old_leave.pk}/", f"/leave/{new_leave.pk}/",
                f"/cases/{t.case_id}/"):
        assert_visible(client, cast.officer_b1, url)
    assert set(Leave.objects.visible_to(cast.officer_b1)) == {old_leave, new_leave}
    assert set(DisciplineRecord.objects.visible_to(cast.officer_b1)) == {old_record, new_record}
    # open cases moved with the subject; the old township can no longer act on them
    assert Case.objects.get(pk=new_record.case_id).org_path == cast.town_b1.path
    with pytest.raises(TransitionRefused):
        step(t, "confirm_received", cast.officer_a1, data={"reported_on": TODAY().isoformat()})
    case = step(t, "confirm_received", cast.officer_b1, data={"reported_on": TODAY().isoformat()})
    assert case.state == "received" and case.is_closed


def test_refused_reply_blocks_the_decision(cast):
    t = to_decision(cast)
    services.reply_consultation(t, actor=cast.county_b_officer, reply="refuse", note="无固定住所")
    with pytest.raises(TransitionRefused) as exc:
        step(t, "approve", cast.county_a_officer, data={"decision_number": "x",
                                                       "decision_delivered_on": TODAY().isoformat()})
    assert "未同意接收" in exc.value.reasons[0]
    assert step(t, "reject", cast.county_a_officer, note="新执行地不同意接收").state == "rejected"


def test_external_county_is_a_recorded_letter(cast):
    t = services.apply_transfer(cast.subject_a1, actor=cast.officer_a1, to_county_code="320506",
                                to_county_name="苏州市吴中区", new_address="吴中区某路", reason="工作调动", proof=proof())
    assert not t.in_system and t.to_county_name == "苏州市吴中区"
    step(t, "township_opinion", cast.officer_a1, note="同意")
    step(t, "consult", cast.county_a_officer, data={"letter_number": "任矫函〔2026〕9号",
                                                   "sent_on": TODAY().isoformat()})
    case = step(t, "record_reply", cast.county_a_officer, data={"reply": "accept", "reply_letter": "吴矫复〔2026〕2号",
                                                               "replied_on": TODAY().isoformat()})
    assert case.state == "replied"
    step(t, "approve", cast.county_a_officer, data={"decision_number": "任矫变〔2026〕2号",
                                                   "decision_delivered_on": TODAY().isoformat()})
    with pytest.raises(ServiceError) as exc:  # the subject cannot move to an org this system does not hold
        step(t, "hand_over", cast.county_a_officer, data={"handed_over_on": TODAY().isoformat()})
    assert "不在本系统内" in exc.value.message


def test_not_reporting_in_time_raises_failure_to_report(cast):
    t = to_decision(cast)
    services.reply_consultation(t, actor=cast.county_b_officer, reply="accept", township=cast.town_b1)
    past = TODAY() - timedelta(days=9)
    step(t, "approve", cast.county_a_officer, data={"decision_number": "x", "decision_delivered_on": past.isoformat()})
    step(t, "hand_over", cast.county_a_officer, data={"handed_over_on": TODAY().isoformat()})
    assert services.scan_transfer_reports() == 1
    t.refresh_from_db()
    assert t.case.state == "not_reported"
    anomaly = Anomaly.objects.get(kind="report_overdue")
    assert anomaly.subject_id == t.subject_id and anomaly.org_path == cast.town_b1.path
    assert services.scan_transfer_reports() == 0


def test_only_the_transfer_process_moves_the_subject(cast):
    t = to_decision(cast)
    assert Transfer.objects.get(pk=t.pk).moved_at is None
    cast.subject_a1.refresh_from_db()
    assert cast.subject_a1.execution_org == cast.county_a
