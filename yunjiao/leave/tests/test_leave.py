"""Leave services and steps: authority, refusals, approval widening the area, status, 销假,
overdue handling, extensions, idempotency, and misuse (domain.md §2.5; LAW art.27)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from yunjiao.anomalies.models import Anomaly
from yunjiao.audit.models import AuditRecord
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, NotFound, ServiceError
from yunjiao.leave import services
from yunjiao.leave.models import Leave
from yunjiao.subjects import choices as c
from yunjiao.subjects.models import ProhibitionOrder
from yunjiao.workflows import services as wf
from yunjiao.workflows.services import TransitionRefused

TODAY = timezone.localdate


def fire(leave, name, actor, **kw):
    leave.refresh_from_db()
    return wf.fire(leave.case, name, actor=actor, **kw)


def test_short_leave_approved_by_township_widens_area_and_derives_status(cast, apply):
    from yunjiao.notifications.models import Message

    leave = apply(7)
    assert leave.case.state == "township_review" and leave.required_level == "township"
    assert Message.objects.filter(recipient=cast.officer_a1, title__contains="新的外出申请").exists()
    assert not Message.objects.filter(recipient=cast.officer_a2).exists()
    assert leave.by_subject and leave.attachments.count() == 1
    fire(leave, "approve_township", cast.officer_a1)
    leave.refresh_from_db()
    assert leave.case.state == "approved" and leave.approved_end == leave.end_date
    assert Message.objects.filter(recipient=cast.portal_a1, title="外出申请已批准").exists()
    assert leave.case.due_at == leave.end_date  # D10: 销假 on the last day
    inside = timezone.make_aware(datetime.combine(leave.start_date, time(10)))
    windows = services.active_windows(cast.subject_a1, inside)
    assert windows == [(windows[0][0], windows[0][1], ("370102",))]
    assert services.active_windows(cast.subject_a1, inside - timedelta(days=2)) == []
    assert services.active_windows(cast.subject_a1, inside - timedelta(days=2), margin=timedelta(days=3))
    # the batch form used by location ingestion answers the same for many subjects in one call
    assert services.active_windows_many([cast.subject_a1.pk, cast.subject_b1.pk], inside) == {
        cast.subject_a1.pk: windows}
    many = services.geofence_windows_many([cast.subject_a1.pk, cast.subject_b1.pk], inside, inside + timedelta(hours=1))
    assert many == {cast.subject_a1.pk: services.geofence_windows(cast.subject_a1, inside, inside + timedelta(hours=1))}
    assert many[cast.subject_a1.pk] and many[cast.subject_a1.pk][0].kind == "leave"
    # status 外出中 is derived while the window holds today
    assert wf.derive_status(cast.subject_a1) == c.Status.IN_CORRECTION
    leave.approved_start = TODAY()
    Leave.objects.filter(pk=leave.pk).update(approved_start=TODAY())
    assert wf.derive_status(cast.subject_a1) == c.Status.ON_LEAVE
    fire(leave, "register_return", cast.officer_a1, data={"return_date": TODAY().isoformat()})
    leave.refresh_from_db()
    assert leave.case.state == "returned" and leave.returned_at and leave.case.is_closed
    assert services.active_windows(cast.subject_a1, inside) == []
    cast.subject_a1.refresh_from_db()
    assert cast.subject_a1.status == c.Status.IN_CORRECTION


def test_eight_days_township_refused_with_the_rule_then_county_approves(cast, apply):
    leave = apply(8)
    with pytest.raises(TransitionRefused) as exc:
        fire(leave, "approve_township", cast.officer_a1)
    assert "超出司法所的审批权限" in exc.value.reasons[0] and "超过7日" in exc.value.reasons[0]
    assert "实施办法" in exc.value.reasons[0]
    fire(leave, "forward_county", cast.officer_a1, note="情况属实，同意外出")
    with pytest.raises(TransitionRefused) as exc:
        fire(leave, "forward_city", cast.county_a_officer, note="x")
    assert "本级可直接审批" in exc.value.reasons[0]
    fire(leave, "approve_county", cast.county_a_officer)
    leave.refresh_from_db()
    assert leave.case.state == "approved"


def test_seven_day_leave_cannot_be_forwarded_or_approved_by_county(cast, apply):
    leave = apply(7)
    with pytest.raises(TransitionRefused) as exc:
        fire(leave, "forward_county", cast.officer_a1, note="x")
    assert "无需上报" in exc.value.reasons[0]


def test_31_days_goes_to_the_city_with_procuratorate_notice(cast, apply):
    leave = apply(31)
    assert leave.required_level == "city"
    fire(leave, "forward_county", cast.officer_a1, note="同意")
    with pytest.raises(TransitionRefused) as exc:
        fire(leave, "approve_county", cast.county_a_officer)
    assert "超出县级社区矫正机构的审批权限" in exc.value.reasons[0]
    fire(leave, "forward_city", cast.county_a_officer, note="同意，报市局")
    case = fire(leave, "approve_city", cast.city_officer)
    assert case.state == "approved" and case.data["procuratorate_copy"] is True
    assert "leave_certificate" in case.workflow.transition("approve_city").documents


def test_cumulative_31_days_within_two_months_goes_to_the_city(cast, apply):
    first = apply(24, start_in=5)
    fire(first, "forward_county", cast.officer_a1, note="同意")
    fire(first, "approve_county", cast.county_a_officer)
    fire(first, "register_return", cast.officer_a1, data={"return_date": TODAY().isoformat()})
    # one open leave at a time: the first is closed; clear its return so it counts as taken in full
    Leave.objects.filter(pk=first.pk).update(returned_at=None)
    second = apply(7, start_in=30)
    assert second.cumulative_days == 31 and second.required_level == "city"
    with pytest.raises(TransitionRefused) as exc:
        fire(second, "approve_township", cast.officer_a1)
    assert "累计外出31日" in exc.value.reasons[0]


def test_extension_counts_on_the_total(cast, apply):
    leave = apply(6)
    fire(leave, "approve_township", cast.officer_a1)
    services.subject_step(leave, "request_extension", actor=cast.portal_a1,
                          data={"new_end": (leave.end_date + timedelta(days=3)).isoformat()}, note="病情需要")
    leave.refresh_from_db()
    assert leave.case.state == "township_review" and leave.pending_end
    # the approved window still holds while the extension is reviewed
    inside = timezone.make_aware(datetime.combine(leave.start_date, time(10)))
    assert services.active_windows(cast.subject_a1, inside)
    with pytest.raises(TransitionRefused) as exc:
        fire(leave, "approve_township", cast.officer_a1)
    assert "外出9日" in exc.value.reasons[0]
    fire(leave, "forward_county", cast.officer_a1, note="同意延期")
    fire(leave, "approve_county", cast.county_a_officer)
    leave.refresh_from_db()
    assert leave.approved_end == leave.end_date and leave.days == 9 and leave.pending_end is None


def test_extension_refused_keeps_the_original_window(cast, apply):
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    end = Leave.objects.get(pk=leave.pk).approved_end
    services.subject_step(leave, "request_extension", actor=cast.portal_a1,
                          data={"new_end": (end + timedelta(days=1)).isoformat()}, note="x")
    with pytest.raises(TransitionRefused):
        fire(leave, "reject", cast.officer_a1, note="不同意")  # an extension is not a new application
    case = fire(leave, "reject_extension", cast.officer_a1, note="理由不充分")
    leave.refresh_from_db()
    assert case.state == "approved" and leave.approved_end == end and leave.pending_end is None


def test_reject_and_return_for_material(cast, apply):
    leave = apply(3)
    fire(leave, "request_material", cast.officer_a1, note="请补充医院证明")
    services.subject_step(leave, "resubmit", actor=cast.portal_a1)
    with pytest.raises(ServiceError) as exc:
        fire(leave, "reject", cast.officer_a1)  # a reason is required
    assert "说明理由" in exc.value.message
    case = fire(leave, "reject", cast.officer_a1, note="事由不属实")
    assert case.state == "rejected" and case.records.last().note == "事由不属实"


def test_leave_past_the_period_end_is_refused(cast, apply):
    subject = cast.subject_a1
    subject.period_end = TODAY() + timedelta(days=8)
    subject.save(update_fields=["period_end"])
    with pytest.raises(NotAllowed) as exc:
        apply(5, start_in=5)
    assert "超过矫正期满日" in exc.value.message
    assert not Leave.objects.exists()


def test_leave_into_a_prohibited_area_is_refused(cast, apply):
    ProhibitionOrder.objects.create(subject=cast.subject_a1, kind=c.ProhibitionKind.AREA,
                                    content="禁止进入370102(济南市历下区)", start_date=TODAY(),
                                    end_date=TODAY() + timedelta(days=300))
    with pytest.raises(NotAllowed) as exc:
        apply(3)
    assert "禁止令" in exc.value.message


def test_extension_past_the_period_end_or_into_a_new_prohibition_is_refused(cast, apply):
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    end = Leave.objects.get(pk=leave.pk).approved_end
    with pytest.raises(TransitionRefused) as exc:
        services.subject_step(leave, "request_extension", actor=cast.portal_a1, note="x",
                              data={"new_end": cast.subject_a1.period_end + timedelta(days=1)})
    assert "超过矫正期满日" in exc.value.reasons[0]
    ProhibitionOrder.objects.create(subject=cast.subject_a1, kind=c.ProhibitionKind.AREA, content="禁止进入370102",
                                    start_date=end + timedelta(days=1), end_date=end + timedelta(days=30))
    with pytest.raises(TransitionRefused) as exc:
        services.subject_step(leave, "request_extension", actor=cast.portal_a1, note="x",
                              data={"new_end": end + timedelta(days=2)})
    assert "禁止令" in exc.value.reasons[0]


def test_short_notice_refused_unless_urgent(cast, apply):
    with pytest.raises(NotAllowed) as exc:
        apply(3, start_in=1)
    assert "提前3日" in exc.value.message
    assert apply(3, start_in=1, urgent=True).urgent


def test_double_submission_creates_one_record(cast, apply):
    a = apply(3, key="same-form")
    b = apply(3, key="same-form")
    assert a.pk == b.pk and Leave.objects.count() == 1
    assert a.case.records.count() == 1


def test_second_open_leave_is_refused(cast, apply):
    apply(3)
    with pytest.raises(TransitionRefused) as exc:
        apply(3, start_in=20)
    assert "未办结" in exc.value.reasons[0]


def test_overdue_scan_raises_anomaly_then_order_return_and_sanction_suggestion(cast, apply):
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    end = Leave.objects.get(pk=leave.pk).approved_end
    later = timezone.make_aware(datetime.combine(end + timedelta(days=2), time(9)))
    with pytest.raises(TransitionRefused):
        fire(leave, "mark_overdue", SYSTEM)  # not yet overdue today
    Leave.objects.filter(pk=leave.pk).update(approved_start=TODAY() - timedelta(days=6),
                                             approved_end=TODAY() - timedelta(days=3))
    assert services.scan_overdue(now=later) == 1
    assert services.scan_overdue(now=later) == 0  # idempotent
    leave.refresh_from_db()
    assert leave.case.state == "overdue"
    anomaly = Anomaly.objects.get(kind="leave_overdue")
    assert anomaly.subject == cast.subject_a1 and anomaly.source == "leave"
    fire(leave, "order_return", cast.officer_a1, note="电话责令立即返回")
    fire(leave, "refer_for_sanction", cast.officer_a1, note="逾期未归")
    from yunjiao.discipline.models import Proposal

    proposal = Proposal.objects.get(subject=cast.subject_a1)
    assert proposal.measure == "admonition" and proposal.grounds[0]["code"] == "leave_overdue_minor"
    fire(leave, "register_return", cast.officer_a1, data={"return_date": TODAY().isoformat()})
    leave.refresh_from_db()
    assert leave.return_late_days == 3
    anomaly.refresh_from_db()
    assert anomaly.state != "open"


# ------------------------------------------------------------------ misuse
def test_subject_cannot_approve_their_own_leave(cast, apply):
    leave = apply(3)
    with pytest.raises(TransitionRefused) as exc:
        fire(leave, "approve_township", cast.portal_a1)
    assert any("须由" in r for r in exc.value.reasons)
    with pytest.raises(NotAllowed):
        services.subject_step(leave, "approve_township", actor=cast.portal_a1)


def test_subject_cannot_see_or_act_on_others_leave(cast, apply, client):
    other = apply(3, subject=cast.subject_a2, actor=cast.officer_a2)
    assert not Leave.objects.visible_to(cast.portal_a1).filter(pk=other.pk).exists()
    with pytest.raises(NotFound):
        services.subject_step(other, "withdraw", actor=cast.portal_a1)
    with pytest.raises(NotFound):
        apply(3, subject=cast.subject_a2, actor=cast.portal_a1)
    client.force_login(cast.portal_a1)
    assert client.get(f"/leave/m/{other.pk}/").status_code == 404
    assert client.post(f"/leave/m/{other.pk}/", {"step": "withdraw"}).status_code == 404
    # officers of another county see nothing of it either
    client.force_login(cast.officer_b1)
    assert client.get(f"/leave/{other.pk}/").status_code == 404


def test_other_county_officer_cannot_enter_a_leave(cast, apply):
    with pytest.raises(NotFound):
        apply(3, actor=cast.officer_b1)


def test_every_write_is_audited(cast, apply):
    before = AuditRecord.objects.count()
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    rows = AuditRecord.objects.order_by("pk")[before:]
    assert any("外出申请" in r.summary for r in rows)
    assert any("司法所批准" in r.summary for r in rows)
