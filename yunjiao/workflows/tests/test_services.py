"""fire/start_case behaviour: bad input changes nothing, stale forms conflict, status is derived,
discharge is blocked by open proposals, documents are created in the step's transaction, the scanner and the
discharge opener, rule overrides are audited, and two concurrent fires: exactly one wins."""

from __future__ import annotations

import sys
import threading
import types
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from yunjiao.audit.models import AuditRecord
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError
from yunjiao.subjects import choices as c
from yunjiao.subjects.models import CorrectionPlan, CorrectionTeamMember
from yunjiao.workflows import services
from yunjiao.workflows.models import Case, CaseAlert, RuleOverride, TransitionRecord

TODAY = timezone.localdate


def assessment(cast, **data):
    base = {"commissioning_body": "任城区人民法院", "commissioning_type": "court", "person_name": "钱八",
            "person_type": "defendant", "proposed_category": "probation",
            "received_date": TODAY().isoformat()}
    base.update(data)
    return services.start_case("pre_sentence_assessment", actor=cast.county_a_officer, org=cast.county_a,
                               data=base)


def snapshot(case):
    case.refresh_from_db()
    return (case.state, case.version, case.due_at, dict(case.data),
            TransitionRecord.objects.filter(case=case).count(), AuditRecord.objects.count())


# ------------------------------------------------------------------ bad input changes nothing
def test_missing_required_data_is_refused_and_changes_nothing(cast):
    case = assessment(cast)
    before = snapshot(case)
    with pytest.raises(ServiceError) as exc:
        services.fire(case, "assign", actor=cast.county_a_officer, data={})
    assert exc.value.field_errors == {"township": "请选择“承办司法所”"}
    assert snapshot(case) == before


def test_future_date_where_past_required_is_refused(cast):
    case = assessment(cast)
    services.fire(case, "assign", actor=cast.county_a_officer, data={"township": cast.town_a1.pk})
    case.refresh_from_db()
    services.fire(case, "begin_investigation", actor=cast.officer_a1)
    case.refresh_from_db()
    before = snapshot(case)
    tomorrow = (TODAY() + timedelta(days=1)).isoformat()
    with pytest.raises(ServiceError) as exc:
        services.fire(case, "submit_findings", actor=cast.officer_a1, attachment=b"x", data={
            "interviewed_on": tomorrow, "residence_situation": "稳定", "family_relations": "和睦",
            "past_behaviour": "良好", "committee_opinion": "同意", "opinion": "suitable"})
    assert "不能晚于今天" in exc.value.field_errors["interviewed_on"]
    assert snapshot(case) == before


def test_stale_form_is_refused_with_taken_message(cast):
    case = assessment(cast)
    stale = Case.objects.get(pk=case.pk)
    services.fire(case, "assign", actor=cast.county_a_officer, data={"township": cast.town_a1.pk})
    before = snapshot(case)
    with pytest.raises(Conflict) as exc:
        services.fire(stale, "assign", actor=cast.county_a_officer, data={"township": cast.town_a2.pk})
    assert "已被他人处理" in exc.value.message
    # a form posted with an old version number is refused the same way
    with pytest.raises(Conflict):
        services.fire(case, "begin_investigation", actor=cast.officer_a1, expected_version=1)
    assert snapshot(case) == before


def test_note_required_step(cast):
    case = assessment(cast)
    with pytest.raises(ServiceError) as exc:
        services.fire(case, "return_unable", actor=cast.county_a_officer, data={"unable_reason": "residence"})
    assert "note" in exc.value.field_errors


def test_assign_moves_the_case_to_the_township_and_only_within_the_county(cast):
    case = assessment(cast)
    with pytest.raises(services.TransitionRefused) as exc:
        services.fire(case, "assign", actor=cast.county_a_officer, data={"township": cast.town_b1.pk})
    assert "不属于本案件所在的县" in exc.value.reasons[0]
    case = services.fire(case, "assign", actor=cast.county_a_officer, data={"township": cast.town_a2.pk})
    assert case.org_path == cast.town_a2.path
    assert not Case.objects.visible_to(cast.officer_a1).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(cast.officer_a2).filter(pk=case.pk).exists()


