"""三级预警: escalation with a controllable clock, every step in the audit chain, scope of who may raise."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yunjiao.anomalies import services as anomalies
from yunjiao.anomalies.models import Anomaly
from yunjiao.audit.models import AuditRecord
from yunjiao.audit.services import verify_chain
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.testing import assert_hidden, make_user
from yunjiao.notifications.models import Message
from yunjiao.risk import services, warnings
from yunjiao.risk.models import Warning
from yunjiao.subjects.models import Subject


def inbox(user):
    return list(Message.objects.filter(recipient=user).values_list("title", flat=True))


def audit_trail(w):
    return list(AuditRecord.objects.filter(object_type="risk.Warning", object_id=str(w.pk)).order_by("seq")
                .values_list("summary", flat=True))


def test_unacknowledged_warning_escalates_tier_by_tier(cast):
    t0 = timezone.now().replace(microsecond=0)
    w = warnings.raise_warning(level="blue", kind="other", title="未按时报告", subject=cast.subject_a1,
                               actor=cast.officer_a1, now=t0)
    assert (w.tier, w.ack_due_at) == (0, t0 + timedelta(minutes=240))
    assert inbox(cast.officer_a1) and not inbox(cast.county_a_officer)
    # nothing happens before the limit
    assert warnings.scan_warnings(now=t0 + timedelta(minutes=240)) == 0
    # 1st limit passes: county is told
    assert warnings.scan_warnings(now=t0 + timedelta(minutes=241)) == 1
    w.refresh_from_db()
    assert (w.tier, w.escalation_count) == (1, 1)
    assert w.ack_due_at == t0 + timedelta(minutes=241 + 240)
    assert any("逐级上报" in t for t in inbox(cast.county_a_head))
    assert not inbox(cast.city_officer)
    # 2nd: city; 3rd: police liaison room of the county
    warnings.scan_warnings(now=t0 + timedelta(minutes=482))
    warnings.scan_warnings(now=t0 + timedelta(minutes=723))
    w.refresh_from_db()
    assert w.tier == 3 and w.tier_label == "警务联络室"
    assert inbox(cast.city_officer) and inbox(cast.police_a)
    assert not inbox(cast.county_b_officer) and not inbox(cast.officer_b1)
    # the police liaison can now see and acknowledge it
    assert Warning.objects.visible_to(cast.police_a).filter(pk=w.pk).exists()
    warnings.acknowledge(w, actor=cast.police_a, now=t0 + timedelta(minutes=730))
    w.refresh_from_db()
    assert w.report_due_at == t0 + timedelta(minutes=730, hours=24)
    trail = audit_trail(w)
    assert trail[0].startswith("蓝色预警·发布")
    assert sum("逐级上报至" in s for s in trail) == 3
    assert sum("通知：" in s for s in trail) == 4
    assert trail[-1].startswith("蓝色预警·已响应")
    broken, checked = verify_chain()
    assert broken is None and checked >= len(trail)


def test_report_back_overdue_escalates_once_and_closing_needs_report(cast):
    t0 = timezone.now()
    w = warnings.raise_warning(level="yellow", kind="other", title="多次越界", subject=cast.subject_a1,
                               actor=cast.officer_a1, now=t0)
    assert w.tier == 1  # yellow starts at the county
    warnings.acknowledge(w, actor=cast.county_a_officer, now=t0 + timedelta(minutes=5))
    with pytest.raises(ServiceError):
        warnings.close(w, actor=cast.officer_a1, closing_report="")
    t1 = t0 + timedelta(minutes=5, hours=12, seconds=1)
    assert warnings.scan_warnings(now=t1) == 1
    assert warnings.scan_warnings(now=t1 + timedelta(hours=1)) == 0
    w.refresh_from_db()
    assert w.report_overdue and w.tier == 2
    warnings.report_back(w, actor=cast.officer_a1, text="已找到本人，批评教育", now=t1)
    warnings.close(w, actor=cast.officer_a1, closing_report="越界系走错路，已训诫，加强核查", now=t1)
    w.refresh_from_db()
    assert w.state == "closed"
    assert audit_trail(w)[-1].startswith("黄色预警·办结")


def test_township_cannot_raise_red_warning_for_another_townships_subject(cast):
    with pytest.raises(NotAllowed, match="不属于本单位管辖"):
        warnings.raise_warning(level="red", kind="violence_threat", title="扬言报复", subject=cast.subject_a2,
                               actor=cast.officer_a1)
    with pytest.raises(NotAllowed):
        warnings.raise_warning(level="red", kind="violence_threat", title="扬言报复", subject=cast.subject_b1,
                               actor=cast.county_a_officer)
    with pytest.raises(NotAllowed):
        warnings.raise_warning(level="red", kind="mass_incident", title="聚集", org=cast.town_a2,
                               actor=cast.officer_a1)
    with pytest.raises(NotAllowed):
        warnings.raise_warning(level="red", kind="other", title="x", subject=cast.subject_a1, actor=cast.police_a)
    w = warnings.raise_warning(level="red", kind="violence_threat", title="扬言报复", subject=cast.subject_a1,
                               actor=cast.officer_a1)
    assert w.tier == 2 and inbox(cast.city_admin)


def test_township_cannot_raise_red_warning_through_the_page(client, cast):
    client.force_login(cast.officer_a1)
    r = client.post(reverse("risk:warning_new"), {"level": "red", "kind": "violence_threat", "title": "扬言报复",
                                                  "subject": cast.subject_a2.pk})
    assert r.status_code == 302 and not Warning.objects.exists()


def test_anomalies_raise_warnings_automatically(cast, django_capture_on_commit_callbacks):
    key = cast.subject_a1
    Subject.objects.filter(pk=key.pk).update(is_key_subject=True)
    with django_capture_on_commit_callbacks(execute=True):
        anomalies.raise_anomaly(key, kind="lost_contact", summary="失联")
    w = Warning.objects.get(subject=key)
    assert (w.level, w.source) == ("red", "auto") and "重点管控对象失联" in w.title
    # repeated boundary exits → yellow; a single one → none
    with django_capture_on_commit_callbacks(execute=True):
        anomalies.raise_anomaly(cast.subject_a2, kind="boundary_exit", summary="越界1")
    assert not Warning.objects.filter(subject=cast.subject_a2).exists()
    with django_capture_on_commit_callbacks(execute=True):
        anomalies.raise_anomaly(cast.subject_a2, kind="boundary_exit", summary="越界2")
    assert Warning.objects.get(subject=cast.subject_a2).level == "yellow"


def test_periodic_scan_raises_blue_then_upgrades_lost_contact(cast):
    t0 = timezone.now()
    a = anomalies.raise_anomaly(cast.subject_b1, kind="checkin_missed", summary="未按时核查", at=t0)
    assert warnings.scan_anomalies(now=t0 + timedelta(hours=1)) == 0
    warnings.scan_anomalies(now=a.due_at + timedelta(minutes=1))
    w = Warning.objects.get(anomaly=a)
    assert w.level == "blue"
    warnings.scan_anomalies(now=a.due_at + timedelta(minutes=2))
    assert Warning.objects.filter(anomaly=a).count() == 1  # one warning per anomaly
    lost = anomalies.raise_anomaly(cast.subject_b1, kind="lost_contact", summary="失联", at=t0)
    warnings.scan_anomalies(now=t0 + timedelta(hours=1))
    assert not Warning.objects.filter(anomaly=lost).exists()  # within its 2-hour disposal limit
    warnings.scan_anomalies(now=t0 + timedelta(hours=3))
    lw = Warning.objects.get(anomaly=lost)
    assert lw.level == "blue"  # not disposed in time
    warnings.scan_anomalies(now=t0 + timedelta(hours=12, minutes=1))
    lw.refresh_from_db()
    assert lw.level == "yellow" and lw.tier == 1
    assert any("升为黄色预警" in s for s in audit_trail(lw))


def test_escalation_target_warning_from_anomaly_page(cast):
    a = anomalies.raise_anomaly(cast.subject_a1, kind="phone_separation", summary="疑似人机分离")
    anomalies.escalate(a, actor=cast.officer_a1, target="warning", note="多次人机分离，需县局关注")
    a = Anomaly.objects.get(pk=a.pk)
    w = Warning.objects.get(anomaly=a)
    assert a.escalation_ref == f"warning:{w.pk}" and w.level == "yellow" and w.raised_by == cast.officer_a1


def test_board_page_and_htmx_partial_are_scoped(client, cast):
    w = warnings.raise_warning(level="yellow", kind="other", title="甲预警", subject=cast.subject_a1,
                               actor=SYSTEM)
    client.force_login(cast.county_a_officer)
    page = client.get(reverse("risk:board")).content.decode()
    assert "甲预警" in page and 'hx-trigger="every 15s"' in page
    partial = client.get(reverse("risk:board"), HTTP_HX_REQUEST="true").content.decode()
    assert "甲预警" in partial and "<html" not in partial and "剩余" in partial
    client.force_login(cast.county_b_officer)
    assert "甲预警" not in client.get(reverse("risk:board")).content.decode()
    assert_hidden(client, cast.officer_b1, reverse("risk:warning_detail", args=[w.pk]))
    assert_hidden(client, cast.police_a, reverse("risk:warning_detail", args=[w.pk]))  # not yet at police tier


def test_warning_detail_actions_through_the_page(client, cast):
    w = warnings.raise_warning(level="blue", kind="other", title="乙", subject=cast.subject_a1, actor=SYSTEM)
    client.force_login(cast.officer_a1)
    url = reverse("risk:warning_detail", args=[w.pk])
    client.post(url, {"action": "acknowledge"})
    client.post(url, {"action": "report", "text": "已电话联系"})
    client.post(url, {"action": "close", "text": "情况已查明"})
    w.refresh_from_db()
    assert w.state == "closed" and [e.kind for e in w.events.all()][-3:] == ["acknowledged", "reported", "closed"]


def test_workbench_widget_counts_open_warnings(client, cast):
    warnings.raise_warning(level="red", kind="other", title="丙", subject=cast.subject_a1, actor=SYSTEM)
    client.force_login(cast.officer_a1)
    assert "未办结预警（红色 1）" in client.get("/").content.decode()
    services.default_ruleset()
    other = make_user("police_b", "police_liaison", cast.county_b)
    client.force_login(other)
    assert client.get(reverse("risk:board")).status_code == 200


def test_periodic_jobs_call_the_services(cast):
    from yunjiao.dispatch.jobs import remind_overdue_orders
    from yunjiao.risk.jobs import evaluate_key_subjects_daily, scan_warnings_job

    a = anomalies.raise_anomaly(cast.subject_a1, kind="lost_contact", summary="失联",
                                at=timezone.now() - timedelta(hours=13))
    scan_warnings_job()  # huey runs immediately in tests
    assert Warning.objects.get(anomaly=a).level == "yellow"
    evaluate_key_subjects_daily()
    assert cast.subject_a1.risk_proposals.filter(kind="key", new_value="yes").exists()
    remind_overdue_orders()


def test_api_warning_act_and_proposal_decide(api_client, cast):
    w = warnings.raise_warning(level="yellow", kind="other", title="接口预警", subject=cast.subject_a1, actor=SYSTEM)
    api_client.force_authenticate(cast.officer_b1)
    assert api_client.get(f"/api/v1/risk/warnings/{w.pk}/").status_code == 404
    api_client.force_authenticate(cast.officer_a1)
    r = api_client.post(f"/api/v1/risk/warnings/{w.pk}/act/", {"action": "acknowledge"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    r = api_client.post(f"/api/v1/risk/warnings/{w.pk}/act/", {"action": "close", "text": ""}, format="json")
    assert r.status_code == 400 and "办结报告" in str(r.json())
    services.evaluate_subject(cast.subject_a1)
    p = cast.subject_a1.risk_proposals.get(state="pending", kind="level")
    r = api_client.post(f"/api/v1/risk/proposals/{p.pk}/decide/", {"approve": False}, format="json")
    assert r.status_code == 400 and "理由" in str(r.json())
    r = api_client.post(f"/api/v1/risk/proposals/{p.pk}/decide/", {"approve": False, "reason": "再观察一个月"},
                        format="json")
    assert r.status_code == 200 and r.json()["state"] == "overridden"
