"""Deterministic synthetic trajectories with ground truth, for measuring alert quality.

Each synthetic subject has a *true* path (piecewise-linear in a local metric projection) and a stream of
*observed* fixes generated from it with the failure modes seen in practice:

* GPS noise: reported accuracy a ∈ [5, 40] m, 2-D Gaussian error with 68 % of fixes inside a;
* multipath jumps: bursts of 1–3 fixes displaced 1–3.5 km while still claiming 10–50 m accuracy;
* network (Wi-Fi/cell) fixes: accuracy 500–2,000 m; 5 % of them are off by twice what they claim;
* gaps (phone off, no signal) of 1–4 hours; some fixes are sent in GCJ-02 (as 高德/腾讯 SDKs do).

Scenarios (one subject-day each): ``home`` (errands inside the county), ``border_walk`` (hours walking
20–150 m inside the county border), ``day_trip`` (a real exit 3–30 km out for 1–8 h), ``short_exit``
(10–25 min out), ``mid_exit`` (25–45 min out), ``lake`` (boat trips on 微山湖 inside 微山县, mostly network
fixes, sparse), ``leave`` (approved leave to 济南, returning on time) and ``leave_overstay`` (back a day late).

Ground truth is computed mechanically from the true path on a 10-second grid: the subject is out of bounds
whenever the true position is outside the home county and no approved window is active (strictly — no grace,
no corridor: the engine's grace is a policy that costs time-to-alert, and is measured as such).  Each run of
out-of-bounds time is an episode; ``significant`` when it reaches ≥ 500 m beyond the border.  Nothing is
labelled by hand.

Each fix also carries ``truth_out_m``: how far its *true* position was outside the allowed area (0 inside),
so the evaluator can tell which exits the observations could reveal at all.

Output: JSONL lines ``{"type": "subject", ...}``, ``{"type": "fix", ...}``, ``{"type": "episode", ...}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.ops import nearest_points, polylabel

from . import coords
from .engine import AreaCatalog
from .projection import LocalProjection

COUNTIES = ("370811", "370812", "370826", "370827", "370828", "370829", "370830", "370831", "370832",
            "370881", "370883")
WEISHAN = "370826"
JINAN = "370100"
# 微山湖 (南四湖) extent, WGS-84, generous box around the water within 微山县.
LAKE_BOX = (116.95, 34.55, 117.35, 35.10)
SCENARIOS = (("home", 0.30), ("border_walk", 0.18), ("day_trip", 0.16), ("short_exit", 0.07),
             ("mid_exit", 0.05), ("lake", 0.10), ("leave", 0.08), ("leave_overstay", 0.06))
T_START = 1_780_000_000.0  # 2026-05-28T20:26:40Z; subject i starts i days later
DAY = 86400.0
SIGNIFICANT_M = 500.0


@dataclass
class Path:
    """Piecewise-linear true path: knots (t, x, y) in projected metres."""

    t: list
    x: list
    y: list

    def add(self, t, x, y):
        self.t.append(float(t))
        self.x.append(float(x))
        self.y.append(float(y))

    def at(self, t):
        return np.interp(t, self.t, self.x), np.interp(t, self.t, self.y)

    @property
    def end(self):
        return self.t[-1]

    def pos(self):
        return self.x[-1], self.y[-1]

    def go(self, x, y, speed_ms):
        x0, y0 = self.pos()
        self.add(self.end + max(60.0, np.hypot(x - x0, y - y0) / speed_ms), x, y)

    def stay(self, seconds, rng, radius=40.0):
        x0, y0 = self.pos()
        n = max(1, int(seconds // 600))
        for k in range(n):
            self.add(self.end + seconds / n, x0 + rng.normal(0, radius) * (k < n - 1),
                     y0 + rng.normal(0, radius) * (k < n - 1))


class Generator:
    def __init__(self, catalog: AreaCatalog | None = None, seed: int = 1):
        self.catalog = catalog or AreaCatalog.default()
        self.seed = seed
        self._cache = {}

    def _county(self, adcode):
        if adcode not in self._cache:
            g = self.catalog.geometries[adcode]
            proj = LocalProjection.centred_on(g)
            pg = proj.geometry(g)
            shapely.prepare(pg)
            self._cache[adcode] = (proj, pg)
        return self._cache[adcode]

    # -- helpers ---------------------------------------------------------------------------------------
    @staticmethod
    def _random_inside(poly, rng, min_depth=0.0, max_depth=None):
        minx, miny, maxx, maxy = poly.bounds
        boundary = poly.boundary
        for _ in range(10000):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not shapely.contains_xy(poly, x, y):
                continue
            d = boundary.distance(shapely.Point(x, y))
            if d >= min_depth and (max_depth is None or d <= max_depth):
                return x, y
        raise RuntimeError("no point found")

    @staticmethod
    def _random_outside(poly, rng, dmin, dmax):
        minx, miny, maxx, maxy = poly.bounds
        for _ in range(10000):
            x, y = rng.uniform(minx - dmax, maxx + dmax), rng.uniform(miny - dmax, maxy + dmax)
            d = poly.distance(shapely.Point(x, y))
            if dmin <= d <= dmax:
                return x, y
        raise RuntimeError("no point found")

    # -- scenarios -------------------------------------------------------------------------------------
    def subject(self, i: int) -> dict:
        rng = np.random.default_rng([self.seed, i])
        names = [s for s, _ in SCENARIOS]
        p = np.array([w for _, w in SCENARIOS])
        scenario = names[rng.choice(len(names), p=p / p.sum())]
        home_code = WEISHAN if scenario == "lake" else COUNTIES[rng.integers(len(COUNTIES))]
        proj, poly = self._county(home_code)
        t0 = T_START + i * DAY
        windows = []
        near_border = scenario == "border_walk" or rng.random() < 0.25
        hx, hy = (self._random_inside(poly, rng, 300, 1500) if near_border
                  else self._random_inside(poly, rng, 1500))
        path = Path([t0], [hx], [hy])
        net_share = 0.08
        interval = 300.0 if rng.random() < 0.8 else 60.0
        path.stay(rng.uniform(1, 3) * 3600, rng)
        if scenario == "home":
            for _ in range(rng.integers(1, 4)):
                ex, ey = self._random_inside(poly, rng, 800)
                path.go(ex, ey, rng.uniform(5, 15))
                path.stay(rng.uniform(0.5, 3) * 3600, rng)
                path.go(hx, hy, rng.uniform(5, 15))
                path.stay(rng.uniform(0.5, 2) * 3600, rng)
        elif scenario == "border_walk":
            depth = rng.uniform(20, 150)
            ring = poly.buffer(-depth)
            ring = max(getattr(ring, "geoms", [ring]), key=lambda g: g.area).exterior
            start = ring.project(shapely.Point(hx, hy))
            length = rng.uniform(1, 3) * 3600 * 1.3
            sx, sy = ring.interpolate(start).coords[0]
            path.go(sx, sy, 1.3)
            steps = int(length // 50)
            direction = 1 if rng.random() < 0.5 else -1
            for k in range(1, steps + 1):
                px, py = ring.interpolate((start + direction * 50 * k) % ring.length).coords[0]
                path.go(px, py, 1.3)
            path.go(hx, hy, 1.3)
        elif scenario in ("day_trip", "short_exit", "mid_exit"):
            if scenario == "day_trip":
                ox, oy = self._random_outside(poly, rng, 3000, 30000)
                dwell = rng.uniform(1, 8) * 3600
            else:
                ox, oy = self._random_outside(poly, rng, 800, 2500)
                dwell = (rng.uniform(10, 25) if scenario == "short_exit" else rng.uniform(25, 45)) * 60
                # approach from the nearest border point so the time out is about ``dwell``
                bx, by = nearest_points(poly.boundary, shapely.Point(ox, oy))[0].coords[0]
                ux, uy = (bx - ox), (by - oy)
                n = np.hypot(ux, uy)
                path.go(bx + ux / n * 300, by + uy / n * 300, rng.uniform(8, 15))
                speed = rng.uniform(8, 15)
                travel = 2 * (np.hypot(ox - bx, oy - by) / speed)
                path.go(ox, oy, speed)
                path.stay(max(60.0, dwell - travel), rng)
                path.go(bx + ux / n * 300, by + uy / n * 300, speed)
                dwell = None
            if dwell is not None:
                speed = rng.uniform(10, 25)
                path.go(ox, oy, speed)
                path.stay(dwell, rng)
            path.go(hx, hy, rng.uniform(10, 25))
        elif scenario == "lake":
            net_share = 0.6
            interval = 900.0
            lake = shapely.box(*proj.forward(LAKE_BOX[0], LAKE_BOX[1]), *proj.forward(LAKE_BOX[2], LAKE_BOX[3]))
            water = poly.intersection(lake)
            for _ in range(rng.integers(1, 3)):
                ax, ay = self._random_inside(water, rng, 100, 800)
                bx, by = self._random_inside(water, rng, 100, 800)
                path.go(ax, ay, 8)
                path.go(bx, by, rng.uniform(3, 6))  # boat
                path.stay(rng.uniform(0.5, 2) * 3600, rng)
            path.go(hx, hy, 8)
        elif scenario in ("leave", "leave_overstay"):
            jproj = proj
            jpoly = jproj.geometry(self.catalog.geometries[JINAN])
            jx, jy = polylabel(max(getattr(jpoly, "geoms", [jpoly]), key=lambda g: g.area), 50).coords[0]
            jx, jy = jx + rng.normal(0, 3000), jy + rng.normal(0, 3000)
            depart = path.end
            days = int(rng.integers(1, 3))
            w_end = depart + days * DAY
            windows.append({"start": depart - 1800, "end": w_end, "destinations": [JINAN], "kind": "leave",
                            "ref": f"leave-{i}"})
            path.go(jx, jy, 22)
            back_at = w_end - 4 * 3600 if scenario == "leave" else w_end + DAY
            path.stay(back_at - path.end, rng, radius=500)
            path.go(hx, hy, 22)
        path.stay(rng.uniform(2, 5) * 3600, rng)
        fixes = self._observe(path, proj, rng, interval, net_share)
        episodes = self._truth(path, poly, windows)
        ft = np.array([f[0] for f in fixes])
        tx, ty = path.at(ft)
        out_m = shapely.distance(poly, shapely.points(tx, ty))
        for w in windows:
            out_m[(ft >= w["start"]) & (ft < w["end"])] = 0.0
        fixes = [(*f, round(float(o), 1)) for f, o in zip(fixes, out_m, strict=True)]
        lon, lat = proj.inverse([f[1] for f in fixes], [f[2] for f in fixes])
        return {"subject": f"S{i:05d}", "scenario": scenario, "home": [home_code], "windows": windows,
                "fixes": [(f[0], float(lo), float(la), f[3], f[4], f[5])
                          for f, lo, la in zip(fixes, lon, lat, strict=True)],
                "episodes": episodes}

    def _observe(self, path, proj, rng, interval, net_share):
        times = []
        t = path.t[0]
        while t <= path.end:
            if rng.random() < 0.004:  # phone off / no signal
                t += rng.uniform(1, 4) * 3600
                continue
            times.append(t)
            t += interval * rng.uniform(0.8, 1.2)
        times = np.array(times)
        x, y = path.at(times)
        n = len(times)
        out = []
        burst = 0
        for k in range(n):
            if burst == 0 and rng.random() < 0.006:
                burst = int(rng.integers(1, 4))
                jd = rng.uniform(1000, 3500)
                ja = rng.uniform(0, 2 * np.pi)
            if burst > 0:
                burst -= 1
                acc = rng.uniform(10, 50)
                ex, ey = jd * np.cos(ja), jd * np.sin(ja)
                src = "gps"
            elif rng.random() < net_share:
                acc = rng.uniform(500, 2000)
                sigma = acc / 1.51 * (2.0 if rng.random() < 0.05 else 1.0)
                ex, ey = rng.normal(0, sigma, 2)
                src = "network"
            else:
                acc = rng.uniform(5, 40)
                ex, ey = rng.normal(0, acc / 1.51, 2)
                src = "gps"
            out.append((float(times[k]), x[k] + ex, y[k] + ey, round(float(acc), 1), src))
        return out

    @staticmethod
    def _truth(path, poly, windows):
        grid = np.arange(path.t[0], path.end, 10.0)
        x, y = path.at(grid)
        out = ~shapely.contains_xy(poly, x, y)
        for w in windows:
            out &= ~((grid >= w["start"]) & (grid < w["end"]))
        episodes = []
        k = 0
        n = len(grid)
        while k < n:
            if not out[k]:
                k += 1
                continue
            j = k
            while j + 1 < n and (out[j + 1] or (j + 7 < n and out[j + 1: j + 7].any())):
                j += 1
            seg = slice(k, j + 1)
            d = shapely.distance(poly, shapely.points(x[seg], y[seg]))
            episodes.append({"start": float(grid[k]), "end": float(grid[j] + 10.0),
                             "max_distance_m": round(float(d.max()), 1),
                             "significant": bool(d.max() >= SIGNIFICANT_M)})
            k = j + 1
        return episodes


def write_jsonl(fh, n_subjects: int, seed: int = 1, catalog: AreaCatalog | None = None, gcj_share: float = 0.2):
    """Write ``n_subjects`` synthetic subject-days to an open text file; returns counts."""
    gen = Generator(catalog, seed)
    counts = {"subjects": 0, "fixes": 0, "episodes": 0}
    for i in range(n_subjects):
        s = gen.subject(i)
        rng = np.random.default_rng([seed, i, 7])
        fh.write(json.dumps({"type": "subject", "subject": s["subject"], "scenario": s["scenario"],
                             "home": s["home"], "windows": s["windows"]}, ensure_ascii=False) + "\n")
        for t, lon, lat, acc, src, truth_out in s["fixes"]:
            system = "gcj02" if rng.random() < gcj_share else "wgs84"
            if system == "gcj02":
                glon, glat = coords.wgs84_to_gcj02(lon, lat)
                lon, lat = float(glon), float(glat)
            fh.write(json.dumps({"type": "fix", "subject": s["subject"], "t": round(t, 1), "lon": round(lon, 7),
                                 "lat": round(lat, 7), "accuracy": acc, "source": src, "system": system,
                                 "truth_out_m": truth_out}) + "\n")
        for e in s["episodes"]:
            fh.write(json.dumps({"type": "episode", "subject": s["subject"], "kind": "exit", **e}) + "\n")
        counts["subjects"] += 1
        counts["fixes"] += len(s["fixes"])
        counts["episodes"] += len(s["episodes"])
    return counts
