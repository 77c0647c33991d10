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
