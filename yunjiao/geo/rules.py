"""Geofence rules (pure: no ORM, no I/O).  Legal basis: 社区矫正法 art.27 (leaving the city/county needs
approval), art.29 (电子定位; out-of-area as a device alarm), art.26 (信息化核查), 刑法 art.38/72 (禁止令).

Everything works in a local metric projection (``projection.LocalProjection``) so distances are metres.
Times are POSIX seconds (float) inside the engine.

Verdict of one fix against an allowed area (settings.near_band_m = b, fix accuracy radius = a,
d = distance from the fix to the area's boundary):

* INSIDE  — the point is inside and d > b + a
* OUTSIDE — the point is outside and d > b + a   (the whole accuracy circle is outside, and beyond the band)
* NEAR    — everything else (the band absorbs the 100–160 m, locally 1–4 km, disagreement between boundary
  sources; the accuracy radius absorbs the fix's own uncertainty)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

INSIDE = 0
NEAR = 1
OUTSIDE = 2
VERDICT_NAMES = {INSIDE: "inside", NEAR: "near", OUTSIDE: "outside"}

# Rule identifiers stored with every alert (evidence: which rule fired).
RULE_EXIT = "exit_dwell"
RULE_ZONE = "exclusion_zone_entry"
RULE_HEARTBEAT = "heartbeat_loss"


@dataclass(frozen=True)
class GeofenceSettings:
    """All tunable parameters of the geofence engine (defaults chosen on the development set, see
    docs/benchmarks.md)."""

    near_band_m: float = 200.0
    # Accuracy radii above this are unusable for any verdict (cell-tower guesses); such fixes still count
    # as a heartbeat.
    max_usable_accuracy_m: float = 5000.0
    # Jump filter: implied speed between the last accepted fix and this one, after subtracting both
    # accuracy radii, above this → discarded as noise (multipath, Wi-Fi database errors).
    max_speed_kmh: float = 250.0
    # ... unless this many consecutive discarded fixes agree with each other (real fast travel, e.g. 高铁):
    # then the track re-anchors on them and they are used.
    jump_reanchor_fixes: int = 3
    # Dwell rule: an exit alert opens only after the subject has been OUTSIDE for at least this long
    # (first to latest outside fix) and with at least this many outside fixes.
    dwell_minutes: float = 30.0
    dwell_fixes: int = 3
    # Observation must be continuous: two outside fixes further apart than this do not show that the
    # subject stayed outside in between, so a pending (not yet alerted) episode restarts.
    dwell_max_gap_minutes: float = 60.0
    # Hysteresis: an exit episode (pending or alerted) ends only after this many consecutive fixes that
    # are not OUTSIDE, spanning at least close_minutes.
    close_fixes: int = 3
    close_minutes: float = 10.0
    # Exclusion zones (禁止令): a fix counts as inside a zone when the point is in the zone and its accuracy
    # is at most this; it counts as having left when it is outside by more than its accuracy radius.
    zone_max_accuracy_m: float = 100.0
    # Heartbeat loss: no fix at all for this long (subjects who must report location).
    heartbeat_hours: float = 6.0
    # Approved leave / business-permit windows widen the area from start − before to end + after.
    window_grace_before_minutes: float = 120.0
    window_grace_after_minutes: float = 360.0
    # While a window is active the travel corridor (convex hull of home ∪ destinations, buffered) is
    # allowed too, so the trip there and back is not an exit.
    window_corridor: bool = True
    window_corridor_buffer_m: float = 5000.0
    # Fast path of the vectorised classifier: fixes at most this inaccurate are decided by point-in-polygon
    # tests against pre-buffered polygons; the rest get an exact distance.
    fast_path_accuracy_m: float = 50.0
    # A pending exit whose subject then goes silent (no fix at all) still opens its alert once the dwell
    # time has passed since the first outside fix: last seen outside, no evidence of return (越界后失联).
    alert_when_silent_outside: bool = True
    # Evidence kept on an alert (first N fixes of the episode + the latest).
    evidence_fixes: int = 50


DEFAULT_SETTINGS = GeofenceSettings()

# Accuracy buckets (metres) for the exact-by-construction classifier: a fix with accuracy a in
# (LEVELS[k-1], LEVELS[k]] is decided by point-in-polygon tests against the area eroded/dilated by
# band + LEVELS[k] (clear verdict) and by band + LEVELS[k-1] (clearly NEAR); only fixes in the thin annulus
# between the two get an exact distance to the boundary.
ACCURACY_LEVELS = np.array([0, 10, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 625, 750, 875, 1000,
                            1250, 1500, 1750, 2000, 2500, 3000, 4000, 5000, np.inf])


def _buffer_margin(r: float) -> float:
    """Buffers approximate arcs by chords (quad_segs=16 → sagitta ≤ 0.0012·r); erosions are then slightly
    too large and dilations slightly too small.  Adding this margin keeps 'clear' verdicts conservative."""
    return 1.0 + 0.002 * abs(r)


class FenceArea:
    """A prepared allowed area in projected metres with a vectorised three-way classifier.

    Stage 1 (fixes with accuracy ≤ settings.fast_path_accuracy_m): a raster lookup — each grid cell is
    labelled deep-inside / far-outside / mixed from its centre against buffers widened by the cell's half
    diagonal, so a labelled cell is right for every point in it.  Stage 2 (the rest): per accuracy bucket,
    point-in-polygon tests against cached buffers.  Stage 3: exact boundary distance (STRtree of segments)
    for the few fixes left.  The result equals the plain definition (tests compare on random fixes)."""

    def __init__(self, geom: BaseGeometry, settings: GeofenceSettings = DEFAULT_SETTINGS, key: str = "",
                 max_grid_cells: int = 400_000):
        self.key = key
        self.settings = settings
        self.geom = shapely.make_valid(geom) if not geom.is_valid else geom
        shapely.prepare(self.geom)
        self.band = float(settings.near_band_m)
        self._buffers: dict[float, BaseGeometry] = {}
        coords_parts = []
        for ring in _rings(self.geom):
            c = shapely.get_coordinates(ring)
            coords_parts.append(np.stack([c[:-1], c[1:]], axis=1))
        segs = np.concatenate(coords_parts) if coords_parts else np.empty((0, 2, 2))
        self._segments = shapely.linestrings(segs) if len(segs) else np.empty(0, dtype=object)
        self._tree = shapely.STRtree(self._segments)
        self._max_grid_cells = max_grid_cells
        self._grid = None

    def buffer(self, r: float) -> BaseGeometry:
        """Prepared buffer of the area by r metres (negative = erosion), cached."""
        g = self._buffers.get(r)
        if g is None:
            g = self.geom.buffer(r, quad_segs=16)
            shapely.prepare(g)
            self._buffers[r] = g
        return g

    def _build_grid(self):
        reach = self.band + self.settings.fast_path_accuracy_m
        minx, miny, maxx, maxy = self.buffer(reach + _buffer_margin(reach)).bounds
        cell = max(25.0, float(np.sqrt((maxx - minx) * (maxy - miny) / self._max_grid_cells)))
        nx = int(np.ceil((maxx - minx) / cell)) + 1
        ny = int(np.ceil((maxy - miny) / cell)) + 1
        cx = minx + (np.arange(nx) + 0.5) * cell
        cy = miny + (np.arange(ny) + 0.5) * cell
        gx, gy = np.meshgrid(cx, cy)
        half_diag = cell * np.sqrt(0.5)
        r = reach + half_diag
        labels = np.full(gx.shape, NEAR, dtype=np.int8)
        labels[shapely.contains_xy(self.buffer(-(r + _buffer_margin(r))), gx, gy)] = INSIDE
        labels[~shapely.contains_xy(self.buffer(r + _buffer_margin(r)), gx, gy)] = OUTSIDE
        self._grid = (minx, miny, cell, labels)

    def _grid_labels(self, x, y):
        if self._grid is None:
            self._build_grid()
        minx, miny, cell, labels = self._grid
        ix = ((x - minx) / cell).astype(np.int64)
        iy = ((y - miny) / cell).astype(np.int64)
        ny, nx = labels.shape
        ok = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        out = labels[np.clip(iy, 0, ny - 1), np.clip(ix, 0, nx - 1)]
        return np.where(ok, out, OUTSIDE)  # beyond the grid = beyond the dilated area

    def boundary_distance(self, x, y) -> np.ndarray:
        pts = shapely.points(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        if len(self._segments) == 0:
            return np.full(len(pts), np.inf)
        idx, dist = self._tree.query_nearest(pts, return_distance=True, all_matches=False)
        out = np.full(len(pts), np.inf)
        out[idx[0]] = dist
        return out

    def classify(self, x, y, accuracy) -> np.ndarray:
        """Verdicts (INSIDE/NEAR/OUTSIDE as int8) for projected points with accuracy radii (metres)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        acc = np.broadcast_to(np.asarray(accuracy, dtype=np.float64), x.shape)
        verdict = np.full(x.shape, NEAR, dtype=np.int8)
        todo = np.ones(x.shape, dtype=bool)
        fast = np.flatnonzero(acc <= self.settings.fast_path_accuracy_m)
        if len(fast):
            lab = self._grid_labels(x[fast], y[fast])
            verdict[fast] = lab
            todo[fast[lab != NEAR]] = False
        idx = np.flatnonzero(todo)
        if len(idx) == 0:
            return verdict
        bucket = np.searchsorted(ACCURACY_LEVELS, acc[idx], side="left")
        exact = []
        for k in np.unique(bucket):
            sel = idx[bucket == k]
            xs, ys = x[sel], y[sel]
            hi = float(ACCURACY_LEVELS[k])
            if not np.isfinite(hi):
                exact.append(sel)
                continue
            lo = float(ACCURACY_LEVELS[k - 1]) if k > 0 else hi
            inside = shapely.contains_xy(self.geom, xs, ys)
            r_hi = self.band + hi
            r_lo = self.band + lo
            deep = np.zeros(len(sel), dtype=bool)
            far = np.zeros(len(sel), dtype=bool)
            deep[inside] = shapely.contains_xy(self.buffer(-(r_hi + _buffer_margin(r_hi))), xs[inside], ys[inside])
            out = ~inside
            far[out] = ~shapely.contains_xy(self.buffer(r_hi + _buffer_margin(r_hi)), xs[out], ys[out])
            verdict[sel[deep]] = INSIDE
            verdict[sel[far]] = OUTSIDE
            undecided = ~(deep | far)
            if lo > 0 and k > 0:  # a > lo: within band + lo of the boundary means NEAR for sure
                near_in = inside & undecided
                near_in[near_in] = ~shapely.contains_xy(self.buffer(-r_lo), xs[near_in], ys[near_in])
                near_out = out & undecided
                near_out[near_out] = shapely.contains_xy(self.buffer(r_lo), xs[near_out], ys[near_out])
                undecided &= ~(near_in | near_out)
            exact.append(sel[undecided])
        rest = np.concatenate(exact) if exact else np.empty(0, dtype=np.int64)
        if len(rest):
            xr, yr, ar = x[rest], y[rest], acc[rest]
            inside = shapely.contains_xy(self.geom, xr, yr)
            d = self.boundary_distance(xr, yr)
            clear = d > self.band + ar
            v = np.full(xr.shape, NEAR, dtype=np.int8)
            v[clear & inside] = INSIDE
            v[clear & ~inside] = OUTSIDE
            verdict[rest] = v
        return verdict


