"""The anomaly page leads to the evidence: the check-in (frames, scores, location) it was raised for, the
trajectory on the map for kinds whose evidence is a position — each only for users who may open that page —
and the evidence values under Chinese labels."""

import pytest
from django.urls import reverse

from yunjiao.anomalies import services as anomalies
from yunjiao.checkins.tests.test_separation import checkin_row

pytestmark = pytest.mark.django_db


def page(client, user, anomaly):
    client.force_login(user)
    return client.get(reverse("anomalies:detail", args=[anomaly.pk])).content.decode()


def test_boundary_anomaly_of_a_checkin_links_to_the_checkin_and_the_map(client, cast):
    c = checkin_row(cast.subject_a1, (117.0153, 36.6637))
    a = anomalies.raise_anomaly(cast.subject_a1, kind="boundary_exit", summary="信息化核查超出允许区域",
                                related=c, source="checkin", evidence={"checkin_id": c.pk, "location_status": "outside",
                                                                       "accuracy_m": 25.0})
    html = page(client, cast.officer_a1, a)
    assert reverse("checkins:review", args=[c.pk]) in html
    assert reverse("monitoring:trajectory", args=[cast.subject_a1.pk]) in html and "在地图上查看轨迹" in html
    assert "核查记录编号" in html and "定位精度(米)" in html and "原始证据数据" in html
    # the social worker may handle anomalies but not see location data: no map link for her
    html = page(client, cast.social_worker_a1, a)
    assert "在地图上查看轨迹" not in html and reverse("checkins:review", args=[c.pk]) in html


def test_missed_check_links_to_the_tasks_not_the_map(client, cast):
    from datetime import timedelta

    from django.utils import timezone

    from yunjiao.checkins.models import CheckTask

    now = timezone.now()
    t = CheckTask.objects.create(subject=cast.subject_a1, kind="spot", plan_date=now.date(), seq=0,
                                 window_start=now - timedelta(hours=1), deadline=now, status="missed")
    a = anomalies.raise_anomaly(cast.subject_a1, kind="checkin_missed", summary="未响应", related=t,
                                evidence={"task_id": t.pk})
    html = page(client, cast.officer_a1, a)
    assert reverse("checkins:subject_tasks", args=[cast.subject_a1.pk]) in html and "在地图上查看轨迹" not in html
