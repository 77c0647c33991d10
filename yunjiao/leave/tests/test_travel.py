"""经营性外出 (domain.md §6.5): enterprise link verified once, permit approved once, trips as short
registrations that count for the cumulative rule and the geofence; green channel."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from yunjiao.anomalies.models import Anomaly
from yunjiao.core.errors import NotAllowed, NotFound, ServiceError
from yunjiao.leave import services
from yunjiao.leave.models import Trip
from yunjiao.leave.tests.conftest import proof
from yunjiao.workflows import services as wf
from yunjiao.workflows.services import TransitionRefused

TODAY = timezone.localdate
USCC = "91350100M000100Y43"


@pytest.fixture
def permit(cast):
    link = services.add_enterprise_link(cast.subject_a1, actor=cast.officer_a1, company="济宁某机械有限公司",
                                        credit_code=USCC, role="legal_rep", proof=proof("营业执照.pdf"))
    p = services.apply_permit(cast.subject_a1, actor=cast.officer_a1, link=link, valid_from=TODAY(),
                              destination_codes=["370102", "320506"], destination_names="济南市历下区,苏州市吴中区",
                              max_days_per_trip=5)
    with pytest.raises(TransitionRefused) as exc:  # the link must be verified first
        wf.fire(p.case, "township_opinion", actor=cast.officer_a1, note="同意")
    assert "尚未核实" in exc.value.reasons[0]
    services.verify_enterprise_link(link, actor=cast.officer_a1)
    case = wf.fire(p.case, "township_opinion", actor=cast.officer_a1, note="同意")
    case = wf.fire(case, "approve", actor=cast.county_a_officer)
    assert case.state == "active"
    assert "business_travel_certificate" in case.workflow.transition("approve").documents
    p.refresh_from_db()
    return p


def test_enterprise_link_checks_the_credit_code(cast):
    with pytest.raises(ServiceError) as exc:
        services.add_enterprise_link(cast.subject_a1, actor=cast.officer_a1, company="x",
                                     credit_code="91350100M000100Y44", role="owner", proof=proof())
    assert "校验位" in exc.value.message


def test_permit_defaults_to_six_months(cast, permit):
    assert permit.valid_until < TODAY() + timedelta(days=186)
    assert permit.valid_until >= TODAY() + timedelta(days=180)


def test_trips_are_short_registrations_counted_for_windows_and_cumulative(cast, permit):
    trips = []
    for i in range(6):  # six 5-day trips: 30 days within two months
        start = TODAY() + timedelta(days=2 + i * 7)
        trips.append(services.register_trip(permit, actor=cast.portal_a1, idempotency_key=f"t{i}", start=start,
                                            end=start + timedelta(days=4), destination_codes=["370102"],
                                            purpose="洽谈合同"))
    inside = timezone.make_aware(datetime.combine(trips[0].start_date, time(12)))
    assert services.active_windows(cast.subject_a1, inside)[0][2] == ("370102",)
    with pytest.raises(NotAllowed) as exc:  # the 31st day within two months needs the city
        start = TODAY() + timedelta(days=44)
        services.register_trip(permit, actor=cast.portal_a1, idempotency_key="t7", start=start, end=start,
                               destination_codes=["370102"], purpose="x")
    assert "累计外出将达31日" in exc.value.message
    # and an ordinary leave in the same period goes to the city as well
    leave_start = TODAY() + timedelta(days=45)
    leave = services.apply_leave(cast.subject_a1, actor=cast.portal_a1, idempotency_key="L", start=leave_start,
                                 end=leave_start, destination_codes=["110101"], destination_names="北京市东城区",
                                 reason_kind="family", reason="处理家事")
    assert leave.required_level == "city"


def test_trip_outside_destinations_or_too_long_is_refused(cast, permit):
    start = TODAY() + timedelta(days=3)
    with pytest.raises(NotAllowed) as exc:
        services.register_trip(permit, actor=cast.portal_a1, idempotency_key="a", start=start,
                               end=start + timedelta(days=5), destination_codes=["110101"], purpose="x")
    assert "每次最长5日" in exc.value.message and "目的地范围" in exc.value.message


def test_green_channel_same_day_deadline(cast, permit):
    trip = services.register_trip(permit, actor=cast.portal_a1, idempotency_key="g", start=TODAY(), end=TODAY(),
                                  destination_codes=["320506"], purpose="紧急处理货款", urgent=True)
    assert timezone.localtime(trip.confirm_due).date() == TODAY() + timedelta(days=1)
    assert services.scan_unconfirmed_trips(now=trip.confirm_due - timedelta(minutes=1)) == 0
    assert services.scan_unconfirmed_trips(now=trip.confirm_due + timedelta(minutes=1)) == 1
    assert Anomaly.objects.filter(kind="deadline_overdue", subject=cast.subject_a1).exists()
    services.confirm_trip(trip, actor=cast.officer_a1)
    assert Trip.objects.get(pk=trip.pk).state == "confirmed"


def test_double_trip_submission_creates_one_record_and_others_cannot_register(cast, permit):
    start = TODAY() + timedelta(days=3)
    kw = dict(idempotency_key="dup", start=start, end=start, destination_codes=["370102"], purpose="x")
    a = services.register_trip(permit, actor=cast.portal_a1, **kw)
    b = services.register_trip(permit, actor=cast.portal_a1, **kw)
    assert a.pk == b.pk and Trip.objects.count() == 1
    with pytest.raises(NotFound):
        services.register_trip(permit, actor=cast.officer_b1, **{**kw, "idempotency_key": "x"})


def test_permit_expires_and_then_refuses_trips(cast, permit):
    from yunjiao.leave.models import BusinessTravelPermit

    assert services.expire_permits() == 0
    BusinessTravelPermit.objects.filter(pk=permit.pk).update(valid_until=TODAY() - timedelta(days=1))
    assert services.expire_permits() == 1
    permit.refresh_from_db()
    assert permit.case.state == "expired"
    with pytest.raises(NotAllowed) as exc:
        services.register_trip(permit, actor=cast.portal_a1, idempotency_key="late", start=TODAY() + timedelta(days=2),
                               end=TODAY() + timedelta(days=2), destination_codes=["370102"], purpose="x")
    assert "已失效" in exc.value.message