def _rings(geom):
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type == "Polygon":
            yield poly.exterior
            yield from poly.interiors
        elif hasattr(poly, "geoms"):
            yield from _rings(poly)


# --- exclusion zones (禁止令) -------------------------------------------------------------------------

@dataclass(frozen=True)
class Zone:
    """An exclusion zone in WGS-84: a polygon, or a circle (centre lon/lat + radius_m)."""

    zone_id: str
    geometry: BaseGeometry | None = None  # lon/lat polygon
    center: tuple[float, float] | None = None  # (lon, lat)
    radius_m: float | None = None
    label: str = ""
    valid_from: float | None = None
    valid_to: float | None = None

    def projected(self, projection) -> BaseGeometry:
        if self.geometry is not None:
            return projection.geometry(self.geometry)
        if self.center is None or not self.radius_m:
            raise ValueError("禁止区域必须是多边形，或给出圆心和半径")
        x, y = projection.forward(self.center[0], self.center[1])
        return shapely.Point(float(x), float(y)).buffer(float(self.radius_m), quad_segs=32)

    def active(self, t: float) -> bool:
        return (self.valid_from is None or t >= self.valid_from) and (self.valid_to is None or t < self.valid_to)


def zone_states(zone_geom: BaseGeometry, x, y, accuracy, settings: GeofenceSettings = DEFAULT_SETTINGS):
    """Per fix: +1 confirmed inside the zone, −1 confirmed outside it, 0 undecided."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    acc = np.broadcast_to(np.asarray(accuracy, dtype=np.float64), x.shape)
    inside = shapely.contains_xy(zone_geom, x, y)
    out = np.zeros(x.shape, dtype=np.int8)
    out[inside & (acc <= settings.zone_max_accuracy_m)] = 1
    outside_idx = np.flatnonzero(~inside)
    if len(outside_idx):
        d = shapely.distance(zone_geom, shapely.points(x[outside_idx], y[outside_idx]))
        out[outside_idx[d > acc[outside_idx]]] = -1
    return out


# --- allowed area as a function of (time, windows) -----------------------------------------------------

@dataclass(frozen=True)
class Window:
    """An approved leave (外出) or business-travel permit (经营性外出) window: the subject may be in the
    destination areas (adcodes or any keys of the area catalogue) between start and end."""

    start: float
    end: float
    destinations: tuple[str, ...]
    kind: str = "leave"
    ref: str = ""


def active_windows(t: float, windows, settings: GeofenceSettings = DEFAULT_SETTINGS) -> tuple[Window, ...]:
    before = settings.window_grace_before_minutes * 60
    after = settings.window_grace_after_minutes * 60
    return tuple(w for w in windows if w.start - before <= t < w.end + after)


def area_keys(t: float, home: tuple[str, ...], windows, settings: GeofenceSettings = DEFAULT_SETTINGS):
    """(keys, corridor) describing the allowed area at time t: home keys ∪ active windows' destinations."""
    active = active_windows(t, windows, settings)
    keys = set(home)
    for w in active:
        keys.update(w.destinations)
    return tuple(sorted(keys)), bool(active) and settings.window_corridor