def test_assessment_deadline_is_ten_working_days_or_five_fast_track(cast):
    # D1 (实施办法, unverified): received 2026-02-12 → 2026-03-04 / fast track 2026-02-26 (2026 春节)
    normal = assessment(cast, received_date="2026-02-12")
    fast = assessment(cast, received_date="2026-02-12", fast_track="1")
    assert (normal.due_at, normal.deadline_rule) == (date(2026, 3, 4), "D1")
    assert (fast.due_at, fast.deadline_rule) == (date(2026, 2, 26), "D1_FAST")


def test_extension_sets_the_agreed_date(cast):
    case = assessment(cast)
    new_due = TODAY() + timedelta(days=20)
    case = services.fire(case, "extend", actor=cast.county_a_officer, note="委托机关同意延期",
                         data={"new_due_date": new_due.isoformat(), "agreed_with": "王法官"})
    assert case.state == "received" and case.due_at == new_due


# ------------------------------------------------------------------ status derived from processes
def _intake(cast, subject, effective):
    return services.start_case("intake", actor=cast.county_a_officer, subject=subject, data={
        "notice_date": effective.isoformat(), "judgment_effective_date": effective.isoformat()})


def test_intake_walk_derives_status_and_needs_female_team_member(cast):
    subject = cast.subject_a2  # female, town_a2
    today = TODAY()
    case = _intake(cast, subject, today - timedelta(days=2))
    subject.refresh_from_db()
    assert subject.status == c.Status.PENDING_INTAKE
    assert case.deadline_rule == "D6" and case.due_at >= today + timedelta(days=8)  # LAW art.21: 10 days
    county = cast.county_a_officer
    case = services.fire(case, "receive_documents", actor=county, data={"documents_received_date": today.isoformat()})
    case = services.fire(case, "report", actor=cast.officer_a2,
                         data={"report_date": today.isoformat(), "reception_method": "self"})
    subject.refresh_from_db()
    assert subject.report_type == c.ReportType.ON_TIME and subject.report_date == today
    case = services.fire(case, "register", actor=county, data={"file_number": "任矫2026-001"})
    case = services.fire(case, "announce", actor=cast.officer_a2,
                         data={"announcement_date": today.isoformat(), "attendees": "司法所、村委会"})
    CorrectionTeamMember.objects.create(subject=subject, name="男组长", sex=c.Sex.MALE, role=c.TeamRole.LEADER)
    CorrectionPlan.objects.create(subject=subject, version=1, supervision_measures="a", education_measures="b")
    with pytest.raises(services.TransitionRefused) as exc:
        services.fire(case, "start_correction", actor=county, data={"initial_level": "strict"})
    assert "应当有女性成员" in exc.value.reasons[0]
    CorrectionTeamMember.objects.create(subject=subject, name="女社工", sex=c.Sex.FEMALE,
                                        role=c.TeamRole.SOCIAL_WORKER)
    case = services.fire(case, "start_correction", actor=county, data={"initial_level": "normal"})
    subject.refresh_from_db()
    assert case.state == "in_correction" and case.is_closed
    assert subject.status == c.Status.IN_CORRECTION and subject.supervision_level == "normal"


def test_juvenile_announcement_may_not_be_public(cast):
    subject = cast.subject_a1
    subject.birth_date = subject.period_start.replace(year=subject.period_start.year - 16)
    subject.save(update_fields=["birth_date"])
    case = Case.objects.create(process="intake", state="registered", subject=subject, org_path=subject.org_path)
    with pytest.raises(services.TransitionRefused) as exc:
        services.fire(case, "announce", actor=cast.officer_a1,
                      data={"announcement_date": TODAY().isoformat(), "attendees": "x", "public": "1"})
    assert "不得公开" in exc.value.reasons[0]


