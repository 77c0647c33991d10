"""Browser tests (Playwright driving Debian's chromium): a subject completes a short video course on the
phone page; an officer records an offline class with three attendees."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yunjiao.core.testing import make_subject
from yunjiao.education import services
from yunjiao.education.models import Event, HoursCredit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium(browser):
    """pytest-playwright's browser (Debian chromium, launch flags in yunjiao/conftest.py)."""
    return browser


def _page_as(browser, live_server, user, *, mobile=False):
    from django.test import Client

    c = Client()
    c.force_login(user)
    ctx = browser.new_context(viewport={"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900},
                              locale="zh-CN")
    host = live_server.url.split("//")[1].split(":")[0]
    ctx.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "domain": host, "path": "/"}])
    page = ctx.new_page()
    page.set_default_timeout(20000)
    return page


def test_subject_completes_a_short_course_on_the_phone(chromium, live_server, cast, real_webm):
    course = services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="四秒法治小课", kind="video",
                                    category="law", hours="0.5", video=SimpleUploadedFile("a.webm", real_webm))
    services.publish_course(course, actor=cast.officer_a1)
    page = _page_as(chromium, live_server, cast.portal_a1, mobile=True)
    page.goto(f"{live_server.url}/education/m/")
    page.get_by_text("四秒法治小课").click()
    page.wait_for_selector("#player")
    page.evaluate("document.getElementById('player').muted = true; document.getElementById('player').play()")
    page.wait_for_selector("#done-box:not([hidden])", timeout=60000)
    assert "计入 0.50 小时" in page.inner_text("#done-text")
    credit = HoursCredit.objects.get(subject=cast.subject_a1)
    assert credit.hours == course.hours
    page.goto(f"{live_server.url}/education/m/")
    assert "已完成" in page.inner_text("main")


def test_officer_records_an_offline_class_with_three_attendees(chromium, live_server, cast):
    s2 = make_subject(cast.town_a1, name="孙伟")
    s3 = make_subject(cast.town_a1, name="周杰")
    page = _page_as(chromium, live_server, cast.officer_a1)
    page.goto(f"{live_server.url}/education/events/new/")
    start = timezone.localtime() - timedelta(minutes=10)
    page.select_option("select[name=kind]", "group")
    page.fill("input[name=topic]", "社区矫正法集中学习")
    page.fill("input[name=place]", "许庄司法所会议室")
    page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=hours]", "2")
    for s in (cast.subject_a1, s2, s3):
        page.check(f"input[name=subjects][value='{s.pk}']")
    page.click("#event-form button[type=submit]")
    page.wait_for_selector("#sign-in")
    for s in (cast.subject_a1, s2, s3):
        page.select_option("#sign-in select[name=subject]", str(s.pk))
        page.click("#sign-in button[type=submit]")
        page.wait_for_selector(f"text={s.name} 签到成功")
    page.select_option("#sign-in select[name=subject]", str(s2.pk))  # a second sign-in is merged
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("text=重复签到已合并")
    assert page.inner_text("#attendance").count("已签到") == 3
    page.on("dialog", lambda d: d.accept())
    page.click("#close-event")
    page.wait_for_selector("text=实到 3 人，缺席 0 人")
    event = Event.objects.get()
    assert event.closed_at and HoursCredit.objects.filter(attendance__event=event).count() == 3
