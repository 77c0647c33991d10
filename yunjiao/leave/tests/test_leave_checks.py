"""外出核查 planned from an approved leave (LAW art.27; domain §2.5 edge case "fence must widen to destination"):
a check on arrival day, judged against the destination, and one the day after the approved end, judged at home;
idempotent, moved by an extension, cancelled by 销假, none without a face enrolment or for a refused leave."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from yunjiao.checkins.models import CheckTask, CheckTaskKind, CheckTaskStatus, FaceEnrolment
from yunjiao.checkins.tasks_services import plan_leave_checks
from yunjiao.leave import services

from .test_leave import fire

TODAY = timezone.localdate


@pytest.fixture
def enrolled(cast):
    return FaceEnrolment.objects.create(subject=cast.subject_a1, version=1, photo_count=1)


def leave_tasks(status=CheckTaskStatus.PENDING):
    return {(t.plan_date, t.reason.split("：")[1][:4]) for t in
            CheckTask.objects.filter(kind=CheckTaskKind.LEAVE, status=status)}


def test_approval_plans_arrival_and_return_checks(cast, apply, enrolled):
    leave = apply(4)
    assert not CheckTask.objects.exists()  # nothing before approval
    fire(leave, "approve_township", cast.officer_a1)
    leave.refresh_from_db()
    assert leave_tasks() == {(leave.approved_start, "到达目的"), (leave.approved_end + timedelta(days=1), "返回执行")}
    arrival = CheckTask.objects.get(batch_id=f"leave-{leave.pk}-arrival")
    tz = timezone.get_current_timezone()
    assert arrival.window_start == datetime.combine(leave.approved_start, time(12), tzinfo=tz)
    assert arrival.deadline == datetime.combine(leave.approved_start, time(20), tzinfo=tz)
    assert arrival.notified_at is None and f"外出-{leave.case_id}" in arrival.reason
    plan_leave_checks(leave, actor=cast.officer_a1)  # idempotent
    assert CheckTask.objects.count() == 2


def test_extension_moves_the_return_check(cast, apply, enrolled):
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    services.subject_step(leave, "request_extension", actor=cast.portal_a1,
                          data={"new_end": (leave.end_date + timedelta(days=2)).isoformat()}, note="病情需要")
    fire(leave, "approve_township", cast.officer_a1)
    leave.refresh_from_db()
    assert leave_tasks() == {(leave.approved_start, "到达目的"), (leave.approved_end + timedelta(days=1), "返回执行")}
    assert leave_tasks(CheckTaskStatus.CANCELLED) == {(leave.approved_end - timedelta(days=1), "返回执行")}


def test_return_cancels_future_checks(cast, apply, enrolled):
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    assert len(leave_tasks()) == 2
    fire(leave, "register_return", cast.officer_a1, data={"return_date": TODAY().isoformat()})  # trip called off
    assert leave_tasks() == set() and len(leave_tasks(CheckTaskStatus.CANCELLED)) == 2


def test_no_checks_without_enrolment(cast, apply):
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    assert not CheckTask.objects.exists()  # cannot check in without a face enrolment


def test_no_checks_for_a_refused_leave(cast, apply, enrolled):
    refused = apply(3)
    fire(refused, "reject", cast.officer_a1, note="理由不充分")
    assert not CheckTask.objects.exists()


def test_past_windows_are_not_sprung_on_people(cast, apply, enrolled):
    leave = apply(2)
    fire(leave, "approve_township", cast.officer_a1)
    leave.refresh_from_db()
    CheckTask.objects.all().delete()
    later = timezone.make_aware(datetime.combine(leave.approved_start, time(13)))
    created = plan_leave_checks(leave, actor=cast.officer_a1, now=later)
    assert [t.batch_id for t in created] == [f"leave-{leave.pk}-return"]
