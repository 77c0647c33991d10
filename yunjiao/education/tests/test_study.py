"""Online study: credit only for watched segments, hidden tab not credited, face checks, quiz, subject tab."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yunjiao.anomalies.models import Anomaly
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.testing import assert_hidden
from yunjiao.education import services
from yunjiao.education.models import FaceStatus, HoursCredit, StudySession

pytestmark = pytest.mark.django_db


def watch(session, actor, start, end, *, step=10, visible=True, t0=None, offset=0):
    """Play [start, end) in heartbeats of `step` seconds of wall time each."""
    t0 = t0 or session.last_heartbeat_at
    pos, k = start, offset
    state = None
    while pos < end:
        k += 1
        nxt = min(end, pos + step)
        state = services.heartbeat(session, actor=actor, start=pos, end=nxt, visible=visible,
                                   now=t0 + timedelta(seconds=k * step))
        pos = nxt
    return state, k


def test_skip_in_the_middle_credits_only_the_watched_part(video_course, cast):
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    state, k = watch(s, cast.portal_a1, 0, 100)
    assert state["watched"] == 100
    # the viewer drags the slider from 100 s to 300 s: the page reports the jump as a 200 s "segment"
    state = services.heartbeat(s, actor=cast.portal_a1, start=100, end=300, visible=True,
                               now=s.last_heartbeat_at + timedelta(seconds=(k + 1) * 10))
    assert state["watched"] == 100 and "跳过" in state["note"]
    state, k = watch(s, cast.portal_a1, 300, 400, t0=s.last_heartbeat_at, offset=k + 1)
    s.refresh_from_db()
    assert s.watched_seconds == 200 and s.intervals == [[0, 100], [300, 400]]
    assert state["progress"] == 33 and not state["completed"]
    assert not HoursCredit.objects.exists()


def test_rewatching_counts_once_and_completion_credits_at_once(video_course, cast, client):
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    _, k = watch(s, cast.portal_a1, 0, 300)
    _, k = watch(s, cast.portal_a1, 0, 300, t0=s.last_heartbeat_at, offset=k)  # watched again
    s.refresh_from_db()
    assert s.watched_seconds == 300
    state, _ = watch(s, cast.portal_a1, 300, 600, t0=s.last_heartbeat_at, offset=k)
    assert state["completed"] and state["credited_hours"] == "1.50"
    credit = HoursCredit.objects.get()
    assert credit.subject == cast.subject_a1 and credit.hours == video_course.hours
    # immediately on the subject's record (tab 教育学习)
    client.force_login(cast.officer_a1)
    page = client.get(reverse("education:subject_tab", args=[cast.subject_a1.pk])).content.decode()
    assert "云课堂：社区矫正法解读" in page and "<b>1.50</b>" in page
    # and the subject's own list shows the month's hours
    client.force_login(cast.portal_a1)
    assert "<b>1.50</b>" in client.get(reverse("education:m_courses")).content.decode()


def test_hidden_tab_heartbeats_are_not_credited(video_course, cast):
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    state, k = watch(s, cast.portal_a1, 0, 50, visible=False)
    assert state["watched"] == 0 and "后台" in state["note"]
    s.refresh_from_db()
    assert s.rejected_seconds == 50


def test_only_the_subject_may_study(video_course, cast):
    with pytest.raises(NotAllowed):
        services.start_session(cast.subject_a1, video_course, actor=cast.officer_a1)


def test_failed_face_check_voids_the_session_and_raises_an_anomaly(video_course, cast, settings):
    settings.EDUCATION_FACE_CHECKS = True
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    assert 90 <= s.face_check_at <= 450
    state, k = watch(s, cast.portal_a1, 0, 460)
    assert state["face_check"] is True
    # while the check is due, playback earns nothing
    before = state["watched"]
    state = services.heartbeat(s, actor=cast.portal_a1, start=460, end=470, visible=True,
                               now=timezone.now() + timedelta(hours=1))
    assert state["watched"] == before and "人脸核验" in state["note"]
    services.record_face_check(s, passed=False, scores={"outcome": "mismatch", "best_match": 0.12})
    s.refresh_from_db()
    assert s.voided and s.face_status == FaceStatus.FAILED
    a = Anomaly.objects.get(kind="study_face_failed")
    assert a.subject == cast.subject_a1 and "代学" in a.summary
    with pytest.raises(ServiceError, match="不予计时"):
        services.heartbeat(s, actor=cast.portal_a1, start=470, end=480, visible=True)
    assert not HoursCredit.objects.exists()


def test_passed_face_check_then_completion_is_credited(video_course, cast, settings):
    settings.EDUCATION_FACE_CHECKS = True
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    s.face_check_at = 100
    s.save()
    state, k = watch(s, cast.portal_a1, 0, 100)
    assert state["face_check"]
    services.record_face_check(s, passed=True, scores={"outcome": "pass", "best_match": 0.71})
    s.refresh_from_db()  # playback resumes after the check, on the same clock as the heartbeats before it
    state, _ = watch(s, cast.portal_a1, 100, 600, t0=s.last_heartbeat_at, offset=0)
    assert state["completed"] and HoursCredit.objects.count() == 1


def test_face_check_page_reports_unavailable_verifier(video_course, cast, client, settings, monkeypatch):
    settings.EDUCATION_FACE_CHECKS = True
    monkeypatch.setattr(services, "face_backend", lambda: None)
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    s.face_check_at = 50
    s.save()
    watch(s, cast.portal_a1, 0, 60)
    client.force_login(cast.portal_a1)
    r = client.post(reverse("education:m_face", args=[s.pk]), {}).json()
    assert r["available"] is False and "人脸核验功能在本系统中不可用" in r["message"]
    s.refresh_from_db()
    assert s.face_status == FaceStatus.UNAVAILABLE and not s.voided


def test_face_check_uses_the_checkin_verifier_when_present(video_course, cast, settings, monkeypatch):
    """The burst goes to the check-in module's verify_burst with the subject's enrolled templates."""
    settings.EDUCATION_FACE_CHECKS = True
    calls = {}

    class Result:
        passed = False

        def as_dict(self):
            return {"outcome": "mismatch", "best_match": 0.05}

    class Enrolment:
        def templates(self):
            return ["tpl"]

    def verify_burst(frames, times, challenge, templates):
        calls.update(frames=frames, challenge=challenge, templates=templates)
        return Result()

    monkeypatch.setattr(services, "face_backend", lambda: {
        "verify_burst": verify_burst, "active_enrolment": lambda subject: Enrolment(), "rejected": ValueError,
        "random_challenge": lambda: ["blink"], "challenge_text": lambda c: "眨眼"})
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    s.face_check_at = 10
    s.save()
    watch(s, cast.portal_a1, 0, 20)
    begin = services.begin_face_check(s, actor=cast.portal_a1)
    assert begin == {"available": True, "challenge": ["blink"], "text": "眨眼"}
    services.submit_face_check(s, actor=cast.portal_a1, frames=[b"jpg"], capture_times=[0.0],
                               challenge=["nothing"])  # the page's own challenge is ignored
    assert calls["templates"] == ["tpl"] and calls["challenge"] == ["blink"]
    s.refresh_from_db()
    assert s.voided and Anomaly.objects.filter(kind="study_face_failed").exists()


def test_quiz_gates_the_credit(video_course, cast):
    q = services.add_question(video_course, actor=cast.county_a_officer, text="社区矫正对象外出须？",
                              options=["经批准", "无须报告"], correct=[0])
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    with pytest.raises(ServiceError, match="先学完"):
        services.submit_quiz(s, actor=cast.portal_a1, answers={q.pk: [0]})
    state, _ = watch(s, cast.portal_a1, 0, 600)
    assert state["quiz"] and not state["completed"]
    r = services.submit_quiz(s, actor=cast.portal_a1, answers={q.pk: [1]})
    assert r["passed"] is False and not HoursCredit.objects.exists()
    r = services.submit_quiz(s, actor=cast.portal_a1, answers={q.pk: [0]})
    assert r["passed"] and r["completed"] and HoursCredit.objects.count() == 1


def test_heartbeat_endpoint_and_session_scoping(video_course, cast, client):
    from yunjiao.accounts.models import Role
    from yunjiao.core.testing import make_user

    client.force_login(cast.portal_a1)
    assert client.get(reverse("education:m_course", args=[video_course.pk])).status_code == 200
    s = StudySession.objects.get()
    r = client.post(reverse("education:m_heartbeat", args=[s.pk]), {"start": 0, "end": 3, "visible": True},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["watched"] == 3
    other = make_user("portal_a2", Role.SUBJECT, cast.town_a2, subject=cast.subject_a2)
    client.force_login(other)
    assert client.post(reverse("education:m_heartbeat", args=[s.pk]), {}, content_type="application/json"
                       ).status_code == 404
    assert_hidden(client, cast.officer_b1, reverse("education:subject_tab", args=[cast.subject_a1.pk]))


def test_reading_course_needs_visible_time(cast):
    c = services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="心理健康小课", kind="richtext",
                               category="psychology", hours="0.5", body_html="<p>内容</p>", min_read_seconds=20)
    services.publish_course(c, actor=cast.officer_a1)
    s = services.start_session(cast.subject_a1, c, actor=cast.portal_a1)
    t0 = s.last_heartbeat_at
    services.heartbeat(s, actor=cast.portal_a1, start=0, end=10, visible=False, now=t0 + timedelta(seconds=10))
    st = services.heartbeat(s, actor=cast.portal_a1, start=0, end=10, visible=True, now=t0 + timedelta(seconds=20))
    assert st["watched"] == 10 and not st["completed"]
    # claiming 60 s after 1 s of wall time earns 1 s
    st = services.heartbeat(s, actor=cast.portal_a1, start=0, end=60, visible=True, now=t0 + timedelta(seconds=21))
    assert st["watched"] == 11
    st = services.heartbeat(s, actor=cast.portal_a1, start=0, end=10, visible=True, now=t0 + timedelta(seconds=31))
    assert st["completed"]


def test_real_checkin_verifier_passes_the_enrolled_person(video_course, cast, settings):
    """The study face check reuses the real check-in verification: a real burst of the enrolled person passes."""
    from yunjiao.checkins import services as checkins
    from yunjiao.checkins.tests.conftest import CLIP_PERSON_PHOTO, clip_burst, read

    settings.EDUCATION_FACE_CHECKS = True
    settings.FACE_CHALLENGE_ACTIONS = ("turn_right",)  # the clip frames 84–112 perform a right turn
    checkins.enroll_face(cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=cast.officer_a1)
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    s.face_check_at = 10
    s.save()
    watch(s, cast.portal_a1, 0, 20)
    assert services.begin_face_check(s, actor=cast.portal_a1)["challenge"] == ["turn_right"]
    frames, times = clip_burst(84, 112, 2)
    check = services.submit_face_check(s, actor=cast.portal_a1, frames=frames, capture_times=times)
    assert check.passed and check.scores["best_match"] >= 0.42
    s.refresh_from_db()
    assert s.face_status == FaceStatus.PASSED and not s.voided


def test_burst_of_short_forged_heartbeats_is_not_credited(video_course, cast):
    """Each 3-second report fits the per-heartbeat slack, but 30 s of video 5 s after the start cannot be true."""
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    t0 = s.started_at
    for i in range(10):
        state = services.heartbeat(s, actor=cast.portal_a1, start=3 * i, end=3 * (i + 1), visible=True,
                                   now=t0 + timedelta(seconds=5, milliseconds=i))
    assert state["watched"] <= 5 * 2 + 3 and "超过实际经过的时间" in state["note"]


def test_back_to_back_heartbeats_of_honest_playback_are_all_credited(video_course, cast):
    """A periodic flush and the pause flush arrive 20 ms apart: both segments are real playback."""
    s = services.start_session(cast.subject_a1, video_course, actor=cast.portal_a1)
    t0 = s.started_at
    services.heartbeat(s, actor=cast.portal_a1, start=0, end=3.9, visible=True, now=t0 + timedelta(seconds=4))
    state = services.heartbeat(s, actor=cast.portal_a1, start=3.9, end=4.0, visible=True,
                               now=t0 + timedelta(seconds=4, milliseconds=20))
    assert state["watched"] == 4.0 and state["note"] == ""
