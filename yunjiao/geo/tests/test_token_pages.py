"""设备接口令牌 page: a county officer issues a gateway token for the county (shown once, works on the
location API, audited), a device token for a device in the branch, revokes one (the API then refuses it);
township officers cannot manage tokens, another county's tokens are invisible, bad input gets a Chinese error."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from yunjiao.accounts.models import ApiToken
from yunjiao.audit.models import AuditRecord
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed
from yunjiao.geo import services
from yunjiao.geo.models import LocationFix

pytestmark = pytest.mark.django_db
URL = "/geo/tokens/"


@pytest.fixture
def device(cast):
    return services.register_device(actor=SYSTEM, subject=cast.subject_a1, device_id="WB-77", kind="wristband")


def post_fix(key, device_id="WB-77"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    t = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    return client.post("/api/v1/locations/batch/", {"fixes": [
        {"device_id": device_id, "time": t, "lon": 116.58, "lat": 35.41, "accuracy": 10}]}, format="json")


def test_county_officer_issues_a_gateway_token_shown_once(client, cast, device):
    client.force_login(cast.county_a_officer)
    page = client.post(URL, {"action": "gateway", "org": cast.county_a.pk, "name": "腕带厂商平台"}).content.decode()
    key = page.split('id="new-token">')[1].split("<")[0]
    assert key.startswith("yj_") and "只显示这一次" in page
    token = ApiToken.objects.get(name="腕带厂商平台")
    assert (token.device_id, token.org) == ("*", cast.county_a) and not token.key_hash.startswith("yj_")
    assert AuditRecord.objects.filter(summary__contains="腕带厂商平台").exists()
    assert post_fix(key).json()["accepted"] == 1
    assert key not in client.get(URL).content.decode()  # listed by prefix only afterwards


def test_device_token_and_revocation(client, cast, device):
    client.force_login(cast.county_a_officer)
    page = client.post(URL, {"action": "device", "device_id": "WB-77"}).content.decode()
    key = page.split('id="new-token">')[1].split("<")[0]
    assert post_fix(key).status_code == 200 and LocationFix.objects.count() == 1
    token = ApiToken.objects.get(device_id="WB-77")
    client.post(URL, {"action": "revoke", "token": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None and post_fix(key).status_code in (401, 403)


def test_roles_scope_and_bad_input(client, cast, device):
    client.force_login(cast.officer_a1)
    assert client.get(URL).status_code == 403  # township office: asks its county
    with pytest.raises(NotAllowed):
        services.issue_gateway_token(actor=cast.officer_a1, org=cast.town_a1, name="x")
    b_key = services.issue_gateway_token(actor=cast.county_b_officer, org=cast.county_b, name="兖州平台")
    assert b_key
    client.force_login(cast.county_a_officer)
    assert "兖州平台" not in client.get(URL).content.decode()
    other = ApiToken.objects.get(name="兖州平台")
    assert client.post(URL, {"action": "revoke", "token": other.pk}).status_code == 404
    with pytest.raises(NotAllowed):
        services.issue_gateway_token(actor=cast.county_a_officer, org=cast.county_b, name="越权")
    r = client.post(URL, {"action": "gateway", "org": cast.county_a.pk, "name": ""}, follow=True)
    assert "请填写令牌名称" in r.content.decode()
    r = client.post(URL, {"action": "device", "device_id": "NOPE"}, follow=True)
    assert "未找到该设备" in r.content.decode()
    assert not ApiToken.objects.filter(org=cast.county_a).exists()
    client.force_login(cast.city_admin)
    assert "兖州平台" in client.get(URL).content.decode()
