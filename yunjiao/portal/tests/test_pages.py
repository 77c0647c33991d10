"""The phone pages (今日任务, check-in, history) and the officer's 手机绑定 tab."""

import pytest
from django.test import Client
from django.utils import timezone

from yunjiao.checkins import services as checkins
from yunjiao.checkins import tasks_services
from yunjiao.portal import services

from .conftest import multipart, turn_burst

pytestmark = pytest.mark.django_db


def test_home_lists_the_check_in_and_the_portal_menu(cast, phone):
    page = phone.get("/m/").content.decode()
    assert "今日任务" in page and 'href="/m/checkin/"' in page
    assert "核查记录" in page and "我的消息" in page and "外出请假" in page
    assert "今天暂无待办任务" in page


def test_home_counts_unread_messages_from_the_office(cast, phone):
    from yunjiao.notifications import services as notifications

    notifications.notify([cast.portal_a1], title="请于周五到司法所报到", body="带身份证。", actor=cast.officer_a1)
    assert "我的消息（1 条未读）" in phone.get("/m/").content.decode()


def test_home_shows_open_tasks_with_deadline_and_countdown(cast, enrolled, phone, turn_right_only):
    (task,) = tasks_services.order_checks([cast.subject_a1], actor=cast.officer_a1, minutes=25)
    deadline = timezone.localtime(task.deadline)
    page = phone.get("/m/").content.decode()
    assert task.get_kind_display() in page and 'class="js-countdown"' in page
    assert f"请在 {deadline:%H:%M} 前完成" in page
    assert f"{task.get_kind_display()}：请在 {deadline:%H:%M} 前完成" in phone.get("/m/checkin/").content.decode()
    # checking in answers the task: it leaves today's list
    ch = phone.post("/api/v1/checkins/start/").json()
    frames, times = turn_burst()
    assert phone.post("/api/v1/checkins/submit/", multipart(ch["nonce"], frames, times),
                      format="multipart").json()["outcome"] == "pass"
    task.refresh_from_db()
    assert task.status == "done" and task.checkin_id is not None
    assert "今天暂无待办任务" in phone.get("/m/").content.decode()


def test_check_in_page_needs_an_enrolment(cast, phone):
    page = phone.get("/m/checkin/").content.decode()
    assert "尚未登记人脸" in page and 'id="ck-start" type="button" disabled' in page
    assert "checkins/checkin.js" in page and 'data-start-url="/api/v1/checkins/start/"' in page


def test_check_in_page_and_history_of_a_failed_check(cast, enrolled, phone, turn_right_only):
    page = phone.get("/m/checkin/").content.decode()
    assert "开始核查" in page and "disabled" not in page.split('id="ck-start"')[1].split(">")[0]
    ch = phone.post("/api/v1/checkins/start/").json()
    frames, times = turn_burst()
    phone.post("/api/v1/checkins/submit/", multipart(ch["nonce"], frames, times, location=None),
               format="multipart")
    history = phone.get("/m/checkins/").content.decode()
    assert "缺少定位" in history and "请打开手机定位" in history
    assert "今天还可重试 2 次" in phone.get("/m/checkin/").content.decode()


def test_officers_cannot_open_the_phone_pages_and_subjects_not_the_device_tab(cast, phone, enrolled):
    officer = Client()
    officer.force_login(cast.officer_a1)
    assert officer.get("/m/checkin/").status_code == 403
    assert phone.get(f"/m/devices/{cast.subject_a1.pk}/").status_code == 302  # a subject goes to /m/
    other = Client()
    other.force_login(cast.officer_b1)
    assert other.get(f"/m/devices/{cast.subject_a1.pk}/").status_code == 404
    tab = officer.get(f"/m/devices/{cast.subject_a1.pk}/").content.decode()
    assert "绑定记录" in tab and cast.portal_a1.username in tab
    detail = officer.get(f"/subjects/{cast.subject_a1.pk}/").content.decode()
    assert "手机绑定" in detail and f"/m/devices/{cast.subject_a1.pk}/" in detail


def test_attempts_count_failures_since_the_last_pass_today(cast, enrolled, phone, turn_right_only):
    frames, times = turn_burst()
    for location in (None, {"lat": 35.41, "lon": 116.58, "accuracy": 10}):
        _, nonce = checkins.start_checkin(cast.subject_a1, device_id=cast.portal_a1.bound_device_id or
                                          services.PortalDevice.objects.get().device_id, actor=checkins.SYSTEM)
        checkins.submit_checkin(cast.subject_a1, nonce=nonce, frames=frames, capture_times=times,
                                location=location, actor=checkins.SYSTEM)
    # one failure (no location) and then a pass: the pass resets the count
    assert services.attempts(cast.subject_a1).failed == 0
    assert services.attempts(cast.subject_a1).left == services.max_attempts()
