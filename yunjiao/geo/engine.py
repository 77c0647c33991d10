"""Geofence engine: ties the pure rules together for one subject's stream of fixes (still no ORM).

    catalog = AreaCatalog.from_geojson_files([...])          # adcode → WGS-84 polygon (+ version)
    ctx = SubjectContext("s1", home=("370811",), windows=[Window(...)], zones=[Zone(...)])
    tracker = SubjectTracker(catalog, ctx, settings)
    events = tracker.process(times, lons, lats, accuracies, refs)   # WGS-84, sorted or not
    events += tracker.tick(now)                                     # heartbeat check without new fixes

``events`` is a list of ("opened"|"closed", Alert).  Verdicts are computed vectorised for the whole batch;
the jump filter and the episode machines then run sequentially over the batch in time order.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from . import rules
from .projection import LocalProjection
from .rules import DEFAULT_SETTINGS, FenceArea, GeofenceSettings, Window, Zone

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_BOUNDARY_FILES = ("jining_wgs84.geojson", "jinan_wgs84.geojson")


@dataclass
class AreaCatalog:
    """Named WGS-84 areas (normally county/city polygons keyed by adcode) with a version per key."""

    geometries: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)

    def add(self, key: str, geom, version: str = "1", name: str = ""):
        self.geometries[key] = geom
        self.versions[key] = version
        self.names[key] = name or key

    @classmethod
    def from_geojson(cls, docs, version: str = "file") -> AreaCatalog:
        cat = cls()
        for doc in docs:
            for feat in doc["features"]:
                p = feat["properties"]
                cat.add(str(p["adcode"]), shape(feat["geometry"]), version, p.get("name", ""))
        return cat

    @classmethod
    def default(cls) -> AreaCatalog:
        docs = [json.loads((DATA_DIR / f).read_text(encoding="utf-8")) for f in DEFAULT_BOUNDARY_FILES]
        return cls.from_geojson(docs, version="packaged")

    def version_of(self, keys) -> str:
        return ",".join(f"{k}@{self.versions.get(k, '?')}" for k in keys)


@dataclass
class SubjectContext:
    subject_id: str
    home: tuple[str, ...]  # execution county adcode(s)
    windows: list[Window] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    requires_location: bool = True  # heartbeat rule applies


# Prepared areas are expensive to build (buffers, raster) and shared by every subject of a county.
_AREA_CACHE: dict = {}
_AREA_CACHE_MAX = 256


_PROJECTIONS: dict = {}


def _home_projection(catalog: AreaCatalog, home: tuple) -> LocalProjection:
    """The local plane of a home area, cached per (catalogue, home keys): the union of the county polygons
    was the largest fixed cost of building a tracker, once per subject per batch."""
    key = (id(catalog), tuple(home))
    hit = _PROJECTIONS.get(key)
    if hit is not None and hit[0] is catalog:
        return hit[1]
    if len(_PROJECTIONS) > _AREA_CACHE_MAX:
        _PROJECTIONS.clear()
    proj = LocalProjection.centred_on(shapely.union_all([catalog.geometries[k] for k in home]))
    _PROJECTIONS[key] = (catalog, proj)
    return proj


class SubjectTracker:
    def __init__(self, catalog: AreaCatalog, ctx: SubjectContext, settings: GeofenceSettings = DEFAULT_SETTINGS,
                 area_cache: dict | None = None):
        missing = [k for k in ctx.home if k not in catalog.geometries]
        if missing:
            raise KeyError(f"边界数据中没有行政区划代码 {','.join(missing)}：请先导入边界")
        self.catalog = catalog
        self.ctx = ctx
        self.settings = settings
        self.projection = _home_projection(catalog, ctx.home)
        self._areas = area_cache if area_cache is not None else _AREA_CACHE
        self._zone_geoms = {z.zone_id: z.projected(self.projection) for z in ctx.zones}
        self._zones_by_id = {z.zone_id: z for z in ctx.zones}
        self.accepted: list = []  # refs released by the jump filter during the last process() call
        self.last_verdicts: dict = {}  # id(ref) → verdict for the fixes evaluated by the last process() call
        for g in self._zone_geoms.values():
            shapely.prepare(g)
        self.jumps = rules.JumpFilter(settings)
        self.exit = rules.ExitMachine(settings)
        self.zone_machines = {z.zone_id: rules.ZoneMachine(z.zone_id, settings) for z in ctx.zones}
        self.last_time: float | None = None
        self._last_area = ""
        self._prev_accepted: float | None = None
        self.heartbeat_alert: rules.Alert | None = None
        self.stats = {"fixes": 0, "stale": 0, "unusable": 0}

    # -- areas -----------------------------------------------------------------------------------------
    def area(self, keys: tuple[str, ...], corridor: bool) -> FenceArea:
        cache_key = (id(self.catalog), self.catalog.version_of(keys), self.projection, keys, corridor, self.settings)
        fa = self._areas.get(cache_key)
        if fa is None:
            if len(self._areas) >= _AREA_CACHE_MAX:
                self._areas.pop(next(iter(self._areas)))
            missing = [k for k in keys if k not in self.catalog.geometries]
            if missing:
                raise KeyError(f"边界数据中没有行政区划代码 {','.join(missing)}：请先导入边界")
            parts = [self.projection.geometry(self.catalog.geometries[k]) for k in keys]
            geom = rules.compose_area(parts, corridor, self.settings)
            label = self.catalog.version_of(keys) + ("+corridor" if corridor else "")
            fa = FenceArea(geom, self.settings, key=label)
            self._areas[cache_key] = fa
        return fa

    def verdicts(self, t, x, y, acc):
        """Vectorised verdicts of projected fixes against the allowed area at each fix's time."""
        codes, specs = rules.area_key_codes(t, self.ctx.home, self.ctx.windows, self.settings)
        verdict = np.empty(len(t), dtype=np.int8)
        labels = np.empty(len(t), dtype=object)
        for code, (keys, corridor) in enumerate(specs):
            m = codes == code
            if m.any():
                fa = self.area(keys, corridor)
                verdict[m] = fa.classify(x[m], y[m], acc[m])
                labels[m] = fa.key
        return verdict, labels

    # -- processing ------------------------------------------------------------------------------------
    def process(self, t, lon, lat, acc, refs=None) -> list:
        t = np.asarray(t, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        acc = np.asarray(acc, dtype=np.float64)
        refs = list(range(len(t))) if refs is None else list(refs)
        order = np.argsort(t, kind="stable")
        t, lon, lat, acc = t[order], lon[order], lat[order], acc[order]
        refs = [refs[i] for i in order]
        if self.last_time is not None:  # late fixes cannot rewrite decided episodes
            fresh = t > self.last_time
            self.stats["stale"] += int((~fresh).sum())
            t, lon, lat, acc = t[fresh], lon[fresh], lat[fresh], acc[fresh]
            refs = [r for r, f in zip(refs, fresh, strict=True) if f]
        events = []
        self.accepted = []
        if len(t) == 0:
            return events
        self.stats["fixes"] += len(t)
        events += self._heartbeat(t, refs)
        self.last_time = float(t[-1])
        x, y = self.projection.forward(lon, lat)
        usable = acc <= self.settings.max_usable_accuracy_m
        self.stats["unusable"] += int((~usable).sum())
        verdict, labels = self.verdicts(t, x, y, acc)
        self.last_verdicts = {id(r): int(v) for r, v in zip(refs, verdict, strict=True)}
        zone_states = {z.zone_id: rules.zone_states(self._zone_geoms[z.zone_id], x, y, acc, self.settings)
                       for z in self.ctx.zones}
        for i in range(len(t)):
            if not usable[i]:
                continue
            payload = (float(t[i]), int(verdict[i]), refs[i], labels[i],
                       {zid: int(zs[i]) for zid, zs in zone_states.items()})
            for tj, vj, ref, label, zst in self.jumps.step(payload, float(x[i]), float(y[i]), float(t[i]),
                                                           float(acc[i])):
                events += self._evaluate(tj, vj, ref, label, zst)
        return events

    def _evaluate(self, t: float, verdict: int, ref, label: str, zone_states: dict) -> list:
        events = []
        for zid, zm in self.zone_machines.items():
            if zid in zone_states and self._zones_by_id[zid].active(t):
                events += zm.step(t, zone_states[zid], ref)
        if self._prev_accepted is not None:  # fixes uploaded late: the clock rule between them
            events += self.exit.tick(t, self._prev_accepted, self._last_area, replay=True)
        events += self.exit.step(t, verdict, ref, label)
        self._last_area = label
        self._prev_accepted = t
        self.accepted.append(ref)
        return events

    def _heartbeat(self, t, refs) -> list:
        if not self.ctx.requires_location:
            return []
        events = []
        if self.heartbeat_alert is not None:
            a, self.heartbeat_alert = self.heartbeat_alert, None
            a.closed_at = a.ended_at = float(t[0])
            a.evidence.append(refs[0])
            events.append(("closed", a))
            gaps = rules.heartbeat_gaps(t[1:], float(t[0]), self.settings)
            gaps = [(p, n, i + 1) for p, n, i in gaps]
        else:
            gaps = rules.heartbeat_gaps(t, self.last_time, self.settings)
        limit = self.settings.heartbeat_hours * 3600
        for prev, nxt, i in gaps:
            a = rules.Alert(rules.RULE_HEARTBEAT, started_at=prev, opened_at=prev + limit, closed_at=nxt,
                            ended_at=nxt, evidence=[refs[i]], detail={"heartbeat_hours": self.settings.heartbeat_hours})
            events += [("opened", a), ("closed", a)]
        return events

    def tick(self, now: float) -> list:
        """Clock-driven rules (call every few minutes): heartbeat loss, and a pending exit whose subject
        went silent while outside."""
        if self.last_time is None:
            return []
        events = self.exit.tick(now, self._prev_accepted, self._last_area) if self._prev_accepted else []
        if not self.ctx.requires_location or self.heartbeat_alert is not None:
            return events
        if now - self.last_time > self.settings.heartbeat_hours * 3600:
            self.heartbeat_alert = rules.Alert(
                rules.RULE_HEARTBEAT, started_at=self.last_time, opened_at=now,
                detail={"heartbeat_hours": self.settings.heartbeat_hours})
            events.append(("opened", self.heartbeat_alert))
        return events


def allowed_area(catalog: AreaCatalog, home, at: float, windows=(), zones=(),
                 settings: GeofenceSettings = DEFAULT_SETTINGS):
    """The subject's allowed area at time ``at`` in WGS-84: home ∪ active windows' destinations (+ corridor)
    − active exclusion zones.  Pure function of (time, windows, zones)."""
    keys, corridor = rules.area_keys(at, tuple(home), windows, settings)
    proj = _home_projection(catalog, tuple(home))
    area = rules.compose_area([proj.geometry(catalog.geometries[k]) for k in keys], corridor, settings)
    active_zones = [z.projected(proj) for z in zones if z.active(at)]
    if active_zones:
        area = shapely.difference(area, shapely.union_all(active_zones))
    return proj.unproject_geometry(area)


# --- persistence of a tracker's state between batches (JSON) ---------------------------------------------

def _alert_to_dict(a: rules.Alert | None):
    return None if a is None else dataclasses.asdict(a)


def _alert_from_dict(d):
    return None if d is None else rules.Alert(**d)


def dump_state(trk: SubjectTracker) -> dict:
    """JSON-able state of a tracker (refs and payloads must themselves be JSON-able)."""
    e = trk.exit
    return {
        "projection": [trk.projection.lon0, trk.projection.lat0],
        "jumps": {"last": list(trk.jumps.last) if trk.jumps.last else None,
                  "pending": [[list(p[0]), p[1], p[2], p[3], p[4]] for p in trk.jumps.pending],
                  "discarded": trk.jumps.discarded},
        "exit": {"state": e.state, "outside_refs": e.outside_refs, "outside_start": e.outside_start,
                 "last_outside": e.last_outside, "calm_count": e.calm_count, "calm_start": e.calm_start,
                 "alert": _alert_to_dict(e.alert)},
        "zones": {zid: _alert_to_dict(zm.alert) for zid, zm in trk.zone_machines.items()},
        "heartbeat": _alert_to_dict(trk.heartbeat_alert),
        "last_time": trk.last_time,
        "prev_accepted": trk._prev_accepted,
        "last_area": trk._last_area,
    }


def load_state(trk: SubjectTracker, state: dict) -> SubjectTracker:
    if not state:
        return trk
    same_plane = state.get("projection") == [trk.projection.lon0, trk.projection.lat0]
    j = state.get("jumps") or {}
    if same_plane:  # positions are in the tracker's plane; after a change of execution place start afresh
        trk.jumps.last = tuple(j["last"]) if j.get("last") else None
        trk.jumps.pending = [(tuple(p[0]), p[1], p[2], p[3], p[4]) for p in j.get("pending", [])]
    trk.jumps.discarded = j.get("discarded", 0)
    ex = state.get("exit") or {}
    e = trk.exit
    e.state = ex.get("state", "in")
    e.outside_refs = ex.get("outside_refs", [])
    e.outside_start = ex.get("outside_start")
    e.last_outside = ex.get("last_outside")
    e.calm_count = ex.get("calm_count", 0)
    e.calm_start = ex.get("calm_start")
    e.alert = _alert_from_dict(ex.get("alert"))
    for zid, a in (state.get("zones") or {}).items():
        if zid in trk.zone_machines:
            trk.zone_machines[zid].alert = _alert_from_dict(a)
    trk.heartbeat_alert = _alert_from_dict(state.get("heartbeat"))
    trk.last_time = state.get("last_time")
    trk._prev_accepted = state.get("prev_accepted")
    trk._last_area = state.get("last_area", "")
    return trk
