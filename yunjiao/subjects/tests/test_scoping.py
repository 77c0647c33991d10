"""Who sees which subject: every role, pages and API, list/detail/write (404 out of scope)."""

import pytest
from django.urls import reverse

from yunjiao.core.testing import assert_hidden, assert_visible
from yunjiao.subjects.models import Subject

pytestmark = pytest.mark.django_db

# role attribute → subjects (by cast attribute) it must see
VISIBILITY = {
    "city_admin": {"subject_a1", "subject_a2", "subject_b1"},
    "city_officer": {"subject_a1", "subject_a2", "subject_b1"},
    "county_a_head": {"subject_a1", "subject_a2"},
    "county_a_officer": {"subject_a1", "subject_a2"},
    "county_b_officer": {"subject_b1"},
    "officer_a1": {"subject_a1"},
    "officer_a2": {"subject_a2"},
    "officer_b1": {"subject_b1"},
    "social_worker_a1": {"subject_a1"},
    "police_a": set(),  # police liaisons see only subjects of dispatch orders assigned to them
}
ALL = ("subject_a1", "subject_a2", "subject_b1")


@pytest.mark.parametrize("user_attr,visible", VISIBILITY.items())
def test_queryset_scope(cast, user_attr, visible):
    user = getattr(cast, user_attr)
    got = set(Subject.objects.visible_to(user).values_list("pk", flat=True))
    assert got == {getattr(cast, s).pk for s in visible}


@pytest.mark.parametrize("user_attr,visible", [(k, v) for k, v in VISIBILITY.items() if k != "police_a"])
@pytest.mark.parametrize("name", ["subjects:detail", "subjects:edit"])
def test_detail_and_edit_pages(client, cast, user_attr, visible, name):
    user = getattr(cast, user_attr)
    for subject_attr in ALL:
        url = reverse(name, args=[getattr(cast, subject_attr).pk])
        if name == "subjects:edit" and not user.can_write_subjects:
            client.force_login(user)
            assert client.get(url).status_code in (403, 404)
            continue
        if subject_attr in visible:
            assert_visible(client, user, url)
        else:
            assert_hidden(client, user, url)


@pytest.mark.parametrize("user_attr,visible", VISIBILITY.items())
def test_list_page_shows_only_scope(client, cast, user_attr, visible):
    client.force_login(getattr(cast, user_attr))
    response = client.get(reverse("subjects:list"))
    shown = {s.pk for s in response.context["object_list"]}
    assert shown == {getattr(cast, s).pk for s in visible}


@pytest.mark.parametrize("user_attr,visible", [(k, v) for k, v in VISIBILITY.items() if k != "police_a"])
def test_api_list_and_detail(api_client, cast, user_attr, visible):
    api_client.force_authenticate(getattr(cast, user_attr))
    data = api_client.get("/api/v1/subjects/").json()
    assert {r["id"] for r in data["results"]} == {getattr(cast, s).pk for s in visible}
    for subject_attr in ALL:
        status = api_client.get(f"/api/v1/subjects/{getattr(cast, subject_attr).pk}/").status_code
        assert status == (200 if subject_attr in visible else 404)


@pytest.mark.parametrize("user_attr", ["officer_b1", "county_b_officer", "officer_a2"])
def test_api_write_out_of_scope_is_404(api_client, cast, user_attr):
    api_client.force_authenticate(getattr(cast, user_attr))
    r = api_client.patch(f"/api/v1/subjects/{cast.subject_a1.pk}/", {"charges": "诈骗罪"}, format="json")
    assert r.status_code == 404
    cast.subject_a1.refresh_from_db()
    assert cast.subject_a1.charges == "盗窃罪"


def test_portal_account_sees_only_itself(client, api_client, cast):
    assert set(Subject.objects.visible_to(cast.portal_a1)) == {cast.subject_a1}
    client.force_login(cast.portal_a1)
    assert client.get(reverse("subjects:detail", args=[cast.subject_a1.pk])).status_code == 302  # to phone pages
    assert client.get(reverse("portal:home")).status_code == 200
    api_client.force_authenticate(cast.portal_a1)
    assert api_client.get("/api/v1/subjects/").status_code == 403


def test_officer_pages_are_not_for_portal_and_portal_not_for_officers(client, cast):
    client.force_login(cast.officer_a1)
    assert client.get(reverse("portal:home")).status_code == 403


def test_org_tree_scope(cast):
    from yunjiao.orgs.models import Org

    seen = set(Org.objects.visible_to(cast.officer_a1).values_list("code", flat=True))
    assert seen == {"370800", "370811", "370811002"}  # own office plus its ancestors' names
    county = set(Org.objects.visible_to(cast.county_a_officer).values_list("code", flat=True))
    assert "370812" not in county and "370811005" in county


def test_city_users_see_the_whole_tree_but_not_another_root(cast):
    """The city shortcut (no path condition) holds only while the city is the only root of the tree."""
    from yunjiao.core.testing import make_subject
    from yunjiao.orgs.models import Org

    every = set(Subject.objects.values_list("pk", flat=True))
    assert set(Subject.objects.visible_to(cast.city_admin).values_list("pk", flat=True)) == every
    other_city = Org.objects.create(code="370900", name="泰安市司法局", level="city", path="370900")
    county = Org.objects.create(code="370902", name="泰山区司法局", level="county", parent=other_city,
                                path="370900.370902")
    stranger = make_subject(county, name="外市人")
    seen = set(Subject.objects.visible_to(cast.city_admin).values_list("pk", flat=True))
    assert seen == every and stranger.pk not in seen
    assert not Subject.objects.visible_to(cast.city_officer).filter(pk=stranger.pk).exists()
