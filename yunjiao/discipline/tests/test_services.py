"""考核奖惩 services: the 表扬/训诫/警告 processes, suggestions from legal grounds decided by an officer,
escalation to police/court feeding termination, anomaly escalation, monthly score."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.anomalies import services as anomalies
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotFound, ServiceError
from yunjiao.core.testing import make_subject
from yunjiao.discipline import services
from yunjiao.discipline.models import DisciplineRecord, MonthlyScore, Proposal
from yunjiao.subjects import choices as c
from yunjiao.workflows import services as wf
from yunjiao.workflows.engine import get_workflow
from yunjiao.workflows.models import Case
from yunjiao.workflows.services import TransitionRefused

TODAY = timezone.localdate
ROLE_ACTOR = {"township_officer": "officer_a1", "county_officer": "county_a_officer", "county_head": "county_a_head"}


def sanction(cast, kind, subject=None, deliver=True):
    record = services.open_record(subject or cast.subject_a1, actor=cast.officer_a1, kind=kind, occurred_on=TODAY(),
                                  facts="未按规定报告活动情况", interview_record="本人承认")
    case = wf.fire(record.case, "submit_investigation", actor=cast.officer_a1,
                   data={"investigation_report": "经调查属实，建议处理"})
    case = wf.fire(case, "decide", actor=cast.county_a_officer,
                   data={"decision_number": "任矫决〔2026〕1号", "decision_date": TODAY().isoformat()})
    if deliver:
        case = wf.fire(case, "deliver", actor=cast.officer_a1, data={"delivered_on": TODAY().isoformat()})
    record.refresh_from_db()
    return record


@pytest.mark.parametrize("process", ["commendation", "admonition", "warning"])
def test_every_transition_from_every_source_for_every_role(cast, process):
    wf_ = get_workflow(process)
    for t in wf_.transitions:
        for source in t.sources:
            for role in sorted(t.roles - {"system"}):
                record = services.open_record(cast.subject_a1,
                                              actor=cast.county_a_officer, kind=process, occurred_on=TODAY(),
                                              facts="事实", interview_record="笔录")
                Case.objects.filter(pk=record.case_id).update(state=source)
                case = Case.objects.get(pk=record.case_id)
                data = {f.name: (TODAY().isoformat() if f.kind == "date" else "内容") for f in t.fields}
                actor = getattr(cast, ROLE_ACTOR[role])
                done = wf.fire(case, t.name, actor=actor, data=data, note="说明")
                assert done.state == t.target_for(source)
                # a township officer may not decide; another county may not act at all
                if role != "township_officer" and "township_officer" not in t.roles:
                    with pytest.raises(TransitionRefused):
                        wf.fire(done, t.name, actor=cast.officer_a1, data=data, note="x")
                Case.objects.filter(pk=record.case_id).update(is_closed=True)


def test_admonition_process_and_decision(cast):
    record = sanction(cast, "admonition")
    assert record.case.state == "delivered" and record.decided_on == TODAY()
    assert "sanction_notice" in record.case.workflow.transition("deliver").documents
    with pytest.raises(TransitionRefused) as exc:  # the township investigates, the county decides
        rec2 = services.open_record(cast.subject_a1, actor=cast.officer_a1, kind="warning", occurred_on=TODAY(),
                                    facts="x", interview_record="y")
        case = wf.fire(rec2.case, "submit_investigation", actor=cast.officer_a1, data={"investigation_report": "z"})
        wf.fire(case, "decide", actor=cast.officer_a1, data={"decision_number": "1", "decision_date": TODAY()})
    assert any("须由" in r for r in exc.value.reasons)


def test_violation_needs_an_interview_record(cast):
    with pytest.raises(ServiceError) as exc:
        services.open_record(cast.subject_a1, actor=cast.officer_a1, kind="warning", occurred_on=TODAY(), facts="x")
    assert "询问笔录" in exc.value.message


def test_two_uncorrected_admonitions_suggest_a_warning_decided_by_an_officer(cast):
    sanction(cast, "admonition")
    assert not Proposal.objects.exists()
    second = sanction(cast, "admonition")
    p = Proposal.objects.get(measure="warning")
    assert p.grounds[0]["code"] == "two_admonitions" and "第28条" in p.grounds[0]["article"]
    assert services.refresh_proposals(cast.subject_a1) == []  # the same grounds suggest once
    with pytest.raises(ServiceError):
        services.dismiss_proposal(p, actor=cast.county_a_officer, note="")
    case = services.accept_proposal(p, actor=cast.county_a_officer, note="两次训诫后仍不改正")
    assert case.process == "warning" and case.state == "investigating"
    # correcting one admonition takes it off the ladder
    services.mark_corrected(second, actor=cast.officer_a1, note="已按时报告三个月")
    assert services.gather_facts(cast.subject_a1).uncorrected_admonitions == 1


def test_two_warnings_suggest_revocation_with_arrest_and_the_ruling_terminates(cast):
    sanction(cast, "warning")
    sanction(cast, "warning")
    p = Proposal.objects.get(measure="revocation_request")
    assert {g["code"] for g in p.grounds} == {"two_warnings"}
    assert "第543条" in p.grounds[0]["article"]
    case = services.accept_proposal(p, actor=cast.county_a_officer, note="两次警告仍不改正", with_arrest=True,
                                    authority="济宁市任城区人民法院")
    assert case.process == "termination" and case.data["kind"] == "revocation_probation"
    assert case.deadline_rule == "D14" and case.due_at >= TODAY() + timedelta(days=30)
    arrest = Case.objects.get(process="arrest_request", subject=cast.subject_a1)
    assert arrest.deadline_rule == "D13" and arrest.due_at <= TODAY() + timedelta(days=2)
    wf.fire(case, "record_revoked", actor=cast.county_a_officer,
            data={"decision_date": TODAY().isoformat(), "decision_number": "(2026)鲁0811刑更1号"})
    cast.subject_a1.refresh_from_db()
    assert cast.subject_a1.status == c.Status.TERMINATED


def test_temporary_release_two_warnings_suggest_committal(cast):
    subject = make_subject(cast.town_a1, name="周八", category=c.Category.TEMPORARY_RELEASE,
                           temporary_release_type=c.TemporaryReleaseType.MEDICAL_PAROLE)
    sanction(cast, "warning", subject=subject)
    sanction(cast, "warning", subject=subject)
    p = Proposal.objects.get(subject=subject)
    assert p.measure == "committal_request" and "第516条" in p.grounds[0]["article"]
    case = services.accept_proposal(p, actor=cast.county_a_officer, note="收监")
    assert case.data["kind"] == "committal" and case.deadline_rule == "D15"


def test_police_penalty_request_then_penalty_not_corrected_suggests_revocation(cast):
    subject = cast.subject_a1
    Proposal.objects.create(subject=subject, measure="police_penalty_request", fingerprint="manual",
                            grounds=[{"code": "violation_after_warning", "text": "x", "article": "第59条"}],
                            author_org_path=subject.org_path)
    p = Proposal.objects.get()
    with pytest.raises(TransitionRefused):  # requests go out from the county agency
        services.accept_proposal(p, actor=cast.officer_a1, note="提请")
    case = services.accept_proposal(p, actor=cast.county_a_officer, note="提请公安机关处罚")
    wf.fire(case, "record_penalty", actor=cast.county_a_officer,
            data={"decision_number": "任公决字〔2026〕8号", "decision_date": TODAY().isoformat(), "penalty": "拘留5日"})
    created = services.refresh_proposals(subject)
    assert [x.measure for x in created] == ["revocation_request"]
    assert created[0].grounds[0]["code"] == "police_penalty_uncorrected"


def test_anomaly_escalates_to_a_sanction_investigation(cast):
    a = anomalies.raise_anomaly(cast.subject_a1, kind="boundary_exit", summary="越界30分钟")
    a = anomalies.escalate(a, actor=cast.officer_a1, target="sanction", note="核实为擅自离开")
    record = DisciplineRecord.objects.get(source_anomaly_id=a.pk)
    assert record.kind == "admonition" and record.case.state == "investigating"
    assert a.escalation_ref == f"admonition:{record.case_id}"


def test_monthly_score_from_facts_with_adjustment(cast):
    sanction(cast, "admonition")
    row = services.compute_monthly_score(cast.subject_a1, TODAY(), actor=cast.officer_a1)
    lines = {line["code"]: line for line in row.lines}
    assert lines["admonition"]["quantity"] == 1 and lines["admonition"]["points"] == -10
    assert lines["checkin_missed"]["quantity"] is None  # check-ins app does not provide the adapter here
    assert row.total == 90
    row = services.adjust_score(row, actor=cast.officer_a1, points=3, reason="主动参加社区服务")
    assert row.total == 93
    again = services.compute_monthly_score(cast.subject_a1, TODAY(), actor=cast.officer_a1)
    assert again.pk == row.pk and again.total == 93 and MonthlyScore.objects.count() == 1
    with pytest.raises(NotFound):
        services.compute_monthly_score(cast.subject_a1, TODAY(), actor=cast.officer_b1)


def test_score_items_are_configurable(cast, settings):
    settings.YUNJIAO_SCORE_ITEMS = [{"code": "admonition", "label": "训诫", "points": -15}]
    sanction(cast, "admonition")
    row = services.compute_monthly_score(cast.subject_a1, TODAY(), actor=cast.officer_a1)
    assert [line["code"] for line in row.lines] == ["admonition"] and row.total == 85
    assert services.previous_month(TODAY().replace(day=15)) == (TODAY().replace(day=1) - timedelta(days=1)).replace(day=1)
    assert services.compute_all_scores(TODAY(), actor=SYSTEM) == 3


def test_sanction_investigation_and_decision_need_a_work_certificate(cast):
    from yunjiao.accounts.models import Role
    from yunjiao.core.testing import make_user

    uncertified = make_user("county_a_new", Role.COUNTY_OFFICER, cast.county_a)
    record = services.open_record(cast.subject_a1, actor=cast.officer_a1, kind="admonition", occurred_on=TODAY(),
                                  facts="x", interview_record="y")
    case = wf.fire(record.case, "submit_investigation", actor=cast.officer_a1, data={"investigation_report": "z"})
    with pytest.raises(TransitionRefused) as exc:
        wf.fire(case, "decide", actor=uncertified, data={"decision_number": "1", "decision_date": TODAY()})
    assert any("证" in r for r in exc.value.reasons)
