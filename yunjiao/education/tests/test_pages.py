"""Every officer page of education and staff renders for an officer and is closed to a subject account."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["education:courses", "education:course_new", "education:events", "education:event_new",
         "education:report", "staff:list", "staff:certificates", "staff:squads", "staff:trainings",
         "staff:training_report"]


@pytest.mark.parametrize("name", PAGES)
def test_officer_pages_render(cast, client, name):
    client.force_login(cast.county_a_officer)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_subject_accounts_are_sent_to_their_phone_pages(cast, client, name):
    client.force_login(cast.portal_a1)
    assert client.get(reverse(name)).status_code == 302


def test_standards_page_only_for_city_admin(cast, client):
    client.force_login(cast.county_a_officer)
    assert client.get(reverse("education:standards")).status_code == 403
    client.force_login(cast.city_admin)
    client.post(reverse("education:standards"), {"level": "normal", "education_hours": "9", "service_hours": "9",
                                                 "note": "市局通知"})
    assert "市局通知" in client.get(reverse("education:report")).content.decode()


def test_officer_cannot_open_phone_pages_and_portal_links(cast, client):
    client.force_login(cast.officer_a1)
    assert client.get(reverse("education:m_courses")).status_code == 403
    client.force_login(cast.portal_a1)
    assert reverse("education:m_courses") in client.get(reverse("portal:home")).content.decode()


def test_workbench_card(cast, client):
    from datetime import timedelta

    from django.utils import timezone

    from yunjiao.education import services

    now = timezone.now()
    services.schedule_event(actor=cast.officer_a1, org=cast.town_a1, kind="counselling", topic="团体心理辅导",
                            place="中心", starts_at=now, ends_at=now + timedelta(hours=1), hours=1)
    from yunjiao.education.views import todays_events_widget

    class R:
        user = cast.officer_a1

    assert todays_events_widget(R)["value"] == 1
    R.user = cast.officer_b1
    assert todays_events_widget(R)["value"] == 0
    R.user = cast.portal_a1
    assert todays_events_widget(R) is None


def test_portal_pages_for_each_course_kind(cast, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yunjiao.education import services
    from yunjiao.education.tests.conftest import fake_mp4

    made = [
        services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="图文课", kind="richtext",
                               category="moral", hours=1, body_html="<p>孝老爱亲</p>", required=False),
        services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="PDF课", kind="pdf",
                               category="employment", hours=1, pdf=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF")),
        services.create_course(actor=cast.officer_a1, org=cast.town_a1, title="视频课", kind="video",
                               category="skills", hours=1, video=fake_mp4(), duration_seconds=60),
    ]
    for c in made:
        services.publish_course(c, actor=cast.officer_a1)
    client.force_login(cast.portal_a1)
    listing = client.get(reverse("education:m_courses")).content.decode()
    assert listing.index("PDF课") < listing.index("选修课程") < listing.index("图文课")
    for c in made:
        page = client.get(reverse("education:m_course", args=[c.pk])).content.decode()
        assert c.title in page and "学习进度" in page
    assert "孝老爱亲" in client.get(reverse("education:m_course", args=[made[0].pk])).content.decode()
    pdf = client.get(reverse("education:m_media", args=[made[1].pk]))
    assert pdf["Content-Type"] == "application/pdf"
    client.force_login(cast.county_a_officer)
    for c in made:
        assert client.get(reverse("education:course", args=[c.pk])).status_code == 200
