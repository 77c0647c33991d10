"""Offline sessions, community service, monthly accounting (domain.md §5.3) and reports."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yunjiao.anomalies.models import Anomaly
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.testing import assert_hidden, make_subject
from yunjiao.education import services
from yunjiao.education.models import AttendanceStatus, HoursCredit, MonthlyHours
from yunjiao.subjects.models import SupervisionLevelChange

pytestmark = pytest.mark.django_db


def _event(cast, subjects, kind="group", hours="2", start=None):
    start = start or timezone.now() - timedelta(minutes=30)
    return services.schedule_event(actor=cast.officer_a1, org=cast.town_a1, kind=kind, topic="法治讲座",
                                   place="许庄司法所会议室", starts_at=start, ends_at=start + timedelta(hours=2),
                                   hours=hours, subjects=subjects)


def test_sign_in_duplicates_merge_and_absentees_become_anomalies(cast):
    extra = make_subject(cast.town_a1, name="孙伟")
    event = _event(cast, [cast.subject_a1, extra])
    att, msg = services.sign_in(event, cast.subject_a1, actor=cast.officer_a1)
    assert att.status == AttendanceStatus.PRESENT and "签到成功" in msg
    att, msg = services.sign_in(event, cast.subject_a1, actor=cast.officer_a1)
    assert "重复签到已合并" in msg and att.duplicate_count == 1
    r = services.close_event(event, actor=cast.officer_a1)
    assert r == {"present": 1, "absent": 1}
    assert HoursCredit.objects.get().hours == Decimal("2.00")  # one credit despite two sign-ins
    a = Anomaly.objects.get(kind="education_absent")
    assert a.subject == extra and "法治讲座" in a.summary
    with pytest.raises(ServiceError, match="考勤已结束"):
        services.sign_in(event, extra, actor=cast.officer_a1)


def test_community_service_hours_are_service_hours(cast):
    event = _event(cast, [cast.subject_a1], kind="service", hours="3")
    services.sign_in(event, cast.subject_a1, actor=cast.officer_a1)
    services.close_event(event, actor=cast.officer_a1)
    assert HoursCredit.objects.get().kind == "service"


def test_out_of_scope_subject_cannot_be_signed_in(cast):
    event = _event(cast, [cast.subject_a1])
    with pytest.raises(NotAllowed):
        services.sign_in(event, cast.subject_b1, actor=cast.officer_a1)
    with pytest.raises(NotAllowed):
        _event(cast, [cast.subject_b1])


def test_sign_in_outside_the_window_is_refused(cast):
    event = _event(cast, [cast.subject_a1], start=timezone.now() + timedelta(days=2))
    with pytest.raises(ServiceError, match="不在签到时间内"):
        services.sign_in(event, cast.subject_a1, actor=cast.officer_a1)


def test_officer_pages_and_scoping(cast, client):
    event = _event(cast, [cast.subject_a1])
    client.force_login(cast.officer_a1)
    url = reverse("education:event", args=[event.pk])
    client.post(url, {"action": "sign_in", "subject": cast.subject_a1.pk})
    page = client.post(url, {"action": "sign_in", "subject": cast.subject_a1.pk}, follow=True).content.decode()
    assert "重复签到已合并" in page
    assert_hidden(client, cast.officer_b1, url)
    assert_hidden(client, cast.officer_a2, url)


def test_finished_events_are_closed_by_the_job(cast):
    start = timezone.now() - timedelta(days=1)
    event = _event(cast, [cast.subject_a1], start=start)
    assert services.close_finished_events() == 1
    event.refresh_from_db()
    assert event.closed_at and Anomaly.objects.filter(kind="education_absent").count() == 1


# --- monthly accounting -----------------------------------------------------------------------------

JUNE = date(2026, 6, 1)


def _credit(subject, kind, hours, day):
    HoursCredit.objects.create(subject=subject, kind=kind, hours=Decimal(hours), day=day, source="测试")


def _level(subject, old, new, day):
    SupervisionLevelChange.objects.create(subject=subject, old_level=old, new_level=new, reason="评估调整",
                                          effective_date=day)
    subject.supervision_level = new
    subject.save()


@pytest.mark.parametrize("level, edu, svc", [("strict", "12.00", "12.00"), ("normal", "8.00", "8.00"),
                                             ("lenient", "4.00", "4.00")])
def test_requirement_per_level(cast, level, edu, svc):
    s = make_subject(cast.town_a1, name="周", supervision_level=level)
    acc = services.month_account(s, JUNE)
    assert (str(acc["required_edu"]), str(acc["required_service"])) == (edu, svc)


def test_level_change_in_the_middle_of_a_month(cast):
    s = cast.subject_a1  # 严管 by default, in correction since 2026-03-01
    _level(s, "strict", "normal", date(2026, 6, 16))  # 15 days 严管 + 15 days 普管
    _credit(s, "education", "10", date(2026, 6, 5))
    _credit(s, "service", "6", date(2026, 6, 20))
    _credit(s, "education", "5", date(2026, 7, 1))   # next month: not counted
    assert services.close_month(JUNE) == 3
    row = MonthlyHours.objects.get(subject=s, month=JUNE)
    assert row.levels == {"strict": 15, "normal": 15}
    assert (row.required_edu, row.credited_edu) == (Decimal("10.00"), Decimal("10.00"))
    assert (row.required_service, row.credited_service) == (Decimal("10.00"), Decimal("6.00"))
    assert row.shortfall == Decimal("4.00")
    a = Anomaly.objects.get(kind="education_shortfall", subject=s)
    assert "2026年06月" in a.summary
    # the month before the change is judged at the old level
    assert services.month_account(s, date(2026, 5, 1))["levels"] == {"strict": 31}


def test_configured_table_overrides_defaults(cast):
    with pytest.raises(NotAllowed):
        services.set_level_hours("normal", actor=cast.officer_a1, education_hours=6, service_hours=6)
    services.set_level_hours("strict", actor=cast.city_admin, education_hours=16, service_hours=8, note="市局文件")
    acc = services.month_account(cast.subject_a1, JUNE)
    assert (acc["required_edu"], acc["required_service"]) == (Decimal("16.00"), Decimal("8.00"))


def test_close_month_is_idempotent(cast):
    services.close_month(JUNE)
    services.close_month(JUNE)
    assert MonthlyHours.objects.filter(subject=cast.subject_a1).count() == 1
    assert Anomaly.objects.get(kind="education_shortfall", subject=cast.subject_a1).count == 2  # grouped


def test_warnings_during_the_month_notify_the_township(cast):
    from yunjiao.notifications.models import Message

    n = services.warn_shortfalls(today=date(2026, 6, 26))
    assert n == 3
    assert Message.objects.filter(recipient=cast.officer_a1, title__contains="李明").exists()
    assert Message.objects.filter(recipient=cast.portal_a1).exists()
    assert not Message.objects.filter(recipient=cast.officer_b1, title__contains="李明").exists()


def test_reports_per_level_and_excel(cast, client):
    services.close_month(JUNE)
    rows = services.hours_report(cast.city_officer, JUNE, level="county")
    assert {r["org"]: r["subjects"] for r in rows} == {"任城区司法局": 2, "兖州区司法局": 1}
    assert [r["subjects"] for r in services.hours_report(cast.city_officer, JUNE, level="city")] == [3]
    assert [r["subjects"] for r in services.hours_report(cast.officer_a1, JUNE)] == [1]  # own township only
    client.force_login(cast.county_a_officer)
    resp = client.get(reverse("education:report"), {"month": "2026-06", "level": "township", "export": "xlsx"})
    assert resp.status_code == 200
    ws = load_workbook(BytesIO(resp.content)).active
    values = [r for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == "单位" and len(values) == 3  # two townships of 任城区, nothing of 兖州区


def test_previous_month():
    assert services.previous_month(date(2026, 1, 1)) == date(2025, 12, 1)


def test_subject_tab_registered(cast, client):
    client.force_login(cast.officer_a1)
    page = client.get(reverse("subjects:detail", args=[cast.subject_a1.pk])).content.decode()
    assert "教育学习" in page and reverse("education:subject_tab", args=[cast.subject_a1.pk]) in page




def test_api_scoping(cast, api_client):
    services.close_month(JUNE)
    row = MonthlyHours.objects.get(subject=cast.subject_a1)
    api_client.force_authenticate(cast.officer_a1)
    assert api_client.get(f"/api/v1/education/monthly/{row.pk}/").json()["required_edu"] == "12.00"
    api_client.force_authenticate(cast.officer_b1)
    assert api_client.get(f"/api/v1/education/monthly/{row.pk}/").status_code == 404
    assert len(api_client.get("/api/v1/education/monthly/").json()["results"]) == 1


def test_face_sign_in_uses_the_checkin_verifier(cast, client, monkeypatch):
    class Result:
        def __init__(self, ok):
            self.passed = ok

        def as_dict(self):
            return {"outcome": "pass" if self.passed else "mismatch", "reasons": [] if self.passed else ["不是本人"],
                    "best_match": 0.7 if self.passed else 0.1}

    class Enrolment:
        def templates(self):
            return ["tpl"]

    outcome = {"ok": False, "challenge": None}

    def verify_burst(frames, times, challenge, templates):
        outcome["challenge"] = challenge
        return Result(outcome["ok"])

    monkeypatch.setattr(services, "face_backend", lambda: {
        "verify_burst": verify_burst, "active_enrolment": lambda s: Enrolment(), "rejected": ValueError,
        "random_challenge": lambda: ["nod"], "challenge_text": lambda c: "点头"})
    event = _event(cast, [cast.subject_a1])
    client.force_login(cast.officer_a1)
    url = reverse("education:event_face", args=[event.pk])
    assert client.post(url, {"subject": cast.subject_a1.pk, "step": "begin"}).json()["text"] == "点头"
    r = client.post(url, {"subject": cast.subject_a1.pk, "step": "submit", "capture_times": "0,0.2"})
    assert r.status_code == 400 and "不是本人" in r.json()["error"]
    assert outcome["challenge"] == ["nod"]
    with pytest.raises(ServiceError, match="获取动作提示"):  # a challenge is used once
        services.face_sign_in(event, cast.subject_a1, actor=cast.officer_a1, frames=[], capture_times=[])
    client.post(url, {"subject": cast.subject_a1.pk, "step": "begin"})
    outcome["ok"] = True
    r = client.post(url, {"subject": cast.subject_a1.pk, "step": "submit", "capture_times": "0,0.2"}).json()
    assert r["ok"] and "签到成功" in r["message"]
    att = event.attendances.get()
    assert att.status == AttendanceStatus.PRESENT and att.method == "face" and att.face_scores["best_match"] == 0.7
    client.force_login(cast.officer_b1)
    assert client.post(url, {"subject": cast.subject_a1.pk, "step": "begin"}).status_code == 404


def test_face_sign_in_reports_unavailable_verifier(cast, monkeypatch):
    monkeypatch.setattr(services, "face_backend", lambda: None)
    event = _event(cast, [cast.subject_a1])
    r = services.begin_face_sign_in(event, cast.subject_a1, actor=cast.officer_a1)
    assert r["available"] is False and "不可用" in r["message"]
