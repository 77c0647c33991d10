"""The batch write path of location ingestion: set-based insert and state write-back (one statement each on
PostgreSQL), conflict handling when a concurrent retry stored the same fix first, and windows for a whole batch
of subjects in one provider call giving the same windows as subject-by-subject."""

from datetime import UTC, datetime, timedelta

import pytest

from yunjiao.core.actors import SYSTEM
from yunjiao.geo import rules, services
from yunjiao.geo.models import GeofenceState, LocationFix

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def device(cast):
    return services.register_device(actor=SYSTEM, subject=cast.subject_a1, device_id="WB-1", kind="wristband")


def rows(device, n, start=T0, verdict=0):
    return [(device.pk, device.subject_id, start + timedelta(minutes=k), 116.58 + k * 1e-4, 35.41, 12.0, "gps",
             "gcj02", T0, verdict) for k in range(n)]


def test_insert_stores_every_column(device):
    services._insert_fixes(rows(device, 3, verdict=None))
    fixes = list(LocationFix.objects.order_by("time"))
    assert [f.time for f in fixes] == [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    f = fixes[1]
    assert (f.subject_id, f.lon, f.lat, f.accuracy, f.source, f.system, f.received_at, f.verdict) == (
        device.subject_id, pytest.approx(116.5801), 35.41, 12.0, "gps", "gcj02", T0, None)


def test_insert_skips_fixes_a_concurrent_retry_stored_first(device):
    services._insert_fixes(rows(device, 2))
    services._insert_fixes(rows(device, 4))  # the first two are already there: no error, no duplicate
    assert LocationFix.objects.count() == 4


def test_save_states_writes_json_and_times(cast):
    a = GeofenceState.objects.create(subject=cast.subject_a1, state={})
    b = GeofenceState.objects.create(subject=cast.subject_b1, state={})
    a.state, a.last_fix_at, a.updated_at = {"jump": [1.5, "x"], "open": None}, T0, T0
    b.state, b.last_fix_at, b.updated_at = {"n": 2}, T0 + timedelta(hours=1), T0
    services._save_states([a, b])
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, a.last_fix_at, b.state, b.last_fix_at) == ({"jump": [1.5, "x"], "open": None}, T0, {"n": 2},
                                                                T0 + timedelta(hours=1))


def test_windows_for_many_equals_one_by_one(cast):
    leave = rules.Window(T0.timestamp(), T0.timestamp() + 86400, ("370100",), ref="外出-1")

    def single(subject, start, end):
        return [leave] if subject.pk == cast.subject_a1.pk else []

    def batch_provider(subject, start, end):
        return []

    batch_provider.many = lambda ids, start, end: {cast.subject_b1.pk: [leave]}
    saved = list(services._WINDOW_PROVIDERS)
    services._WINDOW_PROVIDERS[:] = [single, batch_provider]
    try:
        got = services.windows_for_many([cast.subject_a1, cast.subject_b1, cast.subject_a2], T0, T0)
    finally:
        services._WINDOW_PROVIDERS[:] = saved
    assert got == {cast.subject_a1.pk: [leave], cast.subject_b1.pk: [leave], cast.subject_a2.pk: []}
