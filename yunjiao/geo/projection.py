"""A local metric projection (metres) for geofencing, pure numpy, no PROJ needed.

Cassini-type projection about a centre (lon0, lat0) on the WGS-84 ellipsoid's local radii:

    x = N(φ) · cos φ · Δλ
    y = M0 · Δφ + M0' · Δφ² / 2 + N(φ) · sin φ · cos φ · Δλ² / 2

(N prime-vertical radius of curvature, M0 meridional radius at φ0, M0' = dM/dφ there).  The second-order term removes the
shear of a plain equirectangular projection.  Measured against the ellipsoid's local metric
ds² = (M dφ)² + (N cos φ dλ)², the length error is below 1e-4 (0.1 m per km) within ±1° of the
centre (1e-5 within ±0.3°), i.e. over a whole county or city and its surroundings (tests/test_projection.py).  That is far
below the 100–160 m by which boundary sources disagree.  Use one projection per subject (centred on the
execution county) so fixes, polygons and zones share it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)


def radii(lat_deg: float) -> tuple[float, float]:
    """(M, N): meridional and prime-vertical radii of curvature at latitude (metres)."""
    s = math.sin(math.radians(lat_deg))
    w = 1 - WGS84_E2 * s * s
    n = WGS84_A / math.sqrt(w)
    m = WGS84_A * (1 - WGS84_E2) / (w * math.sqrt(w))
    return m, n


@dataclass(frozen=True)
class LocalProjection:
    lon0: float
    lat0: float

    @property
    def _radii(self):
        return radii(self.lat0)

    @property
    def _m1(self):
        """dM/dφ at φ0 (second-order term of the meridian arc)."""
        s = math.sin(math.radians(self.lat0))
        c = math.cos(math.radians(self.lat0))
        w = 1 - WGS84_E2 * s * s
        return 3 * WGS84_A * (1 - WGS84_E2) * WGS84_E2 * s * c / w**2.5

    def forward(self, lon, lat):
        m0, _ = self._radii
        m1 = self._m1
        phi = np.radians(np.asarray(lat, dtype=np.float64))
        dl = np.radians(np.asarray(lon, dtype=np.float64) - self.lon0)
        dphi = phi - math.radians(self.lat0)
        s = np.sin(phi)
        c = np.cos(phi)
        nc = WGS84_A / np.sqrt(1 - WGS84_E2 * s * s) * c  # N(φ)·cos φ
        x = nc * dl
        y = dphi * (m0 + 0.5 * m1 * dphi) + nc * s * dl * dl * 0.5
        return x, y

    def inverse(self, x, y):
        """Inverse by fixed-point iteration (used only for drawing and test data)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        lat = self.lat0 + np.degrees(y / self._radii[0])
        lon = self.lon0 + np.degrees(x / self._radii[1] / np.cos(np.radians(lat)))
        for _ in range(50):  # Newton-free fixed point: the map is within 1e-2 of a scaled identity
            fx, fy = self.forward(lon, lat)
            ex, ey = fx - x, fy - y
            lat = lat - np.degrees(ey / self._radii[0])
            lon = lon - np.degrees(ex / self._radii[1] / np.cos(np.radians(lat)))
            if max(float(np.max(np.abs(ex), initial=0)), float(np.max(np.abs(ey), initial=0))) < 1e-7:
                break
        return lon, lat

    def geometry(self, geom):
        """Project a shapely geometry (lon/lat) into this plane."""

        def fn(coords):
            x, y = self.forward(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geom, fn)

    def unproject_geometry(self, geom):
        def fn(coords):
            lon, lat = self.inverse(coords[:, 0], coords[:, 1])
            return np.column_stack([lon, lat])

        return shapely.transform(geom, fn)

    @classmethod
    def centred_on(cls, geom) -> LocalProjection:
        minx, miny, maxx, maxy = geom.bounds
        return cls(round((minx + maxx) / 2, 4), round((miny + maxy) / 2, 4))
