"""等保 controls, each proven by behaviour: previous-login display, lockout window, password policy on every
path that sets a password, and the 30-minute idle timeout."""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from yunjiao.accounts import services
from yunjiao.accounts.models import User
from yunjiao.core.errors import ServiceError
from yunjiao.core.testing import PASSWORD

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def login(client, username="officer_a1", password=PASSWORD, ip="10.0.0.9"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- previous login ----------------------------------------------------------------------------------------

def test_page_shows_the_previous_login_not_the_current_one(client, cast):
    assert login(client, ip="10.1.1.1").status_code == 302
    user = User.objects.get(username="officer_a1")
    assert user.previous_login_at is None and user.last_login is not None  # first login: nothing before
    assert "上次登录" not in client.get(reverse("core:workbench")).content.decode()
    client.post(reverse("accounts:logout"))
    earlier = datetime(2026, 1, 2, 3, 4, tzinfo=SHANGHAI)
    User.objects.filter(pk=user.pk).update(last_login=earlier)
    assert login(client, ip="10.2.2.2").status_code == 302
    user.refresh_from_db()
    assert user.previous_login_at == earlier and user.previous_login_ip == "10.1.1.1"
    assert timezone.now() - user.last_login < timedelta(minutes=1) and user.last_login_ip == "10.2.2.2"
    page = client.get(reverse("core:workbench")).content.decode()
    assert "上次登录 2026-01-02 03:04" in page and "10.1.1.1" in page
    assert timezone.localtime().strftime("%Y-%m-%d %H:%M") not in page.split("上次登录")[1][:30]


def test_previous_login_survives_djangos_login_signal(client, cast):
    """Django's own update_last_login receiver would stamp last_login before ours reads it."""
    from django.contrib.auth import user_logged_in
    from django.contrib.auth.models import update_last_login

    refs = [entry[1] for entry in user_logged_in.receivers]
    assert update_last_login not in [r() if isinstance(r, weakref.ReferenceType) else r for r in refs]
    login(client)
    client.post(reverse("accounts:logout"))
    first = User.objects.get(username="officer_a1").last_login
    login(client)
    assert User.objects.get(username="officer_a1").previous_login_at == first


# --- lockout: 5 failures within 15 minutes --------------------------------------------------------------

def _fail(client, n, username="officer_a1"):
    for _ in range(n):
        login(client, username=username, password="wrong-password-1")


def _age_attempts(minutes):
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


def test_four_failures_do_not_lock(client, cast):
    _fail(client, 4)
    assert login(client).status_code == 302


def test_fifth_failure_locks_even_with_the_right_password(client, cast):
    _fail(client, 5)
    r = login(client)
    assert r.status_code == 429 and "锁定 15 分钟" in r.content.decode()
    assert client.get(reverse("core:workbench")).status_code == 302
    # other accounts are not affected (lockout is per username, not per office NAT address)
    assert login(client, username="officer_a2").status_code == 302


def test_lock_lifts_after_15_minutes(client, cast):
    _fail(client, 5)
    _age_attempts(14)
    assert login(client).status_code == 429
    _age_attempts(16)
    assert login(client).status_code == 302


def test_failures_older_than_15_minutes_do_not_count(client, cast):
    _fail(client, 4)
    _age_attempts(16)
    _fail(client, 1)
    assert login(client).status_code == 302


def test_lockout_and_failures_are_audited(client, cast):
    from yunjiao.audit.models import AuditRecord

    _fail(client, 6)
    rows = AuditRecord.objects.filter(action="login_failed")
    assert rows.count() >= 6 and any("账号已锁定" in r.summary for r in rows)


# --- password policy on every path -----------------------------------------------------------------------

@pytest.mark.parametrize("password,reason", [
    ("Ab1!short", "10"),            # 9 characters
    ("abcdefghijk", "三类"),        # one class
    ("abcdefghij12", "三类"),       # two classes
    ("ABCDEFGH-123", None),         # upper, digit, symbol
    ("Yunjiao#2026", None),
])
def test_policy_when_creating_officers_and_portal_accounts(cast, password, reason):
    for n, make in enumerate([
        lambda u: services.create_officer(actor=cast.city_admin, username=u, password=password,
                                          role="township_officer", org=cast.town_a1),
        lambda u: services.create_portal_account(actor=cast.officer_a2, subject=cast.subject_a2, username=u,
                                                 password=password),
    ]):
        username = f"pw{n}_{abs(hash(password)) % 10**6}"
        if reason is None:
            assert make(username).check_password(password)
        else:
            with pytest.raises(ServiceError) as exc:
                make(username)
            assert exc.value.code == "weak_password" and reason in exc.value.message
            assert not User.objects.filter(username=username).exists()


# --- idle timeout ---------------------------------------------------------------------------------------------

def _session():
    return Session.objects.get()


def test_each_request_extends_the_session_by_30_minutes(client, cast):
    login(client)
    client.get(reverse("core:workbench"))
    left = _session().expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_idle_for_31_minutes_means_login_again(client, cast):
    login(client)
    assert client.get(reverse("core:workbench")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))  # 30 minutes without a request
    r = client.get(reverse("core:workbench"))
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]


def test_activity_within_30_minutes_keeps_the_session(client, cast):
    login(client)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))  # 29 minutes idle
    assert client.get(reverse("core:workbench")).status_code == 200
    assert _session().expire_date - timezone.now() > timedelta(minutes=29)
