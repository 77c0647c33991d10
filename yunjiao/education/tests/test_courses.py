"""Courses: formats by magic bytes, upload limits, sanitised rich text, quizzes, range serving, scoping."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yunjiao.core.errors import ServiceError
from yunjiao.core.testing import assert_hidden, assert_visible
from yunjiao.education import services
from yunjiao.education.models import Course
from yunjiao.education.tests.conftest import MP4_HEAD, fake_mp4

pytestmark = pytest.mark.django_db


def test_avi_named_mp4_is_refused_by_content(cast):
    avi = SimpleUploadedFile("lesson.mp4", b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 100)
    with pytest.raises(ServiceError) as exc:
        services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="t", kind="video", category="law",
                               hours=1, video=avi, duration_seconds=60)
    assert "不支持的视频格式（AVI）" in exc.value.message
    assert not Course.objects.exists()


def test_oversized_file_is_refused(cast, settings):
    settings.EDUCATION_VIDEO_MAX_BYTES = 1000
    with pytest.raises(ServiceError) as exc:
        services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="t", kind="video", category="law",
                               hours=1, video=fake_mp4(size=5000), duration_seconds=60)
    assert "超过" in exc.value.message and exc.value.code == "too_large"


def test_two_gigabyte_upload_refused_from_the_header_without_reading_the_body(cast, client):
    client.force_login(cast.officer_a1)
    body = b"--x\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt\r\n--x--\r\n"
    # The declared length is 2 GB while only a few bytes exist: reading the body would fail loudly.
    resp = client.generic("POST", reverse("education:course_new"), body,
                          content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(2 * 1024 ** 3))
    assert resp.status_code == 413
    assert "超过 500 MB 的上限" in resp.content.decode()
    assert not Course.objects.exists()


def test_upload_handler_stops_a_stream_that_passes_the_limit():
    from yunjiao.education.media import LimitedUploadHandler, UploadTooLarge

    h = LimitedUploadHandler(None, limit=100)
    h.receive_data_chunk(b"x" * 60, 0)
    with pytest.raises(UploadTooLarge):
        h.receive_data_chunk(b"x" * 60, 60)
    assert h.exceeded


def test_upload_through_the_page_with_real_video(cast, client, real_webm):
    client.force_login(cast.officer_a1)
    resp = client.post(reverse("education:course_new"), {
        "title": "法治第一课", "kind": "video", "category": "law", "hours": "0.5", "audience": "all", "required": "1",
        "video": SimpleUploadedFile("第一课.bin", real_webm)})
    assert resp.status_code == 302, resp.content.decode()[:500]
    course = Course.objects.get()
    assert course.video_format == "webm" and course.duration_seconds == 4  # ffprobe read the real duration


def test_unsupported_upload_through_the_page_shows_chinese_error(cast, client):
    client.force_login(cast.officer_a1)
    resp = client.post(reverse("education:course_new"), {
        "title": "x", "kind": "video", "category": "law", "hours": "1", "audience": "all",
        "video": SimpleUploadedFile("x.mp4", b"FLV\x01\x05" + b"\x00" * 50)})
    assert resp.status_code == 400
    assert "不支持的视频格式（FLV）" in resp.content.decode()


def test_rich_text_is_sanitised(cast):
    c = services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="t", kind="richtext", category="moral",
                               hours=1, body_html='<p onclick="x()">好<script>alert(1)</script></p>'
                                                  '<a href="javascript:alert(1)">链</a><img src=x onerror=alert(1)>')
    assert "script" not in c.body_html and "onclick" not in c.body_html and "javascript" not in c.body_html
    assert "onerror" not in c.body_html and "<p>好</p>" in c.body_html


def test_pdf_checked_by_content(cast):
    with pytest.raises(ServiceError, match="不是 PDF"):
        services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="t", kind="pdf", category="skills",
                               hours=1, pdf=SimpleUploadedFile("a.pdf", b"PK\x03\x04zip"))
    c = services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="t", kind="pdf", category="skills",
                               hours=1, pdf=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF"))
    assert c.pdf


def test_quiz_question_without_correct_answer_is_refused(video_course, cast, client):
    with pytest.raises(ServiceError, match="正确答案"):
        services.add_question(video_course, actor=cast.county_a_officer, text="社区矫正对象应当？",
                              options=["按时报到", "随意外出"], correct=[])
    client.force_login(cast.county_a_officer)
    resp = client.post(reverse("education:course", args=[video_course.pk]),
                       {"action": "question", "text": "题", "option1": "甲", "option2": "乙"}, follow=True)
    assert "没有正确答案的题目无法作答" in resp.content.decode()
    assert not video_course.questions.exists()


def test_ordinary_officer_cannot_publish_for_another_county(cast):
    with pytest.raises(ServiceError):
        services.create_course(actor=cast.officer_b1, org=cast.county_a, title="t", kind="richtext",
                               category="law", hours=1, body_html="<p>x</p>")


def _fetch(client, url, rng=None):
    resp = client.get(url, HTTP_RANGE=rng) if rng else client.get(url)
    return resp, b"".join(resp.streaming_content) if hasattr(resp, "streaming_content") else resp.content


def test_video_is_served_with_range_requests(video_course, cast, client):
    client.force_login(cast.portal_a1)
    url = reverse("education:m_media", args=[video_course.pk])
    size = video_course.video.size
    resp, body = _fetch(client, url)
    assert resp.status_code == 200 and resp["Accept-Ranges"] == "bytes" and len(body) == size
    resp, body = _fetch(client, url, "bytes=0-11")
    assert resp.status_code == 206 and resp["Content-Range"] == f"bytes 0-11/{size}"
    assert body == MP4_HEAD[:12]
    resp, body = _fetch(client, url, "bytes=100-")  # resume from an offset
    assert resp.status_code == 206 and len(body) == size - 100 and resp["Content-Length"] == str(size - 100)
    resp, body = _fetch(client, url, "bytes=-10")
    assert resp.status_code == 206 and len(body) == 10
    resp, _ = _fetch(client, url, f"bytes={size + 5}-")
    assert resp.status_code == 416 and resp["Content-Range"] == f"bytes */{size}"


def test_course_scoping(video_course, cast, client):
    url = reverse("education:course", args=[video_course.pk])
    assert_visible(client, cast.officer_a1, url)  # the county's course is used by its townships
    assert_hidden(client, cast.officer_b1, url)
    assert_hidden(client, cast.county_b_officer, reverse("education:course_media", args=[video_course.pk]))
    client.force_login(cast.city_officer)
    assert client.get(url).status_code == 200


def test_subject_of_another_county_does_not_get_the_course(video_course, cast, client):
    from yunjiao.accounts.models import Role
    from yunjiao.core.testing import make_user

    portal_b1 = make_user("portal_b1", Role.SUBJECT, cast.town_b1, subject=cast.subject_b1)
    client.force_login(portal_b1)
    assert client.get(reverse("education:m_course", args=[video_course.pk])).status_code == 404
    assert client.get(reverse("education:m_media", args=[video_course.pk])).status_code == 404
    assert video_course.title not in client.get(reverse("education:m_courses")).content.decode()


def test_audience_by_category(cast):
    c = services.create_course(actor=cast.city_officer, org=cast.city, title="假释对象专题", kind="richtext",
                               category="law", hours=1, body_html="<p>x</p>", audience="category",
                               audience_value="parole")
    services.publish_course(c, actor=cast.city_officer)
    assert c in services.courses_for(cast.subject_b1)       # 假释
    assert c not in services.courses_for(cast.subject_a1)   # 缓刑


def test_course_upload_still_checks_csrf(cast):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(cast.officer_a1)
    resp = c.post(reverse("education:course_new"), {"title": "t", "kind": "richtext", "category": "law",
                                                    "hours": "1", "body_html": "<p>x</p>"})
    assert resp.status_code == 403 and not Course.objects.exists()
    page = c.get(reverse("education:course_new"))
    token = page.cookies["csrftoken"].value
    resp = c.post(reverse("education:course_new"), {"title": "t", "kind": "richtext", "category": "law",
                                                    "hours": "1", "body_html": "<p>x</p>",
                                                    "csrfmiddlewaretoken": token})
    assert resp.status_code == 302 and Course.objects.count() == 1
