"""Test helpers: build fixes at known signed distances from a real county border (projected metres)."""

from __future__ import annotations

import functools

import numpy as np
import shapely

from yunjiao.geo.engine import AreaCatalog, SubjectContext, SubjectTracker
from yunjiao.geo.rules import DEFAULT_SETTINGS

RENCHENG = "370811"  # 任城区
JINAN = "370100"  # 济南市
T0 = 1_780_000_000.0  # 2026-05-28 (any fixed instant)
MIN = 60.0
HOUR = 3600.0
DAY = 86400.0


@functools.cache
def catalog() -> AreaCatalog:
    return AreaCatalog.default()


def tracker(home=(RENCHENG,), settings=DEFAULT_SETTINGS, **ctx) -> SubjectTracker:
    return SubjectTracker(catalog(), SubjectContext("s", tuple(home), **ctx), settings)


class Border:
    """A ray from the home area's interior that crosses its border westwards; ``at(s)`` gives the projected
    point whose distance to the border is |s| (s < 0 inside, s > 0 outside), found by bisection."""

    def __init__(self, trk: SubjectTracker, direction=(-1.0, 0.0)):
        area = shapely.union_all([trk.projection.geometry(catalog().geometries[k]) for k in trk.ctx.home])
        self.area = area
        self.boundary = area.boundary
        from shapely.ops import polylabel

        main = max(getattr(area, 'geoms', [area]), key=lambda g: g.area)
        c = polylabel(main, tolerance=10.0)
        self.d = np.array(direction) / np.hypot(*direction)
        ray = shapely.LineString([(c.x, c.y), (c.x + self.d[0] * 200_000, c.y + self.d[1] * 200_000)])
        hits = shapely.get_coordinates(ray.intersection(self.boundary))
        first = hits[np.argmin(np.hypot(hits[:, 0] - c.x, hits[:, 1] - c.y))]
        self.cross = first
        self.proj = trk.projection

    def xy(self, s: float):
        if s == 0:
            return tuple(self.cross)
        sign = 1.0 if s > 0 else -1.0

        def dist(u):
            return self.boundary.distance(shapely.Point(*(self.cross + sign * self.d * u)))

        step = abs(s) / 50
        hi = step
        while dist(hi) < abs(s):  # first crossing of the wanted distance along the ray
            hi += step
        lo = hi - step
        for _ in range(60):
            mid = (lo + hi) / 2
            if dist(mid) < abs(s):
                lo = mid
            else:
                hi = mid
        p = self.cross + sign * self.d * hi
        pt = shapely.Point(*p)
        assert abs(self.boundary.distance(pt) - abs(s)) < 0.5
        assert self.area.contains(pt) == (s < 0)
        return tuple(p)

    def lonlat(self, s: float):
        x, y = self.xy(s)
        lon, lat = self.proj.inverse(x, y)
        return float(lon), float(lat)


def track(points, start=T0, step=5 * MIN, acc=15.0):
    """points: list of (lon, lat) → arrays t, lon, lat, acc with a fix every ``step`` seconds."""
    pts = np.asarray(points, dtype=np.float64)
    t = start + step * np.arange(len(pts))
    return t, pts[:, 0], pts[:, 1], np.full(len(pts), acc)


def opened(events, kind=None):
    return [a for e, a in events if e == "opened" and (kind is None or a.kind == kind)]
