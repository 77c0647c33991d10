"""Table-driven tests of the geofence rules (社区矫正法 art.27 leave approval, art.29 电子定位 out-of-area
alarm, 刑法 art.38/72 禁止令 zones) on the real 任城区 / 济南市 boundaries."""

import numpy as np
import pytest
import shapely

from yunjiao.geo import rules
from yunjiao.geo.engine import allowed_area
from yunjiao.geo.rules import INSIDE, NEAR, OUTSIDE, GeofenceSettings, Window, Zone

from .geo_helpers import DAY, HOUR, JINAN, MIN, RENCHENG, T0, Border, catalog, opened, track, tracker


@pytest.fixture(scope="module")
def trk():
    return tracker()


@pytest.fixture(scope="module")
def border(trk):
    return Border(trk)


# signed distance from the border (m; + outside), accuracy (m), expected verdict
NEAR_BAND_TABLE = [
    (-5000, 10, INSIDE),
    (-260, 10, INSIDE),  # 260 > 200 + 10
    (-205, 10, NEAR),  # within band + accuracy
    (-150, 5, NEAR),  # inside, but within the ±200 m band
    (0, 5, NEAR),
    (150, 5, NEAR),  # outside, within band
    (195, 10, NEAR),
    (215, 10, OUTSIDE),  # 215 > 210: whole circle (and band) outside
    (5000, 10, OUTSIDE),
    # accuracy circle straddling the border / band: never OUTSIDE
    (300, 150, NEAR),
    (400, 150, OUTSIDE),
    (1000, 1500, NEAR),  # network fix: circle reaches back inside
    (3000, 1500, OUTSIDE),
    (-1000, 1500, NEAR),
    (-3000, 1500, INSIDE),
    # fast path (accuracy ≤ 50) and exact path (> 50) agree at the edge
    (-249, 50, NEAR),
    (-251.5, 50, INSIDE),
    (249, 50, NEAR),
    (251.5, 50, OUTSIDE),
    (310, 100, OUTSIDE),
    (290, 100, NEAR),
]


@pytest.mark.parametrize("s,acc,expected", NEAR_BAND_TABLE)
def test_near_band_and_accuracy_circle(trk, border, s, acc, expected):
    fa = trk.area((RENCHENG,), False)
    x, y = border.xy(s)
    assert fa.classify(np.array([x]), np.array([y]), np.array([acc]))[0] == expected


