"""Login page, lockout (5 failures / 15 min), password policy, idle timeout, last-login display, tokens."""

import pytest
from django.conf import settings
from django.urls import reverse

from yunjiao.accounts import services
from yunjiao.accounts.models import ApiToken
from yunjiao.accounts.passwords import policy_errors
from yunjiao.core.errors import ServiceError
from yunjiao.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "登 录" in body and "用户名" in body and "密码" in body


def test_login_then_last_login_is_displayed(client, cast):
    r = client.post(reverse("accounts:login"), {"username": "officer_a1", "password": PASSWORD})
    assert r.status_code == 302
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": "officer_a1", "password": PASSWORD})
    page = client.get(reverse("core:workbench")).content.decode()
    assert "上次登录" in page


def test_five_failures_lock_the_account(client, cast):
    for _ in range(5):
        r = client.post(reverse("accounts:login"), {"username": "officer_a1", "password": "wrong-password"})
    r = client.post(reverse("accounts:login"), {"username": "officer_a1", "password": PASSWORD})
    assert r.status_code == 429
    assert "锁定" in r.content.decode()
    assert client.get(reverse("core:workbench")).status_code == 302  # still not logged in


def test_wrong_password_message_is_chinese(client, cast):
    r = client.post(reverse("accounts:login"), {"username": "officer_a1", "password": "nope"})
    assert "用户名或密码错误" in r.content.decode()


@pytest.mark.parametrize("password,ok", [
    ("Short1!", False), ("alllowercaseletters", False), ("lowercase123", False), ("Lowercase123", True),
    ("lower-case-123", True), ("UPPER_CASE_ABC", False), ("Yunjiao@2026", True),
])
def test_password_policy(password, ok):
    assert (policy_errors(password) == []) is ok


def test_weak_password_refused_when_creating_officer(cast):
    with pytest.raises(ServiceError):
        services.create_officer(actor=cast.city_admin, username="new1", password="password", role="township_officer",
                                org=cast.town_a1)


def test_role_must_match_org_level(cast):
    with pytest.raises(ServiceError):
        services.create_officer(actor=cast.city_admin, username="new2", password="Strong#Pass99",
                                role="township_officer", org=cast.county_a)


def test_idle_timeout_is_30_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST


def test_user_token_authenticates_and_is_scoped(api_client, cast):
    _, key = services.issue_token(actor=cast.officer_a1, name="脚本", kind=ApiToken.Kind.USER,
                                  user=cast.officer_a1, org=cast.town_a1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    data = api_client.get("/api/v1/subjects/").json()
    assert [r["id"] for r in data["results"]] == [cast.subject_a1.pk]
    assert ApiToken.objects.get(prefix=key[:8]).key_hash != key  # only the hash is stored


def test_bad_and_revoked_tokens_are_refused_with_json(api_client, cast):
    api_client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    r = api_client.get("/api/v1/subjects/")
    assert r.status_code == 401 and r.json()["code"] == "authentication_failed"
    token, key = services.issue_token(actor=cast.officer_a1, name="x", kind="user", user=cast.officer_a1,
                                      org=cast.town_a1)
    services.revoke_token(token, actor=cast.officer_a1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/subjects/").status_code == 401


def test_device_token_is_not_an_officer(api_client, cast):
    _, key = services.issue_token(actor=cast.county_a_officer, name="网关", kind="device", device_id="GW-1",
                                  org=cast.county_a)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/subjects/").status_code in (401, 403)
