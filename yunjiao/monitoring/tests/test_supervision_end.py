"""When supervision ends (社区矫正法 art.44 解除, art.45/46 终止) there is no basis for electronic monitoring
(art.29) any more: the open 电子定位 case is closed by the system, the wristband is unlinked so its fixes are
refused, and pending check tasks are cancelled instead of turning into missed-check anomalies."""

from datetime import timedelta

from django.utils import timezone

from yunjiao.checkins.models import CheckTask, CheckTaskStatus
from yunjiao.core.actors import SYSTEM
from yunjiao.geo import services as geo
from yunjiao.geo.models import Device
from yunjiao.subjects import choices as c
from yunjiao.workflows import services as wf
from yunjiao.workflows.models import Case

from .test_workflow import approve, propose

TODAY = timezone.localdate


def _monitored(cast):
    case = approve(cast, propose(cast))
    return wf.fire(case, "fit_device", actor=cast.officer_a1, data={"device_id": "WB-END", "fitted_on": TODAY().isoformat()})


def _discharge(cast, subject):
    subject.period_end = TODAY() - timedelta(days=1)
    subject.save(update_fields=["period_end"])
    case = wf.start_case("discharge", "open", actor=SYSTEM, subject=subject)
    case = wf.fire(case, "evaluate", actor=cast.officer_a1, data={
        "summary_received_on": TODAY().isoformat(), "evaluation": "表现良好"})
    case = wf.fire(case, "announce", actor=cast.officer_a1, data={"announcement_date": TODAY().isoformat()})
    return wf.fire(case, "discharge", actor=cast.county_a_officer, data={"discharge_date": TODAY().isoformat()})


def test_discharge_ends_monitoring_and_frees_the_wristband(cast):
    case = _monitored(cast)
    now = timezone.now()
    pending = CheckTask.objects.create(subject=cast.subject_a1, kind="spot", plan_date=TODAY(), seq=0,
                                       window_start=now, deadline=now + timedelta(minutes=30))
    _discharge(cast, cast.subject_a1)
    cast.subject_a1.refresh_from_db()
    assert cast.subject_a1.status == c.Status.DISCHARGED
    case.refresh_from_db()
    assert (case.state, case.is_closed, case.data["removal_reason"]) == ("ended", True, "矫正期满解除")
    device = Device.objects.get(device_id="WB-END")
    assert not device.is_active
    result = geo.ingest_fixes([{"device_id": "WB-END", "time": now.isoformat(), "lon": 116.58, "lat": 35.41,
                                "accuracy": 10}], actor=SYSTEM)
    assert result.accepted == 0 and result.rejected[0]["code"] == "unknown_device"
    pending.refresh_from_db()
    assert pending.status == CheckTaskStatus.CANCELLED
    # the wristband can be fitted to someone else now
    other = approve(cast, wf.start_case("monitoring", "propose", actor=cast.officer_a2, subject=cast.subject_a2,
                                        data={"ground": "left_without_approval", "facts": "未经批准外出"}))
    other = wf.fire(other, "fit_device", actor=cast.officer_a2,
                    data={"device_id": "WB-END", "fitted_on": TODAY().isoformat()})
    assert other.state == "active"


def test_termination_closes_a_proposal_not_yet_fitted(cast):
    proposal = propose(cast)
    wf.start_case("termination", "report_death", actor=cast.county_a_officer, subject=cast.subject_a1, data={
        "death_date": TODAY().isoformat(), "reported_on": TODAY().isoformat(), "cause": "疾病"})
    death = Case.objects.get(subject=cast.subject_a1, process="termination")
    wf.fire(death, "notify_death", actor=cast.county_a_officer, data={"notified_on": TODAY().isoformat()})
    proposal.refresh_from_db()
    assert (proposal.state, proposal.data["removal_reason"]) == ("ended", "矫正终止")


def test_only_the_system_ends_a_case_this_way(cast):
    case = _monitored(cast)
    try:
        wf.fire(case, "end_with_supervision", actor=cast.county_a_officer, data={"removal_reason": "x"})
    except wf.TransitionRefused:
        pass
    else:
        raise AssertionError("an officer ends monitoring with 提前解除, not with the system step")
    case.refresh_from_db()
    assert case.state == "active"