@pytest.mark.parametrize("seed", [11, 12])
def test_classifier_vectorised_matches_exact_definition(trk, seed):
    """The raster + bucketed-buffer classifier equals the plain definition on random fixes, half of them
    within 3 km of the border, with accuracies from 0 to 6 km."""
    fa = trk.area((RENCHENG,), False)
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = fa.geom.bounds
    n = 30000
    x = rng.uniform(minx - 3000, maxx + 3000, n)
    y = rng.uniform(miny - 3000, maxy + 3000, n)
    edge = shapely.line_interpolate_point(fa.geom.boundary, rng.uniform(0, 1, n // 2), normalized=True)
    ex, ey = shapely.get_x(edge), shapely.get_y(edge)
    x[: n // 2] = ex + rng.normal(0, 700, n // 2)
    y[: n // 2] = ey + rng.normal(0, 700, n // 2)
    acc = np.where(rng.random(n) < 0.5, rng.uniform(0, 50, n), rng.uniform(0, 6000, n))
    acc[:20] = [0, 10, 20, 50, 75, 100, 5000, 5001, 1e4, 50.0001] * 2
    v = fa.classify(x, y, acc)
    d = shapely.distance(fa.geom.boundary, shapely.points(x, y))
    inside = shapely.contains_xy(fa.geom, x, y)
    ref = np.where(d > 200 + acc, np.where(inside, INSIDE, OUTSIDE), NEAR)
    assert (v == ref).all()
    assert (v == NEAR).sum() > 1000 and (v == OUTSIDE).sum() > 1000


def _run(trk, t, lon, lat, acc):
    return trk.process(t, lon, lat, acc)


@pytest.mark.parametrize("step,discarded", [(30, 1), (60, 0)])
def test_3km_jump_and_back_no_alert(step, discarded):
    """30 s apart the jump implies ~360 km/h and is discarded by the jump filter; 60 s apart (~180 km/h)
    it is plausible motion, evaluated as one OUTSIDE fix, and the dwell rule stops it."""
    trk = tracker()
    b = Border(trk)
    home = b.lonlat(-1500)
    jump = b.lonlat(1500)  # 3 km away, 1.5 km outside the border
    pts = [home] * 30 + [jump] + [home] * 30
    ev = _run(trk, *track(pts, step=step))
    assert opened(ev) == []
    assert trk.jumps.discarded == discarded


def test_3km_multipath_stuck_for_3_sparse_fixes_no_alert():
    """With 5-minute fixes a 3 km jump is not fast enough for the jump filter; the dwell rule stops it."""
    trk = tracker()
    b = Border(trk)
    home, far = b.lonlat(-1500), b.lonlat(1500)
    pts = [home] * 12 + [far] * 3 + [home] * 12
    ev = _run(trk, *track(pts, step=5 * MIN))
    assert opened(ev) == []


def test_real_exit_of_2_hours_alerts_once_and_closes():
    trk = tracker()
    b = Border(trk)
    go = [b.lonlat(s) for s in np.linspace(-3000, 15000, 7)]  # drive out over 30 min
    stay = [b.lonlat(15000)] * 24  # 2 hours 15 km outside
    back = [b.lonlat(s) for s in np.linspace(15000, -3000, 7)] + [b.lonlat(-3000)] * 6
    t, lon, lat, acc = track([b.lonlat(-3000)] * 6 + go + stay + back, step=5 * MIN)
    ev = _run(trk, t, lon, lat, acc)
    alerts = opened(ev, rules.RULE_EXIT)
    assert len(alerts) == 1
    a = alerts[0]
    first_out = t[6 + 2]  # first fix more than 200 m + accuracy outside
    assert a.started_at == first_out
    assert 30 * MIN <= a.opened_at - first_out <= 35 * MIN
    assert a.closed_at is not None and a.ended_at < a.closed_at
    assert RENCHENG in a.area and len(a.evidence) >= 3


def test_exit_shorter_than_dwell_no_alert():
    trk = tracker()
    b = Border(trk)
    pts = [b.lonlat(-2000)] * 6 + [b.lonlat(2000)] * 5 + [b.lonlat(-2000)] * 6  # 20 minutes out
    assert opened(_run(trk, *track(pts, step=5 * MIN))) == []


def test_dwell_needs_enough_fixes():
    """Two outside fixes 40 minutes apart satisfy the time but not dwell_fixes=3; the third opens it."""
    trk = tracker()
    b = Border(trk)
    out = b.lonlat(5000)
    t = np.array([T0, T0 + 10 * MIN, T0 + 50 * MIN])
    pts = np.array([b.lonlat(-2000), out, out])
    assert opened(trk.process(t, pts[:, 0], pts[:, 1], np.full(3, 10.0))) == []
    ev = trk.process([T0 + 55 * MIN], [out[0]], [out[1]], [10.0])
    assert len(opened(ev, rules.RULE_EXIT)) == 1


def test_dwell_does_not_bridge_long_gaps():
    """Outside fixes separated by a 4-hour silence do not prove 4 hours outside (multipath burst split by
    a phone-off gap): the pending episode restarts after dwell_max_gap_minutes."""
    trk = tracker(settings=GeofenceSettings(heartbeat_hours=24))
    b = Border(trk)
    out, home = b.lonlat(2400), b.lonlat(-1500)
    t = np.array([T0, T0 + 5 * MIN, T0 + 10 * MIN, T0 + 4 * HOUR, T0 + 4 * HOUR + 5 * MIN,
                  T0 + 4 * HOUR + 10 * MIN, T0 + 4 * HOUR + 15 * MIN])
    pts = np.array([home, out, out, out, home, home, home])
    assert opened(trk.process(t, pts[:, 0], pts[:, 1], np.full(len(t), 20.0))) == []


def test_silent_while_outside_alerts_after_dwell():
    """越界后失联: three outside fixes, then nothing — the clock opens the alert once the dwell time has
    passed; a late upload of the same fixes gives the alert the time the clock would have."""
    out = None
    for late_upload in (False, True):
        trk = tracker(settings=GeofenceSettings(heartbeat_hours=24))
        b = Border(trk)
        out, home = b.lonlat(6000), b.lonlat(-1500)
        t = np.array([T0, T0 + 5 * MIN, T0 + 10 * MIN, T0 + 15 * MIN])
        pts = np.array([home, out, out, out])
        ev = trk.process(t, pts[:, 0], pts[:, 1], np.full(4, 20.0))
        if not late_upload:
            assert opened(ev) == [] and trk.tick(T0 + 30 * MIN) == []
            ev = trk.tick(T0 + 36 * MIN)
            assert [a.opened_at for a in opened(ev, rules.RULE_EXIT)] == [T0 + 36 * MIN]
        else:
            ev = trk.process([T0 + 3 * HOUR], [home[0]], [home[1]], [20.0])
            assert [a.opened_at for a in opened(ev, rules.RULE_EXIT)] == [T0 + 35 * MIN]


def test_walk_along_border_inside_band_never_alerts():
    trk = tracker()
    b = Border(trk)
    rng = np.random.default_rng(5)
    s = rng.uniform(-150, 150, 200)  # hovering in the band for 16 hours with GPS noise
    ev = _run(trk, *track([b.lonlat(v) for v in s], step=5 * MIN, acc=20.0))
    assert opened(ev) == []


def test_hysteresis_single_inside_fix_does_not_split_episode():
    trk = tracker()
    b = Border(trk)
    out = b.lonlat(8000)
    pts = [b.lonlat(-3000)] * 3 + [out] * 10 + [b.lonlat(-3000)] + [out] * 10 + [b.lonlat(-3000)] * 6
    ev = _run(trk, *track(pts, step=5 * MIN))
    assert len(opened(ev, rules.RULE_EXIT)) == 1


def test_high_speed_train_exit_reanchors_and_alerts():
    """Real travel faster than the jump limit (高铁 ~300 km/h) is re-anchored after 3 consistent fixes."""
    trk = tracker(settings=GeofenceSettings(max_speed_kmh=150))
    b = Border(trk)
    pts = [b.lonlat(-2000)] * 3 + [b.lonlat(-2000 + 25000 * k) for k in range(1, 12)]  # 25 km per 5 min
    pts += [pts[-1]] * 8
    ev = _run(trk, *track(pts, step=5 * MIN))
    assert len(opened(ev, rules.RULE_EXIT)) == 1


def _leave_trip(b, jinan_pt, depart, stay_until):
    """Home → 济南 by road (through 泰安, outside both areas) → stay → back; fixes every 10 min."""
    home = b.lonlat(-3000)
    hx, hy = b.proj.forward(*home)
    jx, jy = b.proj.forward(*jinan_pt)
    pts, times = [], []
    t = depart - 2 * HOUR
    while t < depart:
        pts.append(home)
        times.append(t)
        t += 10 * MIN
    for k in range(1, 19):  # 3-hour drive
        f = k / 18
        pts.append(tuple(map(float, b.proj.inverse(hx + (jx - hx) * f, hy + (jy - hy) * f))))
        times.append(t)
        t += 10 * MIN
    while t < stay_until:
        pts.append(jinan_pt)
        times.append(t)
        t += 10 * MIN
    for k in range(1, 19):
        f = 1 - k / 18
        pts.append(tuple(map(float, b.proj.inverse(hx + (jx - hx) * f, hy + (jy - hy) * f))))
        times.append(t)
        t += 10 * MIN
    for _ in range(12):
        pts.append(home)
        times.append(t)
        t += 10 * MIN
    pts = np.array(pts)
    return np.array(times), pts[:, 0], pts[:, 1], np.full(len(times), 20.0)


QUANCHENG_SQUARE = (117.0153, 36.6637)  # 泉城广场, 济南 (WGS-84, approx.)


def test_approved_leave_to_jinan_no_alert():
    start = T0 + 8 * HOUR
    leave = Window(start, start + 3 * DAY, (JINAN,), ref="外出-1")
    trk = tracker(windows=[leave])
    b = Border(trk)
    ev = trk.process(*_leave_trip(b, QUANCHENG_SQUARE, start, start + 3 * DAY - 4 * HOUR))
    assert opened(ev) == []


def test_approved_leave_to_jinan_overstay_by_a_day_alerts():
    start = T0 + 8 * HOUR
    end = start + 3 * DAY
    trk = tracker(windows=[Window(start, end, (JINAN,), ref="外出-1")])
    b = Border(trk)
    ev = trk.process(*_leave_trip(b, QUANCHENG_SQUARE, start, end + DAY))
    alerts = opened(ev, rules.RULE_EXIT)
    assert len(alerts) == 1
    grace = trk.settings.window_grace_after_minutes * MIN
    assert end + grace <= alerts[0].started_at < end + grace + 11 * MIN
    assert alerts[0].opened_at - alerts[0].started_at <= 40 * MIN
    assert RENCHENG in alerts[0].area and JINAN not in alerts[0].area


def test_trip_to_jinan_without_leave_alerts():
    trk = tracker()
    b = Border(trk)
    ev = trk.process(*_leave_trip(b, QUANCHENG_SQUARE, T0 + 8 * HOUR, T0 + 20 * HOUR))
    assert len(opened(ev, rules.RULE_EXIT)) == 1


@pytest.mark.parametrize("shape_kind", ["circle", "polygon"])
def test_exclusion_zone_entry_alerts_at_once(shape_kind):
    trk0 = tracker()
    b = Border(trk0)
    centre = b.lonlat(-4000)
    if shape_kind == "circle":
        zone = Zone("禁止-网吧", center=centre, radius_m=300)
    else:
        cx, cy = b.proj.forward(*centre)
        poly = b.proj.unproject_geometry(shapely.box(cx - 300, cy - 300, cx + 300, cy + 300))
        zone = Zone("禁止-网吧", geometry=poly)
    trk = tracker(zones=[zone])
    approach = [b.lonlat(-6000), b.lonlat(-5000), b.lonlat(-4500)]
    t, lon, lat, acc = track(approach + [centre, centre, b.lonlat(-5000), b.lonlat(-5500)], step=5 * MIN)
    ev = trk.process(t, lon, lat, acc)
    alerts = opened(ev, rules.RULE_ZONE)
    assert len(alerts) == 1 and alerts[0].opened_at == t[3] and alerts[0].area == "禁止-网吧"
    assert alerts[0].closed_at == t[5]


def test_exclusion_zone_poor_fix_does_not_alert():
    trk0 = tracker()
    b = Border(trk0)
    centre = b.lonlat(-4000)
    trk = tracker(zones=[Zone("z", center=centre, radius_m=300)])
    t, lon, lat, acc = track([b.lonlat(-6000), centre, b.lonlat(-6000)], step=5 * MIN, acc=800.0)
    assert opened(trk.process(t, lon, lat, acc)) == []


def test_heartbeat_loss_is_its_own_alert():
    trk = tracker(settings=GeofenceSettings(heartbeat_hours=6))
    b = Border(trk)
    p = b.lonlat(-3000)
    assert trk.process([T0], [p[0]], [p[1]], [10.0]) == []
    assert trk.tick(T0 + 5 * HOUR) == []
    ev = trk.tick(T0 + 7 * HOUR)
    assert [a.kind for a in opened(ev)] == [rules.RULE_HEARTBEAT]
    assert trk.tick(T0 + 8 * HOUR) == []  # one alert per silence
    ev = trk.process([T0 + 9 * HOUR], [p[0]], [p[1]], [10.0])
    assert [(e, a.kind, a.ended_at) for e, a in ev] == [("closed", rules.RULE_HEARTBEAT, T0 + 9 * HOUR)]
    # a gap inside one batch (device buffered nothing for 7 h) is reported as an opened+closed episode
    ev = trk.process([T0 + 17 * HOUR], [p[0]], [p[1]], [10.0])
    assert [e for e, _ in ev] == ["opened", "closed"]


def test_heartbeat_not_applied_when_not_required():
    trk = tracker(requires_location=False)
    b = Border(trk)
    p = b.lonlat(-3000)
    trk.process([T0], [p[0]], [p[1]], [10.0])
    assert trk.tick(T0 + 30 * HOUR) == []


WINDOW = Window(T0, T0 + 2 * DAY, (JINAN,))
# time offset from T0, expected keys, corridor
AREA_TABLE = [
    (-3 * HOUR, (RENCHENG,), False),
    (-1 * HOUR, tuple(sorted((RENCHENG, JINAN))), True),  # 2 h grace before departure
    (DAY, tuple(sorted((RENCHENG, JINAN))), True),
    (2 * DAY + 5 * HOUR, tuple(sorted((RENCHENG, JINAN))), True),  # 6 h grace after
    (2 * DAY + 7 * HOUR, (RENCHENG,), False),
]


@pytest.mark.parametrize("dt,keys,corridor", AREA_TABLE)
def test_allowed_area_is_function_of_time_and_windows(dt, keys, corridor):
    assert rules.area_keys(T0 + dt, (RENCHENG,), [WINDOW]) == (keys, corridor)
    codes, specs = rules.area_key_codes(np.array([T0 + dt]), (RENCHENG,), [WINDOW])
    assert specs[codes[0]] == (keys, corridor)


def test_allowed_area_geometry_minus_zones():
    b = Border(tracker())
    centre = b.lonlat(-4000)
    zone = Zone("z", center=centre, radius_m=300)
    home_only = allowed_area(catalog(), (RENCHENG,), T0 - DAY, [WINDOW], [zone])
    during = allowed_area(catalog(), (RENCHENG,), T0 + DAY, [WINDOW], [zone])
    assert not home_only.contains(shapely.Point(centre))
    assert home_only.contains(shapely.Point(b.lonlat(-1000)))
    assert not home_only.contains(shapely.Point(QUANCHENG_SQUARE))
    assert during.contains(shapely.Point(QUANCHENG_SQUARE))
    assert during.contains(shapely.Point(117.13, 36.19))  # 泰安 on the way: corridor


def test_stale_fixes_ignored():
    trk = tracker()
    b = Border(trk)
    p = b.lonlat(-3000)
    trk.process([T0 + HOUR], [p[0]], [p[1]], [10.0])
    trk.process([T0], [p[0]], [p[1]], [10.0])
    assert trk.stats["stale"] == 1


def test_state_round_trip_across_batches_equals_one_batch():
    """Splitting a stream into batches with the state saved as JSON in between gives the same alerts."""
    import json as _json

    from yunjiao.geo.engine import dump_state, load_state

    b = Border(tracker())
    pts = ([b.lonlat(-3000)] * 6 + [b.lonlat(1500)] + [b.lonlat(-3000)] * 3 + [b.lonlat(9000)] * 12
           + [b.lonlat(-3000)] * 8)
    t, lon, lat, acc = track(pts, step=30)  # 30 s apart: the 3 km jump is held by the jump filter
    t = t + np.arange(len(t)) * 270 * (np.arange(len(t)) > 10)  # then 5-minute fixes
    one = tracker().process(t, lon, lat, acc, [[i] for i in range(len(t))])
    state = {}
    many = []
    for k in range(0, len(t), 4):
        trk = load_state(tracker(), _json.loads(_json.dumps(state)))
        many += trk.process(t[k:k + 4], lon[k:k + 4], lat[k:k + 4], acc[k:k + 4],
                            [[i] for i in range(k, min(k + 4, len(t)))])
        state = dump_state(trk)
    def key(events):  # events carry the live Alert object: compare what each event reported
        return [(e, a.kind, a.started_at, a.opened_at if e == "opened" else a.closed_at) for e, a in events]

    assert key(one) == key(many)
    assert [e for e, _ in one] == ["opened", "closed"]