def area_key_codes(t, home, windows, settings: GeofenceSettings = DEFAULT_SETTINGS):
    """Vectorised :func:`area_keys`: returns (codes per time, list of (keys, corridor) per code)."""
    t = np.asarray(t, dtype=np.float64)
    before = settings.window_grace_before_minutes * 60
    after = settings.window_grace_after_minutes * 60
    if not windows:
        return np.zeros(t.shape, dtype=np.int64), [(tuple(sorted(set(home))), False)]
    masks = np.stack([(t >= w.start - before) & (t < w.end + after) for w in windows], axis=1)
    patterns, codes = np.unique(masks, axis=0, return_inverse=True)
    specs = []
    for row in patterns:
        keys = set(home)
        for w, on in zip(windows, row, strict=True):
            if on:
                keys.update(w.destinations)
        specs.append((tuple(sorted(keys)), bool(row.any()) and settings.window_corridor))
    return codes.reshape(t.shape), specs


def compose_area(parts: list[BaseGeometry], corridor: bool, settings: GeofenceSettings = DEFAULT_SETTINGS):
    """Union of projected parts; with the corridor, plus their buffered convex hull."""
    union = shapely.union_all(parts)
    if corridor and len(parts) > 1:
        union = shapely.union(union, union.convex_hull.buffer(settings.window_corridor_buffer_m))
    return union


