"""API basics: JSON errors with a stable code and a Chinese message; schema; orgs; me."""

import pytest

pytestmark = pytest.mark.django_db


def test_unauthenticated_gets_json_401(api_client):
    r = api_client.get("/api/v1/subjects/")
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated" and "登录" in r.json()["message"]


def test_validation_error_shape(api_client, cast):
    api_client.force_authenticate(cast.officer_a1)
    r = api_client.post("/api/v1/subjects/", {"name": "张三", "id_number": "12", "township": cast.town_a1.code},
                        format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "validation" and body["message"].startswith("提交的数据有误")
    assert "sex" in body["fields"] or "id_number" in body["fields"]


def test_unknown_org_code(api_client, cast):
    api_client.force_authenticate(cast.officer_a1)
    r = api_client.post("/api/v1/subjects/", {"township": "999999999"}, format="json")
    assert r.status_code == 400 and "不存在" in r.json()["fields"]["township"][0]


def test_create_through_api_then_read(api_client, cast):
    from datetime import date

    from yunjiao.core.testing import make_id_number

    api_client.force_authenticate(cast.officer_a1)
    payload = {"name": "钱进", "sex": "male", "birth_date": "1991-02-03",
               "id_number": make_id_number(region="370811", born=date(1991, 2, 3), sex="male", serial=3),
               "category": "probation", "charges": "危险驾驶罪", "deciding_authority": "任城区人民法院",
               "period_start": "2026-09-01", "period_end": "2027-03-01", "township": cast.town_a1.code,
               "residence_address": "许庄街道"}
    r = api_client.post("/api/v1/subjects/", payload, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert "id_number" not in body and body["id_number_masked"].startswith("3708")
    assert body["status"] == "pending_intake"
    assert api_client.get("/api/v1/subjects/?q=qj").json()["count"] == 1


def test_status_cannot_be_written(api_client, cast):
    api_client.force_authenticate(cast.officer_a1)
    r = api_client.patch(f"/api/v1/subjects/{cast.subject_a1.pk}/", {"status": "discharged"}, format="json")
    assert r.status_code == 200
    cast.subject_a1.refresh_from_db()
    assert cast.subject_a1.status == "in_correction"


def test_orgs_and_me(api_client, cast):
    api_client.force_authenticate(cast.county_a_officer)
    codes = {o["code"] for o in api_client.get("/api/v1/orgs/?page_size=200").json()["results"]}
    assert "370811002" in codes and "370812" not in codes
    me = api_client.get("/api/v1/me/").json()
    assert me["org"] == "370811" and me["role"] == "county_officer"


def test_schema_and_docs(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
