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


class SubjectTracker:
    def __init__(self, catalog: AreaCatalog, ctx: SubjectContext, settings: GeofenceSettings = DEFAULT_SETTINGS,
                 area_cache: dict | None = None):
        missing = [k for k in ctx.home if k not in catalog.geometries]
        if missing:
            raise KeyError(f"边界数据中没有行政区划代码 {','.join(missing)}：请先导入边界")
        self.catalog = catalog
        self.ctx = ctx
        self.settings = settings
        self.projection = LocalProjection.centred_on(shapely.union_all([catalog.geometries[k] for k in ctx.home]))
        self._areas = area_cache if area_cache is not None else _AREA_CACHE
        self._zone_geoms = {z.zone_id: z.projected(self.projection) for z in ctx.zones}
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
        if len(t) == 0:
            return events
        self.stats["fixes"] += len(t)
        events += self._heartbeat(t, refs)
        self.last_time = float(t[-1])
        x, y = self.projection.forward(lon, lat)
        usable = acc <= self.settings.max_usable_accuracy_m
        self.stats["unusable"] += int((~usable).sum())
        verdict, labels = self.verdicts(t, x, y, acc)
        zone_states = {}
        for z in self.ctx.zones:
            zone_states[z.zone_id] = rules.zone_states(self._zone_geoms[z.zone_id], x, y, acc, self.settings)
        zones_by_id = {z.zone_id: z for z in self.ctx.zones}
        for i in range(len(t)):
            if not usable[i]:
                continue
            for j in self.jumps.step(i, float(x[i]), float(y[i]), float(t[i]), float(acc[i])):
                tj = float(t[j])
                for zid, zm in self.zone_machines.items():
                    if zones_by_id[zid].active(tj):
                        events += zm.step(tj, int(zone_states[zid][j]), refs[j])
                if self._prev_accepted is not None:  # fixes uploaded late: the clock rule between them
                    events += self.exit.tick(tj, self._prev_accepted, self._last_area, replay=True)
                events += self.exit.step(tj, int(verdict[j]), refs[j], labels[j])
                self._last_area = labels[j]
                self._prev_accepted = tj
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
    proj = LocalProjection.centred_on(shapely.union_all([catalog.geometries[k] for k in home]))
    area = rules.compose_area([proj.geometry(catalog.geometries[k]) for k in keys], corridor, settings)
    active_zones = [z.projected(proj) for z in zones if z.active(at)]
    if active_zones:
        area = shapely.difference(area, shapely.union_all(active_zones))
    return proj.unproject_geometry(area)
