"""The 电子定位 process end to end and its rules: the five grounds, the head's approval within three months,
the wristband link, the expiry scan, extension within three months, removal unlinking the device, the
documents' fields and the certificate gating of enforcement steps."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.core.actors import SYSTEM
from yunjiao.documents.catalogue import CATALOGUE
from yunjiao.documents.rendering import missing_required
from yunjiao.geo.models import Device
from yunjiao.monitoring import services
from yunjiao.monitoring.documents import case_fields
from yunjiao.monitoring.models import MonitoringPeriod
from yunjiao.notifications.models import Message
from yunjiao.staff.models import WorkCertificate
from yunjiao.subjects.models import ProhibitionOrder
from yunjiao.workflows import services as wf
from yunjiao.workflows.engine import get_workflow
from yunjiao.workflows.models import Case, CaseAlert
from yunjiao.workflows.services import TransitionRefused

TODAY = timezone.localdate


def propose(cast, ground="left_without_approval"):
    return wf.start_case("monitoring", "propose", actor=cast.officer_a1, subject=cast.subject_a1,
                         data={"ground": ground, "facts": "2026年5月3日未经批准前往济南"})


def approve(cast, case, days=60):
    return wf.fire(case, "approve", actor=cast.county_a_head,
                   data={"start_date": TODAY().isoformat(), "end_date": (TODAY() + timedelta(days=days)).isoformat()})


def test_grounds_need_the_fact_on_file(cast):
    for ground, words in (("prohibition_order", "禁止令"), ("refused_reporting_warned", "警告决定"),
                          ("police_penalty", "治安管理处罚")):
        with pytest.raises(TransitionRefused) as exc:
            propose(cast, ground)
        assert any(words in r for r in exc.value.reasons), exc.value.reasons
    ProhibitionOrder.objects.create(subject=cast.subject_a1, kind="area", content="禁止进入娱乐场所",
                                    start_date=TODAY(), end_date=TODAY() + timedelta(days=300))
    assert propose(cast, "prohibition_order").state == "proposed"


def test_ground_must_be_one_of_the_five(cast):
    from yunjiao.core.errors import ServiceError

    with pytest.raises(ServiceError, match="取值无效"):
        propose(cast, "bad_behaviour")


def test_only_subjects_in_correction(cast):
    type(cast.subject_a1).objects.filter(pk=cast.subject_a1.pk).update(status="discharged")
    cast.subject_a1.refresh_from_db()
    with pytest.raises(TransitionRefused, match="只适用于在矫"):
        propose(cast)


def test_approval_limited_to_three_months_and_not_backdated(cast):
    case = propose(cast)
    start = TODAY()
    with pytest.raises(TransitionRefused, match="不得超过三个月"):
        wf.fire(case, "approve", actor=cast.county_a_head,
                data={"start_date": start.isoformat(), "end_date": (start + timedelta(days=95)).isoformat()})
    with pytest.raises(TransitionRefused, match="不能早于批准之日"):
        wf.fire(case, "approve", actor=cast.county_a_head,
                data={"start_date": (start - timedelta(days=3)).isoformat(), "end_date": start.isoformat()})
    with pytest.raises(TransitionRefused, match="须由"):  # a county officer is not the bureau head
        wf.fire(case, "approve", actor=cast.county_a_officer,
                data={"start_date": start.isoformat(), "end_date": (start + timedelta(days=30)).isoformat()})
    done = approve(cast, case, days=89)
    assert done.state == "approved" and done.due_at == start + timedelta(days=89) and done.deadline_rule == "D9"
    period = MonitoringPeriod.objects.get(case=done)
    assert period.kind == "initial" and period.approved_by == cast.county_a_head


def test_approval_and_fitting_need_a_work_certificate(cast):
    case = propose(cast)
    WorkCertificate.objects.filter(profile__user=cast.county_a_head).update(status="withheld")
    with pytest.raises(TransitionRefused):
        approve(cast, case)
    WorkCertificate.objects.filter(profile__user=cast.county_a_head).update(status="active")
    case = approve(cast, case)
    WorkCertificate.objects.filter(profile__user=cast.officer_a1).update(status="withheld")
    with pytest.raises(TransitionRefused):
        wf.fire(case, "fit_device", actor=cast.officer_a1, data={"device_id": "WB-1", "fitted_on": TODAY().isoformat()})


def test_fitting_links_a_wristband_and_refuses_phones_and_bands_in_use(cast):
    Device.objects.create(device_id="PH-1", subject=cast.subject_a1, kind="phone")
    Device.objects.create(device_id="WB-B", subject=cast.subject_b1, kind="wristband")
    Device.objects.create(device_id="WB-OLD", subject=cast.subject_b1, kind="wristband", is_active=False)
    case = approve(cast, propose(cast))
    fit = {"fitted_on": TODAY().isoformat()}
    with pytest.raises(TransitionRefused, match="不包括手机"):
        wf.fire(case, "fit_device", actor=cast.officer_a1, data={**fit, "device_id": "PH-1"})
    with pytest.raises(TransitionRefused, match="正在其他对象处使用"):
        wf.fire(case, "fit_device", actor=cast.officer_a1, data={**fit, "device_id": "WB-B"})
    done = wf.fire(case, "fit_device", actor=cast.officer_a1, data={**fit, "device_id": "WB-OLD"})
    dev = Device.objects.get(device_id="WB-OLD")
    assert done.state == "active" and dev.is_active and dev.subject_id == cast.subject_a1.pk
    assert done.due_at == TODAY() + timedelta(days=60)  # fitting keeps the approved end


def test_expiry_scan_waits_until_the_notice_period(cast):
    case = approve(cast, propose(cast), days=30)
    case = wf.fire(case, "fit_device", actor=cast.officer_a1, data={"device_id": "WB-8", "fitted_on": TODAY().isoformat()})
    assert services.scan_expiring(actor=SYSTEM) == 0
    with pytest.raises(TransitionRefused, match="尚未到评估时间"):
        wf.fire(case, "mark_expiring", actor=SYSTEM)


def test_full_path_expiry_assessment_extension_and_removal(cast):
    case = approve(cast, propose(cast), days=8)
    case = wf.fire(case, "fit_device", actor=cast.officer_a1,
                   data={"device_id": "WB-9", "fitted_on": TODAY().isoformat()})
    end = case.due_at
    assert services.scan_expiring(actor=SYSTEM) == 1
    case.refresh_from_db()
    assert case.state == "expiring"
    assert Message.objects.filter(category="monitoring_expiring", recipient=cast.officer_a1).exists()
    assert services.scan_expiring(actor=SYSTEM) == 0  # idempotent
    # the deadline scanner reminds the working day before the end
    wf.scan_deadlines(actor=SYSTEM, today=end - timedelta(days=1))
    # assessment says continue → extension proposal → the head approves at most three more months
    case = wf.fire(case, "assess", actor=cast.officer_a1, data={"assessment": "仍多次越界", "conclusion": "continue"})
    with pytest.raises(TransitionRefused, match="评估结论为仍需继续使用"):
        wf.fire(case, "remove", actor=cast.county_a_officer,
                data={"removal_reason": "x", "removed_on": TODAY().isoformat()})
    case = wf.fire(case, "propose_extension", actor=cast.officer_a1, data={"extension_reason": "仍有脱管风险"})
    with pytest.raises(TransitionRefused, match="每次延长不得超过三个月"):
        wf.fire(case, "extend", actor=cast.county_a_head, data={"new_end": (end + timedelta(days=95)).isoformat()})
    with pytest.raises(TransitionRefused, match="须晚于现截止日期"):
        wf.fire(case, "extend", actor=cast.county_a_head, data={"new_end": end.isoformat()})
    new_end = end + timedelta(days=80)
    case = wf.fire(case, "extend", actor=cast.county_a_head, data={"new_end": new_end.isoformat()})
    assert case.state == "active" and case.due_at == new_end and case.data["end_date"] == new_end.isoformat()
    assert list(MonitoringPeriod.objects.filter(case=case).values_list("kind", "start_date", "end_date")) == [
        ("initial", TODAY(), end), ("extension", end + timedelta(days=1), new_end)]
    assert "conclusion" not in case.data  # the next expiry needs a new assessment
    # second assessment: no longer needed → removal unlinks the wristband, case closed
    case = wf.fire(case, "assess", actor=cast.officer_a1, data={"assessment": "表现良好", "conclusion": "end"})
    with pytest.raises(TransitionRefused, match="不能提请延长"):
        wf.fire(case, "propose_extension", actor=cast.officer_a1, data={"extension_reason": "x"})
    with pytest.raises(TransitionRefused, match="须由"):  # removal is decided by the county agency
        wf.fire(case, "remove", actor=cast.officer_a1, data={"removal_reason": "x", "removed_on": TODAY().isoformat()})
    case = wf.fire(case, "remove", actor=cast.county_a_officer,
                   data={"removal_reason": "期满评估无需继续使用", "removed_on": TODAY().isoformat()})
    assert case.state == "removed" and case.is_closed and case.due_at is None
    assert not Device.objects.get(device_id="WB-9").is_active


def test_reminder_before_expiry_from_the_deadline_scanner(cast):
    case = approve(cast, propose(cast), days=30)
    wf.scan_deadlines(actor=SYSTEM, today=case.due_at - timedelta(days=1))
    alert = CaseAlert.objects.get(case=case, kind="reminder")
    assert "电子定位期限" in alert.message


def test_rejected_extension_leads_to_removal(cast):
    case = approve(cast, propose(cast), days=30)
    case = wf.fire(case, "fit_device", actor=cast.officer_a1, data={"device_id": "WB-7", "fitted_on": TODAY().isoformat()})
    case = wf.fire(case, "assess", actor=cast.officer_a1, data={"assessment": "a", "conclusion": "continue"})
    case = wf.fire(case, "propose_extension", actor=cast.officer_a1, data={"extension_reason": "b"})
    case = wf.fire(case, "reject_extension", actor=cast.county_a_head, note="理由不充分")
    assert case.state == "assessed" and case.data["conclusion"] == "end"
    case = wf.fire(case, "remove", actor=cast.county_a_head, data={"removal_reason": "负责人不批准延长",
                                                                  "removed_on": TODAY().isoformat()})
    assert case.state == "removed" and not Device.objects.get(device_id="WB-7").is_active


def test_documents_of_each_step_have_their_fields(cast):
    wf_ = get_workflow("monitoring")
    case = approve(cast, propose(cast), days=30)
    case = wf.fire(case, "fit_device", actor=cast.officer_a1, data={"device_id": "WB-5", "fitted_on": TODAY().isoformat()})
    case.data.update(extension_reason="仍有风险", removal_reason="期满解除")
    codes = {c for t in wf_.transitions for c in t.all_documents}
    assert codes == {"monitoring_approval_form", "monitoring_notice", "monitoring_extension_form",
                     "monitoring_removal_notice"}
    for code in codes:
        assert all((wf_.name, t.name) in CATALOGUE[code].steps for t in wf_.transitions if code in t.all_documents)
        fields = case_fields(case, code)
        assert not missing_required(CATALOGUE[code], fields), (code, fields)
    assert "第二十九条第一款第（二）项" in case_fields(case, "monitoring_notice")["monitoring_ground"]
    assert case_fields(case, "monitoring_notice")["device_number"] == "WB-5"


def test_only_one_open_monitoring_case_per_subject(cast):
    propose(cast)
    with pytest.raises(TransitionRefused, match="已有未办结"):
        propose(cast)
    assert Case.objects.filter(process="monitoring").count() == 1


def test_case_page_and_start_page(client, cast):
    client.force_login(cast.officer_a1)
    r = client.get("/cases/start/monitoring/propose/")
    html = r.content.decode()
    assert r.status_code == 200 and "违反人民法院禁止令" in html and "拟提请撤销缓刑、假释或者暂予监外执行收监执行" in html
    r = client.post("/cases/start/monitoring/propose/", {"subject": cast.subject_a1.pk, "ground": "left_without_approval",
                                                         "facts": "5月3日未经批准离开任城区"})
    case = Case.objects.get(process="monitoring")
    assert r.status_code == 302 and case.state == "proposed"
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "负责人批准使用" in html and "县(区)局负责人" in html  # shown, disabled with the reason
    client.force_login(cast.county_a_head)
    end = TODAY() + timedelta(days=80)
    client.post(f"/cases/{case.pk}/fire/approve/", {"start_date": TODAY().isoformat(), "end_date": end.isoformat(),
                                                    "version": case.version})
    case.refresh_from_db()
    assert case.state == "approved" and case.due_at == end


def test_no_fitting_or_extension_once_the_subject_left_correction(cast):
    case = approve(cast, propose(cast))
    type(cast.subject_a1).objects.filter(pk=cast.subject_a1.pk).update(status="terminated")
    with pytest.raises(TransitionRefused, match="只适用于在矫"):
        wf.fire(case, "fit_device", actor=cast.officer_a1, data={"device_id": "WB-3", "fitted_on": TODAY().isoformat()})
    assert not Device.objects.filter(device_id="WB-3").exists()


def test_each_step_issues_its_documents(cast):
    """The documents app issues every document of the process from the case's fields (numbered, no gaps)."""
    from yunjiao.documents.models import Document
    from yunjiao.documents.services import generate_for

    wf_ = get_workflow("monitoring")
    case = approve(cast, propose(cast), days=30)
    case = wf.fire(case, "fit_device", actor=cast.officer_a1, data={"device_id": "WB-4", "fitted_on": TODAY().isoformat()})
    case = wf.fire(case, "assess", actor=cast.officer_a1, data={"assessment": "a", "conclusion": "continue"})
    case = wf.fire(case, "propose_extension", actor=cast.officer_a1, data={"extension_reason": "仍有脱管风险"})
    case = wf.fire(case, "extend", actor=cast.county_a_head,
                   data={"new_end": (case.due_at + timedelta(days=30)).isoformat()})
    case = wf.fire(case, "remove_early", actor=cast.county_a_officer,
                   data={"removal_reason": "已无必要", "removed_on": TODAY().isoformat()})
    for step in ("approve", "fit_device", "extend", "remove_early"):
        generate_for(case, list(wf_.transition(step).all_documents), actor=cast.county_a_officer)
    docs = {d.doc_type: d for d in Document.objects.filter(subject=cast.subject_a1)}
    assert set(docs) == {"monitoring_approval_form", "monitoring_notice", "monitoring_extension_form",
                         "monitoring_removal_notice"}
    assert docs["monitoring_notice"].fields["device_number"] == "WB-4"
    assert docs["monitoring_extension_form"].fields["extension_reason"] == "仍有脱管风险"
