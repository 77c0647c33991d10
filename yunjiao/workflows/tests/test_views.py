"""HTML pages and the API: scoping (404 outside the branch), buttons with reasons, to-do, firing."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from yunjiao.core.testing import assert_hidden, assert_visible
from yunjiao.workflows import services
from yunjiao.workflows.models import Case


def start_assessment(cast, **extra):
    data = {"commissioning_body": "任城区人民法院", "commissioning_type": "court", "person_name": "钱八",
            "person_type": "defendant", "proposed_category": "probation",
            "received_date": timezone.localdate().isoformat(), **extra}
    return services.start_case("pre_sentence_assessment", actor=cast.county_a_officer, org=cast.county_a,
                               data=data)


def test_case_page_scoped(client, cast):
    case = start_assessment(cast)
    url = reverse("workflows:case", args=[case.pk])
    assert_visible(client, cast.county_a_officer, url)
    assert_visible(client, cast.city_officer, url)
    assert_hidden(client, cast.county_b_officer, url)
    assert_hidden(client, cast.officer_b1, url)


def test_case_page_shows_enabled_and_disabled_steps_and_highlighted_diagram(client, cast):
    case = start_assessment(cast)
    client.force_login(cast.county_a_officer)
    html = client.get(reverse("workflows:case", args=[case.pk])).content.decode()
    assert 'data-action="assign"' in html and "确认指派司法所调查" in html
    assert 'class="state current" data-state="received"' in html
    client.force_login(cast.city_officer)
    html = client.get(reverse("workflows:case", args=[case.pk])).content.decode()
    assert "须由" in html and 'disabled title="' in html


def test_fire_by_post_and_stale_form(client, cast):
    case = start_assessment(cast)
    client.force_login(cast.county_a_officer)
    url = reverse("workflows:fire", args=[case.pk, "assign"])
    response = client.post(url, {"version": case.version, "township": cast.town_a1.pk}, follow=True)
    assert "已办理：指派司法所调查" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "assigned"
    # the same (now stale) form again
    response = client.post(url, {"version": 1, "township": cast.town_a1.pk}, follow=True)
    assert "已被他人处理" in response.content.decode()
    assert Case.objects.get(pk=case.pk).version == 2


def test_fire_out_of_scope_is_404(client, cast):
    case = start_assessment(cast)
    client.force_login(cast.county_b_officer)
    response = client.post(reverse("workflows:fire", args=[case.pk, "assign"]), {"township": cast.town_b1.pk})
    assert response.status_code == 404


def test_todo_lists_what_my_role_must_do_sorted_and_overdue_red(client, cast):
    late = start_assessment(cast, received_date=(timezone.localdate() - timedelta(days=30)).isoformat())
    fresh = start_assessment(cast, person_name="孙九")
    client.force_login(cast.county_a_officer)
    html = client.get(reverse("workflows:todo")).content.decode()
    assert html.index("钱八") < html.index("孙九")  # soonest due first
    assert "已逾期" in html and 'class="overdue"' in html
    assert "逾期案件（按机构）" in html
    client.force_login(cast.officer_a1)  # nothing for the township yet: the county must assign first
    assert "钱八" not in client.get(reverse("workflows:todo")).content.decode()
    services.fire(fresh, "assign", actor=cast.county_a_officer, data={"township": cast.town_a1.pk})
    assert "孙九" in client.get(reverse("workflows:todo")).content.decode()
    client.force_login(cast.county_b_officer)
    assert "钱八" not in client.get(reverse("workflows:todo")).content.decode()
    assert late.pk


def test_start_page_creates_a_case(client, cast):
    client.force_login(cast.county_a_officer)
    url = reverse("workflows:start", args=["intake", "receive_notice"])
    day = timezone.localdate().isoformat()
    response = client.post(url, {"subject": cast.subject_a1.pk, "notice_date": day, "judgment_effective_date": day})
    case = Case.objects.get(process="intake", subject=cast.subject_a1)
    assert response.status_code == 302 and response["Location"] == reverse("workflows:case", args=[case.pk])
    # a subject outside the branch cannot be chosen
    response = client.post(url, {"subject": cast.subject_b1.pk, "notice_date": day, "judgment_effective_date": day})
    assert "请选择社区矫正对象" in response.content.decode()


def test_rules_page_city_admin_edits_and_others_read(client, cast):
    client.force_login(cast.county_a_officer)
    html = client.get(reverse("workflows:rules")).content.decode()
    assert "调查评估期限" in html and "override-form" not in html
    client.post(reverse("workflows:rules"), {"rule_id": "D1", "value": "7"})
    assert not services.overrides_map()
    client.force_login(cast.city_admin)
    client.post(reverse("workflows:rules"), {"rule_id": "D1", "value": "7", "org": cast.county_a.pk})
    assert services.overrides_map() == {"D1": {cast.county_a.path: 7}}


def test_diagram_svg(client, cast):
    client.force_login(cast.officer_a1)
    response = client.get(reverse("workflows:diagram", args=["discharge"]) + "?state=announced")
    assert response["Content-Type"] == "image/svg+xml"
    assert b'data-state="announced"' in response.content


def test_api_transitions_get_and_post(api_client, cast):
    case = start_assessment(cast)
    url = f"/api/v1/cases/{case.pk}/transitions/"
    api_client.force_authenticate(cast.county_a_officer)
    body = api_client.get(url).json()
    names = {a["name"]: a for a in body["actions"]}
    assert names["assign"]["enabled"] and names["assign"]["fields"][0]["kind"] == "org"
    bad = api_client.post(url, {"name": "assign", "data": {}}, format="json")
    assert bad.status_code == 400 and bad.json()["fields"]["township"]
    ok = api_client.post(url, {"name": "assign", "data": {"township": cast.town_a1.pk}, "expected_version": 1},
                         format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "assigned"
    stale = api_client.post(url, {"name": "assign", "data": {"township": cast.town_a1.pk}, "expected_version": 1},
                            format="json")
    assert stale.status_code == 409 and "已被他人处理" in stale.json()["message"]
    refused = api_client.post(url, {"name": "send_opinion", "data": {"sent_date": "2026-01-05"}}, format="json")
    assert refused.status_code == 403 and refused.json()["fields"]["reasons"]
    api_client.force_authenticate(cast.county_b_officer)
    assert api_client.get(url).status_code == 404
    api_client.force_authenticate(cast.portal_a1)
    assert api_client.get(url).status_code == 403


def test_subject_cases_tag(rf, cast):
    from django.template import Context, Template

    services.start_case("coercive_measure", actor=cast.officer_a1, subject=cast.subject_a1, data={
        "measure": "bail", "start_date": timezone.localdate().isoformat(), "authority": "任城公安分局"})
    request = rf.get("/")
    request.user = cast.county_a_officer
    html = Template("{% load workflow_tags %}{% subject_cases subject %}").render(
        Context({"request": request, "subject": cast.subject_a1}))
    assert "刑事强制措施" in html and "登记交付通知" in html
    request.user = cast.county_b_officer
    html = Template("{% load workflow_tags %}{% subject_cases subject %}").render(
        Context({"request": request, "subject": cast.subject_a1}))
    assert "暂无流程案件" in html