def test_report_without_documents_requests_completion_and_register_waits_for_them(cast):
    today = TODAY()
    case = _intake(cast, cast.subject_a1, today - timedelta(days=1))
    case = services.fire(case, "report_without_documents", actor=cast.officer_a1,
                         data={"report_date": today.isoformat(), "reception_method": "self"})
    assert case.deadline_rule == "D5"
    with pytest.raises(services.TransitionRefused) as exc:
        services.fire(case, "register", actor=cast.county_a_officer, data={"file_number": "1"})
    assert "尚未收到" in exc.value.reasons[0]
    case = services.fire(case, "complete_documents", actor=cast.county_a_officer,
                         data={"documents_received_date": today.isoformat()})
    assert case.due_at is None
    services.fire(case, "register", actor=cast.county_a_officer, data={"file_number": "1"})


def test_scanner_marks_not_reported_then_lost_contact(cast):
    subject = cast.subject_a1
    case = _intake(cast, subject, TODAY() - timedelta(days=20))
    assert case.due_at < TODAY()
    counts = services.scan_deadlines(actor=SYSTEM)
    case.refresh_from_db()
    subject.refresh_from_db()
    assert counts["not_reported"] == 1 and case.state == "not_reported"
    assert subject.status == c.Status.LOST_CONTACT
    from yunjiao.anomalies.models import Anomaly

    assert Anomaly.objects.get(subject=subject).kind == "report_overdue"
    case = services.fire(case, "report", actor=cast.officer_a1,
                         data={"report_date": TODAY().isoformat(), "reception_method": "escorted"})
    subject.refresh_from_db()
    assert subject.report_type == c.ReportType.LATE and subject.status == c.Status.PENDING_INTAKE


