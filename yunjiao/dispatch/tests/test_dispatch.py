"""派单式用警: the declared transition table, the whole life of an order, scoping of the police liaison."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from yunjiao.anomalies import services as anomalies
from yunjiao.anomalies.models import Anomaly
from yunjiao.audit.models import AuditRecord
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.testing import assert_hidden, assert_visible, make_user
from yunjiao.dispatch import rules, services
from yunjiao.dispatch.models import DispatchOrder
from yunjiao.notifications.models import Message
from yunjiao.subjects.models import Subject

R, L = rules.REQUESTER, rules.LIAISON


@pytest.mark.parametrize("state,code,side,data,ok", [
    ("draft", "submit", R, {}, True),
    ("draft", "submit", L, {}, False),          # only the requesting unit submits
    ("draft", "accept", L, {}, False),          # cannot accept a draft
    ("submitted", "accept", L, {}, True),
    ("submitted", "accept", R, {}, False),
    ("submitted", "accept", None, {}, False),   # a stranger
    ("submitted", "return", L, {}, False),      # a return needs a reason
    ("submitted", "return", L, {"reason": "信息不全"}, True),
    ("returned", "submit", R, {}, True),
    ("accepted", "dispatch", L, {}, False),     # officers must be named
    ("accepted", "dispatch", L, {"officers": "张警官、王警官"}, True),
    ("dispatched", "arrive", L, {}, True),
    ("on_site", "complete", L, {"result": "已找到并带回"}, True),
    ("on_site", "complete", L, {}, False),
    ("completed", "evaluate", R, {"score": 5}, True),
    ("completed", "evaluate", R, {"score": 9}, False),
    ("completed", "evaluate", L, {"score": 5}, False),  # the police do not grade themselves
    ("evaluated", "evaluate", R, {"score": 4}, False),
    ("accepted", "cancel", R, {"reason": "x"}, False),  # too late to cancel once accepted
])
def test_transition_table(state, code, side, data, ok):
    reasons = rules.refusal_reasons(state, code, side=side, data=data)
    assert (reasons == []) is ok, reasons
    assert all(isinstance(r, str) and r.endswith("。") for r in reasons)


def make_order(cast, **kw):
    args = dict(actor=cast.officer_a1, subject=cast.subject_a1, order_type="search", urgency="urgent",
                place="许庄街道某某村", requested_time=timezone.now() + timedelta(hours=1), officers_needed=2)
    args.update(kw)
    return services.create_order(**args)


def test_whole_life_with_audit_events_and_notifications(cast):
    t0 = timezone.now()
    o = make_order(cast, now=t0)
    assert o.state == "draft" and o.liaison_org == cast.county_a and o.number.startswith("PD")
    assert not DispatchOrder.objects.visible_to(cast.police_a).filter(pk=o.pk).exists()  # drafts stay private
    steps = [(cast.officer_a1, "submit", {}), (cast.police_a, "accept", {}),
             (cast.police_a, "dispatch", {"officers": "张警官、王警官"}), (cast.police_a, "arrive", {}),
             (cast.police_a, "complete", {"result": "已找到本人并带回司法所"}),
             (cast.officer_a1, "evaluate", {"score": 5, "comment": "响应迅速"})]
    for i, (actor, code, data) in enumerate(steps):
        o = services.fire(o, code, actor=actor, data=data, now=t0 + timedelta(minutes=5 * (i + 1)))
    assert o.state == "evaluated" and o.score == 5 and o.assigned_liaison == cast.police_a
    assert o.response_minutes == 5
    assert [e.to_state for e in o.events.all()] == ["draft", "submitted", "accepted", "dispatched", "on_site",
                                                    "completed", "evaluated"]
    trail = AuditRecord.objects.filter(object_type="dispatch.DispatchOrder", object_id=str(o.pk))
    assert trail.count() == 7 and trail.filter(action="transition").count() == 6
    assert Message.objects.filter(recipient=cast.police_a, category="dispatch").exists()
    assert Message.objects.filter(recipient=cast.officer_a1, category="dispatch").exists()


def test_refusals_are_raised_in_chinese(cast):
    o = make_order(cast)
    with pytest.raises(NotAllowed, match="未找到该派单"):
        services.fire(o, "submit", actor=cast.police_a)  # police cannot even see a draft
    services.fire(o, "submit", actor=cast.officer_a1)
    with pytest.raises(NotAllowed, match="警务联络室"):
        services.fire(o, "accept", actor=cast.officer_a1)
    other_police = make_user("police_b", "police_liaison", cast.county_b)
    with pytest.raises(NotAllowed):
        services.fire(o, "accept", actor=other_police)
    services.fire(o, "accept", actor=cast.police_a)
    with pytest.raises(ServiceError, match="出警民警"):
        services.fire(o, "dispatch", actor=cast.police_a, data={"officers": ""})
    with pytest.raises(ServiceError, match="不能评价"):
        services.fire(o, "evaluate", actor=cast.officer_a1, data={"score": 3})


def test_township_cannot_order_for_another_townships_subject(cast):
    with pytest.raises(NotAllowed, match="不属于本单位管辖"):
        make_order(cast, subject=cast.subject_a2)
    with pytest.raises(NotAllowed):
        make_order(cast, actor=cast.county_b_officer)
    with pytest.raises(NotAllowed):
        make_order(cast, actor=cast.police_a)
    with pytest.raises(ServiceError, match="地点"):
        make_order(cast, place=" ")
    # the county may order for any subject of its townships; the order goes to the county's liaison room
    o = make_order(cast, actor=cast.county_a_officer, subject=cast.subject_a2)
    assert o.requesting_org == cast.county_a and o.liaison_org == cast.county_a


def test_police_liaison_sees_only_subjects_of_their_orders(client, cast):
    assert not Subject.objects.visible_to(cast.police_a).exists()
    o = make_order(cast)
    assert not Subject.objects.visible_to(cast.police_a).exists()  # still a draft
    services.fire(o, "submit", actor=cast.officer_a1)
    assert list(Subject.objects.visible_to(cast.police_a)) == [cast.subject_a1]
    assert_visible(client, cast.police_a, reverse("dispatch:detail", args=[o.pk]))
    assert_hidden(client, cast.police_a, reverse("subjects:detail", args=[cast.subject_a2.pk]))
    assert_hidden(client, cast.police_a, reverse("subjects:detail", args=[cast.subject_b1.pk]))
    assert Anomaly.objects.visible_to(cast.police_a).count() == 0
    client.force_login(cast.police_a)
    listing = client.get(reverse("subjects:list")).content.decode()
    assert "李明" in listing and "王芳" not in listing and "赵强" not in listing
    # another county's liaison sees nothing of it
    police_b = make_user("police_b", "police_liaison", cast.county_b)
    assert not Subject.objects.visible_to(police_b).exists()
    assert_hidden(client, police_b, reverse("dispatch:detail", args=[o.pk]))
    # the API too
    client.force_login(cast.police_a)
    r = client.get("/api/v1/subjects/")
    assert r.status_code in (200, 403)
    if r.status_code == 200:  # the subjects API may be for officers only; if it answers, it is scoped
        assert {row["id"] for row in r.json()["results"]} == {cast.subject_a1.pk}
    ids = {row["id"] for row in client.get("/api/v1/dispatch/orders/").json()["results"]}
    assert ids == {o.pk}


def test_assigned_liaison_must_belong_to_the_county(cast):
    police_b = make_user("police_b", "police_liaison", cast.county_b)
    with pytest.raises(ServiceError, match="不属于本县"):
        make_order(cast, assigned_liaison=police_b)


def test_sla_reminders_and_dashboard(cast):
    t0 = timezone.now()
    late = make_order(cast, now=t0)
    services.fire(late, "submit", actor=cast.officer_a1, now=t0)
    assert services.remind_overdue(now=t0 + timedelta(minutes=10)) == 0
    assert services.remind_overdue(now=t0 + timedelta(minutes=16)) == 1  # 特急: accept within 15 minutes
    assert services.remind_overdue(now=t0 + timedelta(minutes=20)) == 0  # once per limit
    services.fire(late, "accept", actor=cast.police_a, now=t0 + timedelta(minutes=20))
    quick = make_order(cast, urgency="normal", now=t0)
    services.fire(quick, "submit", actor=cast.officer_a1, now=t0)
    services.fire(quick, "accept", actor=cast.police_a, now=t0 + timedelta(minutes=10))
    services.fire(quick, "dispatch", actor=cast.police_a, data={"officers": "甲"}, now=t0 + timedelta(minutes=11))
    services.fire(quick, "arrive", actor=cast.police_a, now=t0 + timedelta(minutes=40))
    services.fire(quick, "complete", actor=cast.police_a, data={"result": "完成"}, now=t0 + timedelta(minutes=50))
    services.fire(quick, "evaluate", actor=cast.officer_a1, data={"score": 4}, now=t0 + timedelta(minutes=60))
    rows = services.dashboard(cast.city_officer, now=t0 + timedelta(minutes=30))
    assert len(rows) == 1
    r = rows[0]
    assert r["org"] == cast.county_a and (r["total"], r["open"], r["completed"]) == (2, 1, 1)
    assert r["avg_accept_min"] == 15.0 and r["avg_arrive_min"] == 30.0 and r["avg_score"] == 4
    assert r["sla_breaches"] == 1
    assert services.dashboard(cast.county_b_officer) == []
    assert AuditRecord.objects.filter(summary__contains="超过受理时限").count() == 1


def test_escalation_target_dispatch_creates_a_draft(cast):
    a = anomalies.raise_anomaly(cast.subject_a1, kind="lost_contact", summary="失联")
    anomalies.escalate(a, actor=cast.officer_a1, target="dispatch", note="请求协助查找")
    a = Anomaly.objects.get(pk=a.pk)
    o = DispatchOrder.objects.get(anomaly=a)
    assert a.escalation_ref == f"dispatch:{o.pk}"
    assert (o.state, o.order_type, o.urgency, o.created_by) == ("draft", "search", "high", cast.officer_a1)


def test_pages_whole_flow_with_attachment(client, cast):
    client.force_login(cast.officer_a1)
    r = client.post(reverse("dispatch:new"), {
        "subject": cast.subject_a1.pk, "order_type": "home_visit", "urgency": "high", "place": "某小区",
        "requested_time": "2026-12-01T09:00", "officers_needed": "1", "submit_now": "1"})
    o = DispatchOrder.objects.get()
    assert r["Location"] == reverse("dispatch:detail", args=[o.pk]) and o.state == "submitted"
    url = reverse("dispatch:detail", args=[o.pk])
    client.force_login(cast.police_a)
    client.post(url, {"action": "accept"})
    client.post(url, {"action": "dispatch", "officers": "李警官"})
    client.post(url, {"action": "arrive"})
    client.post(url, {"action": "complete", "result": "走访完成，情绪稳定",
                      "file": SimpleUploadedFile("现场.txt", "现场记录".encode())})
    o.refresh_from_db()
    assert o.state == "completed" and o.attachments.count() == 1
    client.force_login(cast.officer_a1)
    page = client.get(url).content.decode()
    assert "走访完成，情绪稳定" in page and "现场.txt" in page
    client.post(url, {"action": "evaluate", "score": "5", "comment": "很好"})
    o.refresh_from_db()
    assert o.state == "evaluated"
    assert_hidden(client, cast.officer_a2, url)
    assert_visible(client, cast.county_a_officer, reverse("dispatch:dashboard"))
    assert_visible(client, cast.police_a, reverse("dispatch:list"))
    client.force_login(cast.police_a)
    assert client.get(reverse("dispatch:new")).status_code == 403


def test_api_transition(api_client, cast):
    o = make_order(cast)
    services.fire(o, "submit", actor=cast.officer_a1)
    api_client.force_authenticate(cast.police_a)
    r = api_client.post(f"/api/v1/dispatch/orders/{o.pk}/transition/", {"transition": "accept"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    r = api_client.post(f"/api/v1/dispatch/orders/{o.pk}/transition/", {"transition": "evaluate", "score": 5},
                        format="json")
    assert r.status_code in (400, 403) and "申请单位" in str(r.json())


def test_township_cannot_order_for_another_townships_subject_through_the_page(client, cast):
    client.force_login(cast.officer_a1)
    r = client.post(reverse("dispatch:new"), {
        "subject": cast.subject_a2.pk, "order_type": "search", "urgency": "urgent", "place": "某地",
        "requested_time": "2026-12-01T09:00", "officers_needed": "2", "submit_now": "1"})
    assert r.status_code == 302 and not DispatchOrder.objects.exists()
    page = client.get(r["Location"]).content.decode()
    assert "不属于本单位管辖" in page


def test_order_links_a_case_of_the_same_subject_only(cast):
    from yunjiao.workflows.models import Case

    case = Case.objects.create(process="coercive_measure", subject=cast.subject_a1, org_path=cast.subject_a1.org_path,
                               state="draft", title="提请收监执行")
    other = Case.objects.create(process="coercive_measure", subject=cast.subject_b1,
                                org_path=cast.subject_b1.org_path, state="draft")
    o = make_order(cast, order_type="committal_escort", case=case)
    assert o.case == case and list(case.dispatch_orders.all()) == [o]
    with pytest.raises(ServiceError, match="关联案件"):
        make_order(cast, case=other)
    foreign = anomalies.raise_anomaly(cast.subject_a2, kind="lost_contact", summary="失联")
    with pytest.raises(ServiceError, match="关联异常"):
        make_order(cast, anomaly=foreign)