# --- jump filter --------------------------------------------------------------------------------------

def implied_speed_ms(x0, y0, t0, a0, x1, y1, t1, a1) -> float:
    """Speed (m/s) needed to move between two fixes, giving both the benefit of their accuracy radii."""
    dist = max(0.0, float(np.hypot(x1 - x0, y1 - y0)) - a0 - a1)
    return dist / max(float(t1 - t0), 1.0)


@dataclass
class JumpFilter:
    """Sequential jump filter with re-anchoring.  ``step`` takes an opaque payload per fix and returns the
    payloads released for evaluation: normally [this one]; [] for a suspected jump; the held fixes, in
    order, when the track re-anchors on them (they may come from earlier batches)."""

    settings: GeofenceSettings = DEFAULT_SETTINGS
    last: tuple | None = None  # (x, y, t, acc)
    pending: list = field(default_factory=list)  # [(payload, x, y, t, acc)]
    discarded: int = 0

    def step(self, payload, x, y, t, acc) -> list:
        limit = self.settings.max_speed_kmh / 3.6
        if self.last is None or implied_speed_ms(*self.last, x, y, t, acc) <= limit:
            self.discarded += len(self.pending)
            self.pending = []
            self.last = (x, y, t, acc)
            return [payload]
        if self.pending:
            _, px, py, pt, pa = self.pending[-1]
            if implied_speed_ms(px, py, pt, pa, x, y, t, acc) > limit:
                self.discarded += len(self.pending)
                self.pending = []
        self.pending.append((payload, x, y, t, acc))
        if len(self.pending) >= self.settings.jump_reanchor_fixes:
            released = [p[0] for p in self.pending]
            _, px, py, pt, pa = self.pending[-1]
            self.last = (px, py, pt, pa)
            self.pending = []
            return released
        return []


