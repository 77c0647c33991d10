"""Check tasks: daily planning, attaching check-ins, missed checks → one grouped anomaly, spot checks."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from yunjiao.anomalies.models import Anomaly
from yunjiao.audit.models import AuditRecord
from yunjiao.checkins import tasks_services as ts
from yunjiao.checkins.models import CheckPolicySetting, CheckTask, CheckTaskKind, CheckTaskStatus
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.testing import make_subject
from yunjiao.notifications.models import Message
from yunjiao.subjects import choices as c

DAY = date(2030, 6, 3)  # a Monday, far in the future: no window is in the past when planning
WEEK = [DAY + timedelta(days=i) for i in range(7)]


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=timezone.get_current_timezone())


def enrol(*subjects):
    """Active face enrolments (rows only; the face pipeline is tested elsewhere): only enrolled subjects are
    planned."""
    from yunjiao.checkins.models import FaceEnrolment

    for s in subjects:
        FaceEnrolment.objects.get_or_create(subject=s, version=1, defaults={"photo_count": 1})


@pytest.fixture
def cast(cast):
    enrol(cast.subject_a1, cast.subject_a2, cast.subject_b1)
    return cast


def plan_week(subject):
    for d in WEEK:
        ts.plan_day(d, subjects=type(subject).objects.filter(pk=subject.pk), now=at(DAY, 0, 5))
    return CheckTask.objects.filter(subject=subject)


@pytest.mark.parametrize(("level", "risk", "key", "per_week"), [
    ("strict", "medium", False, 14),
    ("normal", "medium", False, 7),
    ("lenient", "medium", False, 3),
    ("lenient", "high", False, 3 + 3),
    ("normal", "medium", True, 7 + 7),
    ("strict", "high", True, 14 + 7 + 3),
])
def test_week_plan_follows_level_frequency_and_never_at_night(cast, level, risk, key, per_week):
    s = cast.subject_a1
    s.supervision_level, s.risk_level, s.is_key_subject = level, risk, key
    s.save()
    tasks = plan_week(s)
    assert tasks.count() == per_week
    for t in tasks:
        local = timezone.localtime(t.window_start)
        assert time(8, 0) <= local.time() and timezone.localtime(t.deadline).time() <= time(21, 0), local
        assert t.deadline - t.window_start == timedelta(minutes=30)
        assert t.kind == CheckTaskKind.SCHEDULED and t.status == CheckTaskStatus.PENDING
        assert local.date() == t.plan_date


def test_plan_is_idempotent_and_skips_people_not_in_correction(cast):
    make_subject(cast.town_a1, name="已解矫", status=c.Status.DISCHARGED)
    enrol(make_subject(cast.town_a1, name="不核查", info_check_enabled=False))
    make_subject(cast.town_a1, name="未登记人脸")
    first = ts.plan_day(DAY, now=at(DAY, 0, 5))
    assert first.subjects == 3 and first.created > 0 and first.not_enrolled == 1
    second = ts.plan_day(DAY, now=at(DAY, 0, 5))
    assert second.created == 0 and second.existing == first.created
    assert CheckTask.objects.count() == first.created
    assert set(CheckTask.objects.values_list("subject__name", flat=True)) == {"李明", "王芳", "赵强"}


def test_plan_late_in_the_day_does_not_create_windows_already_open(cast):
    s = cast.subject_a1
    s.supervision_level = "strict"
    s.save()
    qs = type(s).objects.filter(pk=s.pk)
    r = ts.plan_day(DAY, subjects=qs, now=at(DAY, 20, 59))
    assert r.created == 0 and r.skipped_past == 2
    assert ts.plan_day(DAY, subjects=qs, now=at(DAY, 0, 1)).created == 2  # catch-up creates the same slots


def test_management_command(cast, capsys):
    call_command("plan_checks", "--date", DAY.isoformat(), "--days", "2")
    out = capsys.readouterr().out
    assert "新建" in out and CheckTask.objects.filter(plan_date__in=WEEK[:2]).exists()
    call_command("plan_checks", "--date", DAY.isoformat())
    assert "新建 0 条" in capsys.readouterr().out


def test_policy_setting_changes_frequency_and_is_audited(cast):
    with pytest.raises(NotAllowed):
        ts.update_policy("lenient", actor=cast.county_a_head, per_week=1)
    with pytest.raises(ServiceError, match="06:00"):
        ts.update_policy("lenient", actor=cast.city_admin, waking_end=time(23, 30))
    assert not CheckPolicySetting.objects.exists()
    ts.update_policy("normal", actor=cast.city_admin, per_week=2, extra_high_risk=0)
    rec = AuditRecord.objects.filter(action="config").latest("seq")
    assert rec.before["per_week"] == "7" and rec.after["per_week"] == "2"
    s = cast.subject_a1
    s.supervision_level, s.risk_level = "normal", "high"
    s.save()
    assert plan_week(s).count() == 2


def test_subject_on_leave_still_gets_checks_marked_as_leave_checks(cast, monkeypatch):
    from yunjiao.geo import rules as geo_rules
    from yunjiao.geo import services as geo_services

    s = cast.subject_a1
    s.status = c.Status.ON_LEAVE
    s.save()
    start, end = at(DAY, 0).timestamp(), at(DAY + timedelta(days=1), 0).timestamp()
    monkeypatch.setattr(geo_services, "_WINDOW_PROVIDERS", [
        lambda subject, a, b: [geo_rules.Window(start, end, ("370100",))] if subject.pk == s.pk else []])
    ts.plan_day(DAY, now=at(DAY, 0, 5))
    mine = CheckTask.objects.filter(subject=s)
    assert mine.exists() and set(mine.values_list("kind", flat=True)) == {CheckTaskKind.LEAVE}
    assert set(CheckTask.objects.exclude(subject=s).values_list("kind", flat=True)) == {CheckTaskKind.SCHEDULED}


def _task(subject, start, minutes=30, **kw):
    return CheckTask.objects.create(subject=subject, kind=kw.pop("kind", CheckTaskKind.SCHEDULED),
                                    plan_date=timezone.localdate(start), seq=kw.pop("seq", 1), window_start=start,
                                    deadline=start + timedelta(minutes=minutes), **kw)


def test_open_tasks_for_only_started_and_unexpired(cast):
    s = cast.subject_a1
    early = _task(s, at(DAY, 9), seq=1)
    later = _task(s, at(DAY, 9, 10), minutes=60, seq=2)
    _task(s, at(DAY, 15), seq=3)  # not open yet
    assert list(ts.open_tasks_for(s, at=at(DAY, 9, 20))) == [early, later]
    assert list(ts.open_tasks_for(s, at=at(DAY, 9, 35))) == [later]
    assert list(ts.open_tasks_for(s, at=at(DAY, 8, 59))) == []


def _checkin(subject, when):
    """A stored check-in row (the face pipeline is tested elsewhere)."""
    from yunjiao.checkins.models import Checkin, CheckinChallenge, FaceEnrolment

    enrol = FaceEnrolment.objects.filter(subject=subject).first() or FaceEnrolment.objects.create(
        subject=subject, version=1, photo_count=1)
    ch = CheckinChallenge.objects.create(subject=subject, device_id="d1", nonce_digest=f"n{when.timestamp()}",
                                         actions=["blink"], expires_at=when + timedelta(minutes=2), used_at=when)
    return Checkin.objects.create(subject=subject, challenge=ch, enrolment=enrol, device_id="d1",
                                  submitted_at=when, outcome="pass", face_outcome="pass", frame_count=15, scores={},
                                  thresholds={}, location_status="inside")


def test_attach_checkin_done_late_and_once(cast):
    s = cast.subject_a1
    t1 = _task(s, at(DAY, 9), seq=1)
    t2 = _task(s, at(DAY, 14), seq=2)
    assert ts.attach_checkin(_checkin(s, at(DAY, 8, 55))) is None  # before any window: answers nothing
    got = ts.attach_checkin(_checkin(s, at(DAY, 9, 10)))
    assert got == t1 and got.status == CheckTaskStatus.DONE
    assert ts.attach_checkin(_checkin(s, at(DAY, 9, 12))) is None  # t1 already answered; t2 not open
    late = ts.attach_checkin(_checkin(s, at(DAY, 14, 40)))  # 10 min after the deadline, within grace
    assert late == t2 and late.status == CheckTaskStatus.LATE
    t2.refresh_from_db()
    assert t2.checkin_id is not None and t2.completed_at == at(DAY, 14, 40)


def test_missed_checks_make_one_grouped_anomaly_per_subject_and_day(cast):
    s = cast.subject_a1
    for i, hh in enumerate((9, 12, 16), start=1):
        _task(s, at(DAY, hh), seq=i)
    _task(s, at(DAY + timedelta(days=1), 9), seq=1)
    r = ts.mark_missed(now=at(DAY, 17, 30))
    assert r.missed == 3 and r.anomalies == 1
    a = Anomaly.objects.get(subject=s, kind="checkin_missed")
    assert a.count == 3 and len(a.evidence["occurrences"]) == 2  # first + 2 grouped occurrences
    assert ts.mark_missed(now=at(DAY, 17, 40)).missed == 0  # nothing twice
    ts.mark_missed(now=at(DAY + timedelta(days=1), 10, 30))
    assert Anomaly.objects.filter(subject=s, kind="checkin_missed").count() == 2  # a new day, a new row
    # officers were told once per run and branch, not once per miss
    msgs = Message.objects.filter(recipient=cast.officer_a1, category="checkin")
    assert msgs.count() == 2
    assert any("李明（3 次）" in m.body for m in msgs)


def test_missed_at_night_defers_officer_messages_to_morning(cast):
    s = cast.subject_a1
    ts.order_checks([s], actor=cast.officer_a1, minutes=10, reason="夜间指令核查", kind=CheckTaskKind.ORDERED,
                    now=at(DAY, 23, 0))
    Message.objects.all().delete()
    r = ts.mark_missed(now=at(DAY, 23, 45))
    assert r.missed == 1 and r.alerts_sent == 0 and r.alerts_deferred == 1
    assert not Message.objects.filter(recipient=cast.officer_a1).exists()
    assert Anomaly.objects.filter(subject=s, kind="checkin_missed").count() == 1  # recorded at once
    r = ts.mark_missed(now=at(DAY + timedelta(days=1), 7, 2))
    assert r.alerts_sent == 1 and Message.objects.filter(recipient=cast.officer_a1).count() == 1


def test_missed_task_of_discharged_subject_is_cancelled_not_an_anomaly(cast):
    s = cast.subject_a1
    _task(s, at(DAY, 9))
    s.status = c.Status.DISCHARGED
    s.save()
    r = ts.mark_missed(now=at(DAY, 12))
    assert r.cancelled == 1 and r.missed == 0 and not Anomaly.objects.exists()


def test_spot_check_creates_tasks_now_notifies_and_audits(cast):
    now = at(DAY, 10)
    tasks = ts.order_checks([cast.subject_a1, cast.subject_a2], actor=cast.county_a_officer, minutes=20,
                            reason="", now=now)
    assert len(tasks) == 2 and len({t.batch_id for t in tasks}) == 1
    assert all(t.window_start == now and t.deadline == now + timedelta(minutes=20) for t in tasks)
    assert Message.objects.filter(recipient=cast.portal_a1, category="checkin").count() == 1
    assert AuditRecord.objects.filter(object_type="checkins.CheckTask").count() == 2
    assert list(ts.open_tasks_for(cast.subject_a1, at=now + timedelta(minutes=1))) == [tasks[0]]


@pytest.mark.parametrize(("officer", "subject", "allowed"), [
    ("officer_a1", "subject_a1", True),
    ("officer_a1", "subject_a2", False),
    ("officer_a1", "subject_b1", False),
    ("county_a_officer", "subject_a2", True),
    ("county_a_officer", "subject_b1", False),
    ("city_officer", "subject_b1", True),
    ("social_worker_a1", "subject_a1", False),
])
def test_spot_check_scope(cast, officer, subject, allowed):
    actor, s = getattr(cast, officer), getattr(cast, subject)
    if allowed:
        assert ts.order_checks([s], actor=actor)
    else:
        with pytest.raises(NotAllowed):
            ts.order_checks([cast.subject_a1, s] if officer != "social_worker_a1" else [s], actor=actor)
        assert not CheckTask.objects.exists()  # all-or-nothing


def test_spot_check_bad_input(cast):
    for kwargs, code in [({"minutes": 1}, "bad_minutes"), ({"kind": "scheduled"}, "bad_kind"),
                         ({"kind": CheckTaskKind.ORDERED}, "reason_required")]:
        with pytest.raises(ServiceError) as exc:
            ts.order_checks([cast.subject_a1], actor=cast.officer_a1, **kwargs)
        assert exc.value.code == code
    with pytest.raises(ServiceError):
        ts.order_checks([], actor=cast.officer_a1)
    assert not CheckTask.objects.exists()


def test_stratified_sample_stays_in_scope_and_covers_levels(cast):
    for i, level in enumerate(["strict"] * 6 + ["normal"] * 3 + ["lenient"] * 1):
        make_subject(cast.town_a1 if i % 2 else cast.town_a2, name=f"样本{i}", supervision_level=level)
    for i in range(5):
        make_subject(cast.town_b1, name=f"兖州{i}")
    picked = ts.sample_scope(cast.county_a_officer, n=5, rng=random.Random(7))
    assert len(picked) == 5
    assert all(p.org_path.startswith(cast.county_a.path) for p in picked)
    assert {p.supervision_level for p in picked} == {"strict", "normal", "lenient"}
    town_only = ts.sample_scope(cast.officer_a1, n=50, rng=random.Random(1))
    assert town_only and all(p.org_path == cast.town_a1.path for p in town_only)
    assert SYSTEM and ts.sample_scope(cast.county_a_officer, n=3, levels=["lenient"], rng=random.Random(2))[0] \
        .supervision_level == "lenient"


def test_submitted_checkin_answers_the_open_task_through_the_hook(cast, settings):
    """Real pipeline: the hook at the end of services.submit_checkin marks the ordered task done."""
    from yunjiao.checkins import services

    from .conftest import CLIP_PERSON_PHOTO, clip_burst, read

    settings.FACE_CHALLENGE_ACTIONS = ("turn_right",)  # the clip frames 84–112 perform a right turn
    services.enroll_face(cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=cast.officer_a1)
    [task] = ts.order_checks([cast.subject_a1], actor=cast.officer_a1, minutes=15)
    _, nonce = services.start_checkin(cast.subject_a1, device_id="phone-1", actor=cast.portal_a1)
    frames, times = clip_burst(84, 112, 2)
    checkin = services.submit_checkin(cast.subject_a1, nonce=nonce, frames=frames, capture_times=times,
                                      location={"lat": 35.4153, "lon": 116.5871, "accuracy": 12},
                                      actor=cast.portal_a1, device_id="phone-1")
    task.refresh_from_db()
    assert task.status == CheckTaskStatus.DONE and task.checkin == checkin
    assert list(ts.open_tasks_for(cast.subject_a1)) == []


def test_subject_is_told_once_when_a_scheduled_window_opens(cast):
    from yunjiao.notifications.models import SmsOutbox

    s = cast.subject_a1
    _task(s, at(DAY, 9), seq=1)
    _task(s, at(DAY, 15), seq=2)
    assert ts.notify_opened_tasks(now=at(DAY, 8, 59)) == 0
    assert ts.notify_opened_tasks(now=at(DAY, 9, 1)) == 1
    assert ts.notify_opened_tasks(now=at(DAY, 9, 3)) == 0  # once per task
    msg = Message.objects.get(recipient=cast.portal_a1, category="checkin")
    assert "09:30" in msg.body and SmsOutbox.objects.count() == 1
    assert ts.notify_opened_tasks(now=at(DAY, 15, 40)) == 0  # expired before the job saw it: not told late
