"""Fitting a wristband (电子定位 step 佩戴装置并告知) makes sure something may report its fixes: under a gateway token
of the branch nothing is issued; otherwise a device token bound to the wristband is issued through the geo
services and shown once to the officer who fitted it (never stored in clear, audited).  Removing the wristband
— early, or because supervision ended (解除/终止) — revokes that token."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from yunjiao.accounts.models import ApiToken
from yunjiao.accounts.services import token_for_key
from yunjiao.audit.models import AuditRecord
from yunjiao.core.actors import SYSTEM
from yunjiao.geo import services as geo
from yunjiao.workflows import services as wf

from .conftest import inside_point
from .test_supervision_end import _discharge
from .test_workflow import approve, propose

TODAY = timezone.localdate


def _fit(cast, device_id="WB-TOK"):
    case = approve(cast, propose(cast))
    return wf.fire(case, "fit_device", actor=cast.officer_a1,
                   data={"device_id": device_id, "fitted_on": TODAY().isoformat()})


def _fix(device_id):
    lon, lat = inside_point()
    return [{"device_id": device_id, "time": (timezone.now() - timedelta(minutes=1)).isoformat(), "lon": lon,
             "lat": lat, "accuracy": 10}]


def test_fitting_issues_a_device_token_shown_once(cast):
    case = _fit(cast)
    key = case.shown_once["key"]
    token = token_for_key(key)
    assert token.kind == ApiToken.Kind.DEVICE and token.device_id == "WB-TOK"
    assert token.org == cast.subject_a1.execution_org
    assert key not in str(case.data) and token.key_hash != key  # never stored in clear
    assert AuditRecord.objects.filter(summary__contains="签发设备接口令牌", actor_id=cast.officer_a1.pk).exists()
    result = geo.ingest_fixes(_fix("WB-TOK"), device_token=token)
    assert result.accepted == 1, result.rejected


def test_under_a_gateway_token_no_device_token_is_issued(cast):
    geo.issue_gateway_token(actor=cast.county_a_officer, org=cast.subject_a1.execution_org, name="腕带厂商平台")
    case = _fit(cast)
    assert getattr(case, "shown_once", None) is None
    assert not ApiToken.objects.filter(device_id="WB-TOK").exists()


def test_the_fire_page_shows_the_token_once(cast, client):
    case = approve(cast, propose(cast))
    client.force_login(cast.officer_a1)
    r = client.post(reverse("workflows:fire", args=[case.pk, "fit_device"]),
                    {"device_id": "WB-WEB", "fitted_on": TODAY().isoformat(), "version": case.version})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    page = r.content.decode()
    assert "只显示这一次" in page
    key = page.split('id="secret-key">')[1].split("<")[0]
    assert token_for_key(key).device_id == "WB-WEB"
    assert key not in client.get(reverse("workflows:case", args=[case.pk])).content.decode()


def test_discharge_revokes_the_wristband_token(cast):
    case = _fit(cast)
    token = token_for_key(case.shown_once["key"])
    _discharge(cast, cast.subject_a1)
    token.refresh_from_db()
    assert token.revoked_at is not None
    case.refresh_from_db()
    assert (case.state, case.data["removal_reason"]) == ("ended", "矫正期满解除")
    assert AuditRecord.objects.filter(summary__contains="吊销其设备接口令牌").exists()
    result = geo.ingest_fixes(_fix("WB-TOK"), actor=SYSTEM)
    assert result.accepted == 0 and result.rejected[0]["code"] == "unknown_device"


def test_termination_ends_monitoring_frees_the_wristband_and_revokes_its_token(cast):
    case = _fit(cast)
    token = token_for_key(case.shown_once["key"])
    death = wf.start_case("termination", "report_death", actor=cast.county_a_officer, subject=cast.subject_a1, data={
        "death_date": TODAY().isoformat(), "reported_on": TODAY().isoformat(), "cause": "疾病"})
    wf.fire(death, "notify_death", actor=cast.county_a_officer, data={"notified_on": TODAY().isoformat()})
    case.refresh_from_db()
    token.refresh_from_db()
    assert (case.state, case.is_closed, case.data["removal_reason"]) == ("ended", True, "矫正终止")
    assert token.revoked_at is not None
    assert not geo.ingest_fixes(_fix("WB-TOK"), actor=SYSTEM).accepted