def test_scanner_reminds_one_working_day_before_and_flags_overdue_once(cast):
    case = assessment(cast, received_date="2026-02-12")  # due 2026-03-04 (Wed)
    assert services.scan_deadlines(today=date(2026, 3, 2)) == {"reminders": 0, "overdue": 0, "not_reported": 0}
    assert services.scan_deadlines(today=date(2026, 3, 3))["reminders"] == 1
    assert services.scan_deadlines(today=date(2026, 3, 3))["reminders"] == 0  # once per due date
    assert services.scan_deadlines(today=date(2026, 3, 4))["overdue"] == 0  # due day itself is not late
    assert services.scan_deadlines(today=date(2026, 3, 5))["overdue"] == 1
    assert services.scan_deadlines(today=date(2026, 3, 6))["overdue"] == 0
    kinds = sorted(CaseAlert.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["overdue", "reminder"]
    # the county staff who must assign the case get the messages; the townships do not
    from yunjiao.notifications.models import Message

    got = set(Message.objects.filter(category="deadline_overdue").values_list("recipient__username", flat=True))
    assert got == {"county_a_officer", "county_a_head"}


def test_reminder_before_a_holiday_comes_on_the_last_working_day(cast):
    # due 2026-02-24 (first day after 春节); the working day before is Sat 2026-02-14 (调休)
    case = assessment(cast)
    Case.objects.filter(pk=case.pk).update(due_at=date(2026, 2, 24))
    assert services.scan_deadlines(today=date(2026, 2, 13))["reminders"] == 0
    assert services.scan_deadlines(today=date(2026, 2, 14))["reminders"] == 1


# ------------------------------------------------------------------ discharge / termination
def _ready_for_discharge(cast, subject):
    subject.period_end = TODAY() - timedelta(days=1)
    subject.save(update_fields=["period_end"])
    case = services.start_case("discharge", "open", actor=SYSTEM, subject=subject)
    return services.fire(case, "evaluate", actor=cast.officer_a1, data={
        "summary_received_on": TODAY().isoformat(), "evaluation": "表现良好"})


def test_discharge_blocked_while_revocation_proposal_open(cast):
    subject = cast.subject_a1
    case = _ready_for_discharge(cast, subject)
    proposal = services.start_case("termination", "propose", actor=cast.county_a_officer, subject=subject,
                                   note="多次违规", data={"kind": "revocation_probation",
                                                       "proposal_date": TODAY().isoformat(),
                                                       "authority": "任城区人民法院"})
    assert proposal.deadline_rule == "D14"
    with pytest.raises(services.TransitionRefused) as exc:
        services.fire(case, "announce", actor=cast.officer_a1, data={"announcement_date": TODAY().isoformat()})
    assert "未结的“终止矫正”案件" in exc.value.reasons[0]
    case = services.fire(case, "hold", actor=cast.county_a_officer, note="待法院裁定")
    with pytest.raises(services.TransitionRefused):
        services.fire(case, "resume", actor=cast.county_a_officer, note="裁定不予撤销")
    services.fire(proposal, "record_rejected", actor=cast.county_a_officer,
                  data={"decision_date": TODAY().isoformat(), "decision_number": "（2026）鲁0811刑更1号"})
    case = services.fire(case, "resume", actor=cast.county_a_officer, note="裁定不予撤销")
    assert case.state == "preparing"


def test_discharge_waits_for_the_period_end(cast):
    subject = cast.subject_a1
    case = _ready_for_discharge(cast, subject)
    subject.period_end = TODAY() + timedelta(days=3)
    subject.save(update_fields=["period_end"])
    with pytest.raises(services.TransitionRefused) as exc:
        services.fire(case, "announce", actor=cast.officer_a1, data={"announcement_date": TODAY().isoformat()})
    assert "届满" in exc.value.reasons[0]


def test_discharge_and_termination_statuses(cast):
    subject = cast.subject_a1
    case = _ready_for_discharge(cast, subject)
    case = services.fire(case, "announce", actor=cast.officer_a1, data={"announcement_date": TODAY().isoformat()})
    services.fire(case, "discharge", actor=cast.county_a_officer, data={"discharge_date": TODAY().isoformat()})
    subject.refresh_from_db()
    assert subject.status == c.Status.DISCHARGED

    other = cast.subject_b1
    services.start_case("termination", "report_death", actor=cast.county_b_officer, subject=other, data={
        "death_date": TODAY().isoformat(), "reported_on": TODAY().isoformat(), "cause": "疾病"})
    other.refresh_from_db()
    assert other.status == c.Status.IN_CORRECTION  # until the notices are sent
    death = Case.objects.get(subject=other, process="termination")
    services.fire(death, "notify_death", actor=cast.county_b_officer, data={"notified_on": TODAY().isoformat()})
    other.refresh_from_db()
    assert other.status == c.Status.TERMINATED


def test_coercive_measure_in_custody_suspends(cast):
    subject = cast.subject_a2
    case = services.start_case("coercive_measure", actor=cast.officer_a2, subject=subject, data={
        "measure": "detention", "start_date": TODAY().isoformat(), "authority": "任城公安分局", "in_custody": "1"})
    subject.refresh_from_db()
    assert subject.status == c.Status.SUSPENDED
    services.fire(case, "lift", actor=cast.county_a_officer, data={"end_date": TODAY().isoformat()})
    subject.refresh_from_db()
    assert subject.status == c.Status.IN_CORRECTION


def test_open_due_discharges_opens_thirty_days_before_period_end(cast):
    a1, a2 = cast.subject_a1, cast.subject_a2
    a1.period_end = TODAY() + timedelta(days=30)
    a1.save(update_fields=["period_end"])
    a2.period_end = TODAY() + timedelta(days=31)
    a2.save(update_fields=["period_end"])
    opened = services.open_due_discharges(actor=SYSTEM)
    assert [case.subject_id for case in opened] == [a1.pk]
    assert opened[0].due_at == a1.period_end and opened[0].state == "preparing"
    assert services.open_due_discharges(actor=SYSTEM) == []  # once
    # a city override of D17 to 40 days opens a2 as well
    services.set_rule_override("D17", actor=cast.city_admin, value=40, org=cast.city, note="市局通知")
    assert [case.subject_id for case in services.open_due_discharges(actor=SYSTEM)] == [a2.pk]


# ------------------------------------------------------------------ overrides, documents
def test_rule_override_is_city_admin_only_and_audited(cast):
    with pytest.raises(NotAllowed):
        services.set_rule_override("D1", actor=cast.county_a_officer, value=8)
    before = AuditRecord.objects.count()
    services.set_rule_override("D1", actor=cast.city_admin, value=8, org=cast.county_a, note="区局规定")
    assert RuleOverride.objects.get(rule_id="D1").org_path == cast.county_a.path
    row = AuditRecord.objects.order_by("-seq").first()
    assert AuditRecord.objects.count() == before + 1 and row.action == "config" and row.after == {"value": 8}
    case = assessment(cast, received_date="2026-02-12")
    assert case.due_at == date(2026, 3, 2)  # 8 working days in 任城区 (2-14 and 2-28 are worked Saturdays)
    services.set_rule_override("D1", actor=cast.city_admin, value=None, org=cast.county_a)
    assert not RuleOverride.objects.exists()


def test_step_documents_are_created_inside_the_step_transaction(cast, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    fake = types.ModuleType("yunjiao.documents.services")
    fake.generate_for = lambda case, codes, *, actor, transition_record: calls.append(
        (case.pk, codes, actor, transition_record.transition))
    monkeypatch.setitem(sys.modules, "yunjiao.documents.services", fake)
    case = assessment(cast)
    services.fire(case, "assign", actor=cast.county_a_officer, data={"township": cast.town_a1.pk})
    case.refresh_from_db()
    services.fire(case, "begin_investigation", actor=cast.officer_a1)
    case = Case.objects.get(pk=case.pk)
    calls.clear()
    with django_capture_on_commit_callbacks(execute=False):
        services.fire(case, "return_unable", actor=cast.county_a_officer, note="居住地不在本辖区",
                      data={"unable_reason": "residence"})
        assert calls == [(case.pk, ["assessment_return_letter"], cast.county_a_officer, "return_unable")]


def test_documents_skipped_cleanly_without_the_app(cast, monkeypatch):
    monkeypatch.setitem(sys.modules, "yunjiao.documents.services", None)  # import raises ImportError
    case = assessment(cast)
    services.fire(case, "return_unable", actor=cast.county_a_officer, note="身份不实",
                  data={"unable_reason": "identity"})


# ------------------------------------------------------------------ concurrency
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_fires_exactly_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises writers; set DATABASE_URL to run)")
    from django.db import connections

    from yunjiao.core.testing import build_cast

    cast = build_cast()
    case = assessment(cast)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker(township):
        try:
            mine = Case.objects.get(pk=case.pk)  # both read the same state and version
            barrier.wait()
            services.fire(mine, "assign", actor=cast.county_a_officer, data={"township": township.pk})
            results.append("ok")
        except Conflict as exc:
            results.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(t,)) for t in (cast.town_a1, cast.town_a2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=len) == ["ok", services.TAKEN]
    assert TransitionRecord.objects.filter(case=case, transition="assign").count() == 1
    assert Case.objects.get(pk=case.pk).version == 2


def test_enforcement_transition_needs_an_active_certificate(cast):
    """宣告 is an enforcement act: a withheld certificate refuses it with the reason, reinstating allows it
    (山东省社区矫正工作证件管理办法 — 持证上岗、亮证执法)."""
    from yunjiao.staff.models import WorkCertificate
    from yunjiao.workflows.engine import failure_reasons, get_workflow

    wf = get_workflow("intake")
    announce = wf.transition("announce")
    probe = type("Case", (), {"process": "intake", "state": "registered", "org_path": cast.town_a1.path,
                              "data": {}, "subject": cast.subject_a1})()
    assert not [r for r in failure_reasons(probe, announce, cast.county_a_officer) if "证" in r]
    WorkCertificate.objects.filter(profile__user=cast.county_a_officer).update(status="withheld")
    reasons = failure_reasons(probe, announce, cast.county_a_officer)
    assert any("证" in r for r in reasons), reasons
    WorkCertificate.objects.filter(profile__user=cast.county_a_officer).update(status="active")
    assert not [r for r in failure_reasons(probe, announce, cast.county_a_officer) if "证" in r]
