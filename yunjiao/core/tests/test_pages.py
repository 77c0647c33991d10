"""Smoke of every officer page for every role, and workbench counts that match the scope."""

import pytest
from django.urls import reverse

from yunjiao.core.testing import make_subject
from yunjiao.subjects.choices import Status

pytestmark = pytest.mark.django_db

PAGES = ["core:workbench", "subjects:list", "subjects:create", "orgs:list", "audit:list", "accounts:tokens"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_for_every_officer(client, cast, page):
    for user in cast.officers:
        client.force_login(user)
        status = client.get(reverse(page)).status_code
        assert status in (200, 403), (user.username, page, status)


def test_workbench_counts_match_scope(client, cast):
    make_subject(cast.town_a1, name="周一", status=Status.PENDING_INTAKE)
    make_subject(cast.town_b1, name="周二", status=Status.LOST_CONTACT)
    make_subject(cast.town_a2, name="周三", status=Status.DISCHARGED)
    expected = {  # user → (in_correction, pending, lost, total)
        cast.officer_a1: (1, 1, 0, 2),
        cast.county_a_officer: (2, 1, 0, 4),
        cast.officer_b1: (1, 0, 1, 2),
        cast.city_admin: (3, 1, 1, 6),
    }
    for user, (in_corr, pending, lost, total) in expected.items():
        client.force_login(user)
        counts = client.get(reverse("core:workbench")).context["counts"]
        assert (counts["in_correction"], counts["pending"], counts["lost"], counts["total"]) == \
            (in_corr, pending, lost, total), user.username


def test_county_workbench_breaks_down_by_township(client, cast):
    client.force_login(cast.county_a_officer)
    rows = {r["org"].code: r["active"] for r in client.get(reverse("core:workbench")).context["breakdown"]}
    assert rows["370811002"] == 1 and rows["370811005"] == 1


def test_create_form_errors_are_chinese_and_store_nothing(client, cast):
    from yunjiao.subjects.models import Subject

    client.force_login(cast.officer_a1)
    before = Subject.objects.count()
    r = client.post(reverse("subjects:create"), {
        "name": "测试", "sex": "male", "birth_date": "1990-01-01", "id_number": "123",
        "category": "probation", "charges": "盗窃罪", "deciding_authority": "法院", "period_start": "2026-05-01",
        "period_end": "2026-04-01", "township": cast.town_a1.pk, "residence_address": "某地",
        "nationality": "0101", "id_type": "resident_id", "ethnicity": "汉族", "deciding_authority_type": "court",
        "supervision_level": "strict", "risk_level": "medium",
    })
    body = r.content.decode()
    assert r.status_code == 200 and "18位" in body and "矫正结束日期必须晚于起始日期" in body
    assert Subject.objects.count() == before


def test_unknown_org_is_refused(client, cast):
    client.force_login(cast.officer_a1)
    r = client.post(reverse("subjects:create"), {"township": 999999, "name": "测试"})
    assert "所选司法所不存在或不在您的管辖范围内" in r.content.decode()


def test_excel_export_is_scoped(client, cast):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(cast.officer_a1)
    r = client.get(reverse("subjects:list") + "?export=xlsx")
    ws = load_workbook(BytesIO(r.content)).active
    names = [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert names == ["李明"]
