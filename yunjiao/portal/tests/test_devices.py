"""One phone per portal account: first use binds, another phone is refused, an officer resets (audited)."""

import pytest
from django.test import Client

from yunjiao.accounts.models import ApiToken
from yunjiao.accounts.services import issue_token, token_for_key
from yunjiao.audit.models import Action, AuditRecord
from yunjiao.portal import services
from yunjiao.portal.models import PortalDevice

pytestmark = pytest.mark.django_db

PASSWORD = "Yunjiao#2026test"


def login(client, user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})


def test_first_login_binds_the_phone_and_the_same_phone_keeps_working(cast):
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 10; Redmi 9A)")
    response = login(phone, cast.portal_a1)
    assert response.status_code == 302 and response["Location"] == "/m/"
    cookie = response.cookies[services.DEVICE_COOKIE]
    assert cookie["httponly"] and int(cookie["max-age"]) > 300 * 24 * 3600
    device = PortalDevice.objects.get(user=cast.portal_a1)
    assert device.is_active and "Redmi 9A" in device.user_agent
    assert len(cookie.value) == 64 and cookie.value not in device.key_digest  # only a keyed digest stored
    cast.portal_a1.refresh_from_db()
    assert cast.portal_a1.bound_device_id == device.device_id
    assert AuditRecord.objects.filter(action=Action.CREATE, summary__contains="绑定手机").count() == 1
    assert "今日任务" in phone.get("/m/").content.decode()
    # a later login on the same phone is fine and binds nothing new
    phone.post("/accounts/logout/")
    assert login(phone, cast.portal_a1)["Location"] == "/m/"
    assert phone.get("/m/").status_code == 200
    assert PortalDevice.objects.filter(user=cast.portal_a1).count() == 1


def test_login_from_another_phone_is_refused_with_the_reason(cast):
    login(Client(), cast.portal_a1)
    other = Client()
    response = login(other, cast.portal_a1)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = other.get(response["Location"]).content.decode()
    assert "已绑定另一部手机" in page and "联系您的矫正工作人员" in page
    assert other.get("/m/").status_code == 302  # signed out
    assert "_auth_user_id" not in other.session
    assert PortalDevice.objects.filter(user=cast.portal_a1).count() == 1
    assert AuditRecord.objects.filter(action=Action.LOGIN_FAILED, summary__contains="未绑定的手机").exists()


def test_api_from_another_phone_is_a_json_refusal(cast, phone):
    other = Client()
    other.force_login(cast.portal_a1)  # a stolen / copied session without the phone's cookie
    response = other.post("/api/v1/checkins/start/")
    assert response.status_code == 403
    assert response.json()["code"] == "device_not_bound" and "解除绑定" in response.json()["message"]


def test_officers_are_not_bound(cast):
    client = Client()
    client.force_login(cast.officer_a1)
    assert client.get("/").status_code in (200, 302)
    assert not PortalDevice.objects.exists()


def test_officer_resets_the_binding_and_the_next_phone_binds(cast, phone):
    device = PortalDevice.objects.get(user=cast.portal_a1)
    _, key = issue_token(actor=cast.officer_a1, name="手机", kind=ApiToken.Kind.DEVICE, org=cast.town_a1,
                         user=cast.portal_a1, device_id=device.device_id)
    officer = Client()
    officer.force_login(cast.officer_a1)
    tab = officer.get(f"/m/devices/{cast.subject_a1.pk}/").content.decode()
    assert device.device_id in tab and "解除绑定" in tab
    # the reason is required
    officer.post(f"/m/devices/{cast.subject_a1.pk}/reset/", {"reason": " "})
    assert PortalDevice.objects.get(pk=device.pk).is_active
    response = officer.post(f"/m/devices/{cast.subject_a1.pk}/reset/", {"reason": "更换手机"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert not device.is_active and device.released_by == cast.officer_a1 and device.release_reason == "更换手机"
    assert token_for_key(key) is None  # the old phone's device token is revoked
    cast.portal_a1.refresh_from_db()
    assert cast.portal_a1.bound_device_id == ""
    assert AuditRecord.objects.filter(action=Action.UPDATE, summary__contains="解除手机绑定").exists()
    # the old phone's session is refused now; a new phone binds
    assert phone.get("/m/").status_code == 302
    new_phone = Client()
    assert login(new_phone, cast.portal_a1)["Location"] == "/m/"
    active = PortalDevice.objects.get(user=cast.portal_a1, released_at__isnull=True)
    assert active.pk != device.pk
    assert PortalDevice.objects.filter(user=cast.portal_a1).count() == 2  # history kept


def test_reset_is_scoped_to_the_officers_branch(cast, phone):
    for user, expected in ((cast.officer_b1, 404), (cast.social_worker_a1, 403)):
        client = Client()
        client.force_login(user)
        assert client.post(f"/m/devices/{cast.subject_a1.pk}/reset/", {"reason": "x"}).status_code == expected
    assert PortalDevice.objects.get(user=cast.portal_a1).is_active
    with pytest.raises(services.NotAllowed):
        services.reset_device(cast.portal_a1, actor=cast.officer_b1, reason="越权")
