"""Location benchmarks.  One command:  python bench/locations.py [--n 4000000] [--repeat 5]

In-process part (this file): vectorised geofence classification (inside / near / outside) of WGS-84 fixes
against the 任城区 allowed area, including the lon/lat → local-metres projection, with the real engine
classes (yunjiao.geo.engine.SubjectTracker.area → rules.FenceArea.classify).  Two fix mixes:

* realistic — positions drawn around homes spread over the county: 94 % GPS (accuracy 5–50 m),
  6 % network (500–2,000 m); ~3 % of fixes fall within 1 km of the border;
* worst case — fixes uniform over the county's bounding box ± 3 km (≈ 30 % near the border), same accuracies.

Also reports the sequential engine (jump filter + episode machines) rate per fix for one subject.
The end-to-end HTTP → PostgreSQL part is not written yet (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from yunjiao.geo.engine import AreaCatalog, SubjectContext, SubjectTracker  # noqa: E402


def mixes(trk, n, rng):
    fa = trk.area(trk.ctx.home, False)
    minx, miny, maxx, maxy = fa.geom.bounds
    # realistic: 2,000 homes inside the county, fixes within ~1.5 km of home
    hx = rng.uniform(minx, maxx, 20000)
    hy = rng.uniform(miny, maxy, 20000)
    import shapely

    keep = shapely.contains_xy(fa.geom, hx, hy)
    hx, hy = hx[keep][:2000], hy[keep][:2000]
    k = rng.integers(0, len(hx), n)
    rx = hx[k] + rng.normal(0, 700, n)
    ry = hy[k] + rng.normal(0, 700, n)
    ux = rng.uniform(minx - 3000, maxx + 3000, n)
    uy = rng.uniform(miny - 3000, maxy + 3000, n)
    acc = np.where(rng.random(n) < 0.94, rng.uniform(5, 50, n), rng.uniform(500, 2000, n))
    out = {}
    for name, (x, y) in {"realistic": (rx, ry), "worst case": (ux, uy)}.items():
        lon, lat = trk.projection.inverse(x, y)
        out[name] = (lon, lat, acc)
    return out


def bench_classify(trk, lon, lat, acc, repeat):
    fa = trk.area(trk.ctx.home, False)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        x, y = trk.projection.forward(lon, lat)
        v = fa.classify(x, y, acc)
        best = min(best, time.perf_counter() - t0)
    counts = np.bincount(v, minlength=3)
    return len(lon) / best, counts


def bench_sequential(catalog, n, rng):
    trk = SubjectTracker(catalog, SubjectContext("bench", ("370811",)))
    fa = trk.area(trk.ctx.home, False)
    c = fa.geom.representative_point()
    t = 1_780_000_000 + 30.0 * np.arange(n)
    x = c.x + np.cumsum(rng.normal(0, 20, n))
    y = c.y + np.cumsum(rng.normal(0, 20, n))
    lon, lat = trk.projection.inverse(x, y)
    acc = rng.uniform(5, 50, n)
    t0 = time.perf_counter()
    trk.process(t, lon, lat, acc)
    return n / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(20261128)
    catalog = AreaCatalog.default()
    trk = SubjectTracker(catalog, SubjectContext("bench", ("370811",)))
    print(f"cpus={os.cpu_count()} n={args.n} repeat={args.repeat} (best of)")
    for name, (lon, lat, acc) in mixes(trk, args.n, rng).items():
        rate, counts = bench_classify(trk, lon, lat, acc, args.repeat)
        print(f"classify[{name}]: {rate:,.0f} fixes/s  (inside {counts[0]:,}, near {counts[1]:,}, outside {counts[2]:,})")
    print(f"sequential engine (jump filter + episodes, one subject): {bench_sequential(catalog, 200_000, rng):,.0f} fixes/s")


if __name__ == "__main__":
    main()
