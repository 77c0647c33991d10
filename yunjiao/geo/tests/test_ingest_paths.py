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


def test_state_with_quotes_and_backslashes_survives_the_array_literal(cast):
    a = GeofenceState.objects.create(subject=cast.subject_a1, state={})
    a.state, a.last_fix_at, a.updated_at = {"label": 'say "hi" \\ {x,y} NULL', "k": [None, 1e-9]}, T0, T0
    services._save_states([a])
    a.refresh_from_db()
    assert a.state == {"label": 'say "hi" \\ {x,y} NULL', "k": [None, 1e-9]}


def test_existing_fixes_finds_only_stored_pairs(device):
    services._insert_fixes(rows(device, 3))
    keys = [(device.pk, T0), (device.pk, T0 + timedelta(minutes=2)), (device.pk, T0 + timedelta(minutes=9)),
            (device.pk + 999, T0)]
    assert services._existing_fixes(keys) == {(device.pk, T0), (device.pk, T0 + timedelta(minutes=2))}
    assert services._existing_fixes([]) == set()


def test_batch_mixes_systems_across_subjects_and_retries_without_duplicates(cast):
    from yunjiao.geo import coords

    services.register_device(actor=SYSTEM, subject=cast.subject_a1, device_id="WB-A", kind="wristband")
    services.register_device(actor=SYSTEM, subject=cast.subject_b1, device_id="WB-B", kind="wristband")
    now = datetime.now(UTC).replace(microsecond=0)
    w = (116.58, 35.41)
    g = tuple(float(v) for v in coords.wgs84_to_gcj02(*w))
    b = tuple(float(v) for v in coords.wgs84_to_bd09(*w))
    fixes = []
    for dev in ("WB-A", "WB-B"):
        for k in range(4):
            lon, lat, system = (*g, "gcj02") if k % 2 else (*w, "wgs84")
            if k == 3:
                lon, lat, system = (*b, "bd09")
            fixes.append({"device_id": dev, "time": (now - timedelta(minutes=10 - k)).isoformat(), "lon": lon,
                          "lat": lat, "accuracy": 10, "system": system})
    fixes.append(dict(fixes[0]))  # duplicate within the batch
    fixes.insert(2, {"device_id": "WB-A", "time": now.isoformat(), "lon": 500, "lat": 35, "accuracy": 10})
    res = services.ingest_fixes(fixes, actor=SYSTEM)
    assert res.accepted == 8
    assert [(r["index"], r["code"]) for r in res.rejected] == [(2, "out_of_range"), (9, "duplicate_in_batch")]
    for f in LocationFix.objects.all():
        assert (f.lon, f.lat) == (pytest.approx(w[0], abs=1e-9), pytest.approx(w[1], abs=1e-9)), f.system
    again = services.ingest_fixes(fixes, actor=SYSTEM)  # a retry of the whole batch
    assert (again.accepted, again.duplicates, LocationFix.objects.count()) == (0, 8, 8)
