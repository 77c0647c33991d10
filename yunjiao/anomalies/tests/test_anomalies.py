"""The anomaly queue: grouping, lifecycle, quiet hours, scoping, stale actions."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from yunjiao.anomalies import rules, services
from yunjiao.anomalies.models import Anomaly
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError
from yunjiao.core.testing import assert_hidden, assert_visible

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("kind,at,due", [
    ("checkin_missed", datetime(2026, 3, 2, 10, 0, tzinfo=TZ), datetime(2026, 3, 3, 10, 0, tzinfo=TZ)),
    # raised at 23:30: a medium anomaly is counted from 07:00 next morning (no night-time alarm storms)
    ("checkin_missed", datetime(2026, 3, 2, 23, 30, tzinfo=TZ), datetime(2026, 3, 4, 7, 0, tzinfo=TZ)),
    ("checkin_missed", datetime(2026, 3, 2, 3, 0, tzinfo=TZ), datetime(2026, 3, 3, 7, 0, tzinfo=TZ)),
    # high severity is counted at once, day or night
    ("boundary_exit", datetime(2026, 3, 2, 23, 30, tzinfo=TZ), datetime(2026, 3, 3, 3, 30, tzinfo=TZ)),
])
def test_due_time(kind, at, due):
    assert rules.due_for(rules.kind_for(kind), at) == due


@pytest.mark.parametrize("state,action,ok", [
    ("open", "acknowledge", True), ("acknowledged", "acknowledge", False), ("disposed", "dispose", False),
    ("open", "dispose", True), ("verified", "escalate", True), ("escalated", "verify", False),
])
def test_transition_table(state, action, ok):
    assert (rules.transition_errors(state, action, text="已核实") == []) is ok




@pytest.mark.django_db
def test_repeats_are_grouped_not_multiplied(cast):
    a = services.raise_anomaly(cast.subject_a1, kind="checkin_missed", summary="未核查 1")
    b = services.raise_anomaly(cast.subject_a1, kind="checkin_missed", summary="未核查 2")
    assert a.pk == b.pk and b.count == 2 and len(b.evidence["occurrences"]) == 1
    c = services.raise_anomaly(cast.subject_a1, kind="boundary_exit", summary="越界")
    assert c.pk != a.pk
    services.dispose(b, actor=cast.officer_a1, text="电话核实，本人在家，手机故障")
    d = services.raise_anomaly(cast.subject_a1, kind="checkin_missed", summary="未核查 3")
    assert d.pk != a.pk  # a closed anomaly is not reopened


@pytest.mark.django_db
def test_lifecycle_and_audit(cast):
    from yunjiao.audit.models import AuditRecord

    a = services.raise_anomaly(cast.subject_a1, kind="face_mismatch", summary="比对分数 0.31")
    a = services.acknowledge(a, actor=cast.officer_a1)
    a = services.verify(a, actor=cast.officer_a1, text="视频通话确认为本人，光线不足")
    a = services.dispose(a, actor=cast.officer_a1, text="甄别为误报，已提醒本人在光线充足处核查", false_alarm=True)
    assert a.state == "disposed" and a.is_false_alarm and a.closed_by == cast.officer_a1
    assert AuditRecord.objects.filter(object_type="anomalies.Anomaly", object_id=str(a.pk)).count() == 4


@pytest.mark.django_db
def test_disposition_text_required(cast):
    a = services.raise_anomaly(cast.subject_a1, kind="face_mismatch", summary="x")
    with pytest.raises(ServiceError, match="处置情况"):
        services.dispose(a, actor=cast.officer_a1, text=" ")


@pytest.mark.django_db
def test_out_of_scope_and_stale(cast):
    a = services.raise_anomaly(cast.subject_a1, kind="face_mismatch", summary="x")
    with pytest.raises(NotAllowed):
        services.acknowledge(a, actor=cast.officer_b1)
    services.acknowledge(a, actor=cast.officer_a1, expected_version=1)
    with pytest.raises(Conflict, match="已被他人处理"):
        services.dispose(a, actor=cast.county_a_officer, text="处置", expected_version=1)


@pytest.mark.django_db
def test_pages_scoped(client, cast):
    a = services.raise_anomaly(cast.subject_a1, kind="boundary_exit", summary="越界")
    assert_visible(client, cast.officer_a1, reverse("anomalies:detail", args=[a.pk]))
    assert_visible(client, cast.county_a_officer, reverse("anomalies:detail", args=[a.pk]))
    assert_hidden(client, cast.officer_b1, reverse("anomalies:detail", args=[a.pk]))
    assert_hidden(client, cast.officer_a2, reverse("anomalies:detail", args=[a.pk]))
    client.force_login(cast.officer_a1)
    r = client.post(reverse("anomalies:detail", args=[a.pk]), {"action": "dispose", "text": "已核实处置",
                                                               "version": 1})
    assert r.status_code == 302 and Anomaly.objects.get(pk=a.pk).state == "disposed"


@pytest.mark.django_db
def test_api(api_client, cast):
    a = services.raise_anomaly(cast.subject_b1, kind="device_silent", summary="12小时无定位")
    api_client.force_authenticate(cast.officer_a1)
    assert api_client.get(f"/api/v1/anomalies/{a.pk}/").status_code == 404
    api_client.force_authenticate(cast.officer_b1)
    r = api_client.post(f"/api/v1/anomalies/{a.pk}/act/", {"action": "dispose", "text": "设备没电，已充电"},
                        format="json")
    assert r.status_code == 200 and r.json()["state"] == "disposed"
    r = api_client.post(f"/api/v1/anomalies/{a.pk}/act/", {"action": "dispose", "text": "再次"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_state"