# --- episode state machines ---------------------------------------------------------------------------

@dataclass
class Alert:
    kind: str  # RULE_EXIT / RULE_ZONE / RULE_HEARTBEAT
    started_at: float  # when the episode began (first outside fix, zone entry, last fix before silence)
    opened_at: float  # when the rule fired
    closed_at: float | None = None
    ended_at: float | None = None  # when the episode ended (back inside, left the zone, first new fix)
    evidence: list = field(default_factory=list)  # fix references
    area: str = ""  # allowed-area key / zone id the verdict was judged against
    detail: dict = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass
class ExitMachine:
    """Dwell rule + one alert per episode + hysteresis on return."""

    settings: GeofenceSettings = DEFAULT_SETTINGS
    state: str = "in"  # in / pending / alert
    outside_refs: list = field(default_factory=list)
    outside_start: float | None = None
    last_outside: float | None = None
    calm_count: int = 0
    calm_start: float | None = None
    alert: Alert | None = None

    def _keep(self, ref):
        lim = self.settings.evidence_fixes
        if len(self.outside_refs) < lim:
            self.outside_refs.append(ref)
        else:
            self.outside_refs[-1] = ref

    def step(self, t: float, verdict: int, ref, area: str = "") -> list:
        s = self.settings
        events = []
        if verdict == OUTSIDE:
            self.calm_count = 0
            self.calm_start = None
            restart = (self.state == "pending" and self.last_outside is not None
                       and t - self.last_outside > s.dwell_max_gap_minutes * 60)
            if self.state == "in" or restart:
                self.state = "pending"
                self.outside_refs = [ref]
                self.outside_start = t
            else:
                self._keep(ref)
            self.last_outside = t
            if (self.state == "pending" and t - self.outside_start >= s.dwell_minutes * 60
                    and len(self.outside_refs) >= s.dwell_fixes):
                self.state = "alert"
                self.alert = Alert(RULE_EXIT, started_at=self.outside_start, opened_at=t,
                                   evidence=list(self.outside_refs), area=area,
                                   detail={"dwell_minutes": s.dwell_minutes, "dwell_fixes": s.dwell_fixes,
                                           "near_band_m": s.near_band_m})
                events.append(("opened", self.alert))
            elif self.state == "alert":
                self.alert.evidence = list(self.outside_refs)
        elif self.state != "in":
            if self.calm_count == 0:
                self.calm_start = t
            self.calm_count += 1
            if self.calm_count >= s.close_fixes and t - self.calm_start >= s.close_minutes * 60:
                if self.state == "alert":
                    self.alert.closed_at = t
                    self.alert.ended_at = self.calm_start
                    events.append(("closed", self.alert))
                self.state = "in"
                self.alert = None
                self.outside_refs = []
                self.outside_start = None
                self.calm_count = 0
                self.calm_start = None
        return events

    def tick(self, now: float, last_fix_time: float, area: str = "", replay: bool = False) -> list:
        """Called by the clock: a pending exit whose subject has been silent since the last outside fix
        opens its alert once the dwell time has passed (rule: alert_when_silent_outside).  With ``replay``
        (fixes uploaded late, ``now`` = the next fix's time) the alert carries the time the clock rule
        would have fired."""
        s = self.settings
        if (s.alert_when_silent_outside and self.state == "pending" and self.calm_count == 0
                and last_fix_time == self.last_outside and len(self.outside_refs) >= s.dwell_fixes
                and now - self.outside_start >= s.dwell_minutes * 60):
            self.state = "alert"
            at = max(self.last_outside, self.outside_start + s.dwell_minutes * 60) if replay else now
            self.alert = Alert(RULE_EXIT, started_at=self.outside_start, opened_at=at,
                               evidence=list(self.outside_refs), area=area,
                               detail={"dwell_minutes": s.dwell_minutes, "dwell_fixes": s.dwell_fixes,
                                       "near_band_m": s.near_band_m, "silent_since": self.last_outside})
            return [("opened", self.alert)]
        return []


