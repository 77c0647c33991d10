"""外出核查 around an approved leave (社区矫正法 art.27 and 实施办法 art.37: the agency supervises the
subject during the leave — domain.md §2.5): 出发核查 on the first day, 到达核查 at the destination, 返回核查 the day
after the approved end (judged at home), planned when the leave is approved, moved by an extension, cancelled by
销假 / rejection."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from yunjiao.audit.models import AuditRecord
from yunjiao.checkins import schedule
from yunjiao.checkins import tasks_services as ts
from yunjiao.checkins.models import CheckTask, CheckTaskKind, CheckTaskStatus, FaceEnrolment
from yunjiao.leave import services
from yunjiao.workflows import services as wf

TZ = timezone.get_current_timezone


def fire(leave, name, actor, **kw):
    leave.refresh_from_db()
    return wf.fire(leave.case, name, actor=actor, **kw)


@pytest.fixture
def cast(cast):
    FaceEnrolment.objects.get_or_create(subject=cast.subject_a1, version=1, defaults={"photo_count": 1})
    return cast


def leave_tasks(leave, **kw):
    return {t.seq: t for t in CheckTask.objects.filter(batch_id=ts.leave_batch(leave), **kw)}


# --- the pure rule ---------------------------------------------------------------------------------------

POLICY = schedule.CheckPolicy(per_week=7, response_minutes=30)


@pytest.mark.parametrize(("days", "arrival_offset"), [(1, 0), (2, 1), (5, 1)])
def test_leave_checks_fall_in_waking_hours_on_the_right_days(days, arrival_offset):
    start = date(2030, 6, 3)
    end = start + timedelta(days=days - 1)
    for key in range(30):
        checks = schedule.plan_leave(POLICY, start, end, secret="s", leave_key=key, tz=TZ())
        by_seq = {c.seq: c for c in checks}
        assert [c.label for c in checks] == ["出发核查", "到达核查", "返回核查"]
        assert by_seq[schedule.LEAVE_DEPARTURE].day == start
        assert by_seq[schedule.LEAVE_ARRIVAL].day == start + timedelta(days=arrival_offset)
        assert by_seq[schedule.LEAVE_RETURN].day == end + timedelta(days=1)  # judged at home
        for c in checks:
            w = c.window
            assert w.opens_at.date() == c.day and time(8, 0) <= w.opens_at.time()
            assert w.due_at - w.opens_at == timedelta(minutes=30) and w.due_at.time() <= time(21, 0)
        # same day (one-day leave): departure before arrival before return
        if days == 1:
            opens = [c.window.opens_at for c in checks]
            assert opens == sorted(opens)
    again = schedule.plan_leave(POLICY, start, end, secret="s", leave_key=7, tz=TZ())
    assert again == schedule.plan_leave(POLICY, start, end, secret="s", leave_key=7, tz=TZ())  # reproducible


@pytest.mark.parametrize("grace_hours, return_offset_days", [(0, 1), (6, 2), (24, 2), (30, 3)])
def test_return_check_falls_after_the_return_grace(grace_hours, return_offset_days):
    """While the configured return grace runs the destination is still allowed, so a 返回核查 inside it could
    not show that the person came back (LAW art.27; leave rules return_grace_hours)."""
    start, end = date(2026, 12, 7), date(2026, 12, 9)
    checks = schedule.plan_leave(POLICY, start, end, secret="s", leave_key=3, tz=TZ(), return_grace_hours=grace_hours)
    ret = next(c for c in checks if c.seq == schedule.LEAVE_RETURN)
    assert ret.day == end + timedelta(days=return_offset_days)


# --- planning through the leave process ----------------------------------------------------------------


def test_approval_plans_three_leave_checks_once(cast, apply):
    leave = apply(3)
    assert not leave_tasks(leave)  # nothing before approval
    fire(leave, "approve_township", cast.officer_a1)
    leave.refresh_from_db()
    tasks = leave_tasks(leave)
    assert sorted(tasks) == [901, 902, 903]
    assert {t.kind for t in tasks.values()} == {CheckTaskKind.LEAVE}
    assert tasks[901].plan_date == leave.start_date and tasks[901].reason.startswith("出发核查")
    assert tasks[902].plan_date == leave.start_date + timedelta(days=1) and "济南市历下区" in tasks[902].reason
    assert tasks[903].plan_date == leave.end_date + timedelta(days=1) and tasks[903].reason.startswith("返回核查")
    assert all(t.status == CheckTaskStatus.PENDING for t in tasks.values())
    assert {(t.org_path, t.supervision_level) for t in tasks.values()} == {
        (cast.subject_a1.org_path, cast.subject_a1.supervision_level)}  # report snapshot
    assert all(t.deadline - t.window_start == timedelta(minutes=30) for t in tasks.values())
    audit = AuditRecord.objects.get(summary__startswith="安排外出核查")
    assert audit.actor_id == cast.officer_a1.pk and audit.subject_id == cast.subject_a1.pk
    assert "出发核查、到达核查、返回核查" in audit.summary and ":" not in audit.summary  # no times told
    # re-planning (e.g. the approval effect running again) creates nothing
    result = ts.plan_leave_checks(leave, actor=cast.officer_a1)
    assert (result.created, result.moved, result.kept) == ([], [], 3)
    assert CheckTask.objects.filter(batch_id=ts.leave_batch(leave)).count() == 3


def test_extension_moves_the_return_check(cast, apply):
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    old = leave_tasks(leave)
    new_end = leave.end_date + timedelta(days=2)
    services.subject_step(leave, "request_extension", actor=cast.portal_a1, data={"new_end": new_end.isoformat()},
                          note="病情需要")
    fire(leave, "approve_township", cast.officer_a1)
    tasks = leave_tasks(leave)
    assert sorted(tasks) == [901, 902, 903] and CheckTask.objects.filter(batch_id=ts.leave_batch(leave)).count() == 3
    assert tasks[903].pk == old[903].pk and tasks[903].plan_date == new_end + timedelta(days=1)
    assert tasks[903].window_start.astimezone(TZ()).date() == new_end + timedelta(days=1)
    assert (tasks[901].window_start, tasks[902].window_start) == (old[901].window_start, old[902].window_start)
    assert AuditRecord.objects.filter(summary__contains="返回核查改至").exists()


def test_return_registered_cancels_pending_leave_checks(cast, apply):
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    fire(leave, "register_return", cast.officer_a1, data={"return_date": timezone.localdate().isoformat()})
    assert {t.status for t in leave_tasks(leave).values()} == {CheckTaskStatus.CANCELLED}
    assert AuditRecord.objects.filter(summary__startswith="取消外出核查 3 条").exists()


def test_rejected_or_withdrawn_leave_leaves_no_pending_checks(cast, apply):
    rejected = apply(3)
    fire(rejected, "reject", cast.officer_a1, note="事由不属实")
    withdrawn = apply(2, start_in=12)
    services.subject_step(withdrawn, "withdraw", actor=cast.portal_a1)
    assert not CheckTask.objects.filter(kind=CheckTaskKind.LEAVE, status=CheckTaskStatus.PENDING).exists()
    # a stray pending leave check (e.g. planned by hand) is removed when the leave is rejected
    stray = apply(2, start_in=20)
    CheckTask.objects.create(subject=cast.subject_a1, kind=CheckTaskKind.LEAVE, plan_date=stray.start_date, seq=901,
                             window_start=timezone.now() + timedelta(days=20),
                             deadline=timezone.now() + timedelta(days=20, minutes=30), batch_id=ts.leave_batch(stray))
    fire(stray, "reject", cast.officer_a1, note="不同意")
    assert leave_tasks(stray)[901].status == CheckTaskStatus.CANCELLED


def test_urgent_leave_approved_today_opens_the_departure_check_now(cast, apply):
    leave = apply(2, start_in=0, urgent=True)
    leave.refresh_from_db()
    leave.approved_start, leave.approved_end = leave.start_date, leave.end_date
    tz = TZ()
    morning = datetime.combine(leave.start_date, time(8, 1), tzinfo=tz)
    late = datetime.combine(leave.start_date, time(20, 50), tzinfo=tz)
    result = ts.plan_leave_checks(leave, actor=cast.officer_a1, now=late)  # too late for a window today
    assert [label for label, _ in result.skipped] == ["出发核查"] and len(result.created) == 2
    CheckTask.objects.filter(batch_id=ts.leave_batch(leave)).delete()
    noon = datetime.combine(leave.start_date, time(12, 0), tzinfo=tz)
    plan = {c.seq: c for c in schedule.plan_leave(ts.subject_policy(cast.subject_a1), leave.start_date,
                                                  leave.end_date, secret=ts.plan_secret(), leave_key=leave.pk, tz=tz)}
    result = ts.plan_leave_checks(leave, actor=cast.officer_a1, now=noon)
    departure = leave_tasks(leave)[901]
    if plan[901].window.opens_at <= noon:  # its random time has passed: it opens at once
        assert departure.window_start == noon and departure.deadline == noon + timedelta(minutes=30)
    else:
        assert departure.window_start == plan[901].window.opens_at
    assert morning < departure.deadline


def test_subject_without_face_enrolment_gets_no_leave_checks(cast, apply):
    FaceEnrolment.objects.filter(subject=cast.subject_a1).delete()
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    assert not leave_tasks(leave)


def test_checkin_answers_the_open_leave_check(cast, apply):
    from yunjiao.checkins.models import Checkin, CheckinChallenge

    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    task = leave_tasks(leave)[902]
    at = task.window_start + timedelta(minutes=5)
    challenge = CheckinChallenge.objects.create(subject=cast.subject_a1, device_id="d", nonce_digest="x" * 64,
                                                actions=[], expires_at=at)
    checkin = Checkin.objects.create(subject=cast.subject_a1, challenge=challenge,
                                     enrolment=FaceEnrolment.objects.get(subject=cast.subject_a1), device_id="d",
                                     submitted_at=at, outcome="pass", face_outcome="pass", frame_count=1, scores={},
                                     thresholds={}, location_status="inside")
    assert ts.attach_checkin(checkin).pk == task.pk
    task.refresh_from_db()
    assert task.status == CheckTaskStatus.DONE


def test_daily_catch_up_plans_what_is_missing_once(cast, apply):
    FaceEnrolment.objects.filter(subject=cast.subject_a1).delete()
    leave = apply(3)
    fire(leave, "approve_township", cast.officer_a1)
    assert not leave_tasks(leave)  # not enrolled at approval: nothing the subject could answer
    FaceEnrolment.objects.create(subject=cast.subject_a1, version=2, photo_count=1)
    assert services.plan_open_leave_checks() == 3
    assert services.plan_open_leave_checks() == 0
    assert sorted(leave_tasks(leave)) == [901, 902, 903]


def test_a_taken_slot_is_skipped_without_breaking_the_approval(cast, apply):
    leave = apply(3)
    opens = timezone.make_aware(datetime.combine(leave.start_date, time(9)))
    CheckTask.objects.create(subject=cast.subject_a1, kind=CheckTaskKind.LEAVE, plan_date=leave.start_date, seq=901,
                             window_start=opens, deadline=opens + timedelta(minutes=30))
    fire(leave, "approve_township", cast.officer_a1)
    leave.refresh_from_db()
    assert leave.case.state == "approved"
    assert sorted(leave_tasks(leave)) == [902, 903]
    assert "当日该核查已安排" in str(AuditRecord.objects.get(summary__startswith="安排外出核查").data)
