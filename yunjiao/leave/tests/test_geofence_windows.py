"""Approved leave widens the geofence: a fix in 济南 during an approved leave is inside; without the leave,
or after it, it is outside (issue 6 acceptance: approved leave to 济南, no alert; overstay, alert)."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from shapely.geometry import Point

from yunjiao.geo import services as geo
from yunjiao.workflows import services as wf

JINAN = Point(117.02, 36.67)  # 济南市历下区
RENCHENG = Point(116.59, 35.41)  # 任城区


def _approve(cast, leave):
    leave.refresh_from_db()
    wf.fire(leave.case, "approve_township", actor=cast.officer_a1)
    leave.refresh_from_db()
    return leave


def test_approved_leave_to_jinan_widens_the_allowed_area(cast, apply):
    leave = _approve(cast, apply(3))
    during = timezone.make_aware(datetime.combine(leave.start_date + timedelta(days=1), time(12)))
    before = during - timedelta(days=5)
    assert geo.allowed_area_for(cast.subject_a1, during).contains(JINAN)
    assert not geo.allowed_area_for(cast.subject_a1, before).contains(JINAN)
    assert geo.allowed_area_for(cast.subject_a1, before).contains(RENCHENG)
    long_after = during + timedelta(days=10)  # overstayed: the area is home again, so an exit is judged
    assert not geo.allowed_area_for(cast.subject_a1, long_after).contains(JINAN)


def test_destination_without_boundary_data_is_not_judged(cast, apply):
    leave = _approve(cast, apply(3, codes=["110101"], names="北京市东城区"))
    during = timezone.make_aware(datetime.combine(leave.start_date + timedelta(days=1), time(12)))
    assert geo.allowed_area_for(cast.subject_a1, during).contains(Point(116.40, 39.91))  # 北京


def test_destination_keys_fall_back_to_city_then_unbounded(db):
    cat = geo.current_catalog()
    assert geo.destination_keys(["370102"], cat) == ("370100",)
    assert geo.destination_keys(["370811"], cat) == ("370811",)
    assert geo.destination_keys(["110101"], cat) == (geo.UNBOUNDED_AREA,)