@dataclass
class ZoneMachine:
    """Entering an exclusion zone alerts at once (one alert per visit; closed once confirmed out)."""

    zone_id: str
    settings: GeofenceSettings = DEFAULT_SETTINGS
    alert: Alert | None = None

    def step(self, t: float, state: int, ref) -> list:
        if state == 1:
            if self.alert is None:
                self.alert = Alert(RULE_ZONE, started_at=t, opened_at=t, evidence=[ref], area=self.zone_id,
                                   detail={"zone_max_accuracy_m": self.settings.zone_max_accuracy_m})
                return [("opened", self.alert)]
            if len(self.alert.evidence) < self.settings.evidence_fixes:
                self.alert.evidence.append(ref)
        elif state == -1 and self.alert is not None:
            alert, self.alert = self.alert, None
            alert.closed_at = alert.ended_at = t
            return [("closed", alert)]
        return []


def heartbeat_gaps(times, previous: float | None, settings: GeofenceSettings = DEFAULT_SETTINGS):
    """Indices i where the gap before fix i (from the previous fix, or ``previous`` for i=0) exceeds the
    heartbeat limit: each is one closed heartbeat-loss episode (previous fix time, fix i time)."""
    times = np.asarray(times, dtype=np.float64)
    if times.size == 0:
        return []
    prev = np.concatenate([[np.nan if previous is None else previous], times[:-1]])
    gaps = times - prev
    return [(float(prev[i]), float(times[i]), int(i)) for i in np.flatnonzero(gaps > settings.heartbeat_hours * 3600)]
