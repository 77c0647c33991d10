"""Coordinate-system conversions between WGS-84, GCJ-02 and BD-09 (pure, numpy-vectorised).

Chinese phones and map SDKs report positions in three systems:

* ``wgs84`` — raw GNSS (GPS/北斗) output, EPSG:4326.  Everything Yunjiao stores is WGS-84.
* ``gcj02`` — the obfuscated "Mars" system mandated for published maps (高德, 腾讯, Apple Maps in China).
  The forward transform is public; there is no closed-form inverse, so GCJ-02 → WGS-84 is solved by a
  fixed-point iteration that converges to below 1e-6 m (the transform is a small, smooth perturbation,
  its Jacobian is within ~1e-4 of the identity, so each step gains about four decimal digits).
* ``bd09`` — Baidu's further transform of GCJ-02; also inverted iteratively so round trips are exact.

Outside the mainland bounding box the GCJ-02 transform is the identity (as in the published algorithm).

All functions accept scalars or array-likes of equal shape and return ``numpy`` arrays (0-d for scalars);
``to_wgs84(lon, lat, system)`` is the single entry point used by ingestion.
"""

from __future__ import annotations

import math

import numpy as np

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)

# Krasovsky 1940 ellipsoid parameters used by the published GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

# Iteration stop: 1e-13 degrees is ~1e-8 m on the ground.
_TOL_DEG = 1e-13
_MAX_ITER = 30


def _arrays(lon, lat):
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    if lon.shape != lat.shape:
        raise ValueError("经度与纬度数组长度不一致")
    return lon, lat


def in_china(lon, lat):
    """True where the point lies in the box in which GCJ-02 applies (the published algorithm's box)."""
    lon, lat = _arrays(lon, lat)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _delta(lon, lat):
    """GCJ-02 offset (degrees) at WGS-84 point (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    six_pi_x = 6.0 * x * math.pi
    two_pi_x = 2.0 * x * math.pi
    common = (20.0 * np.sin(six_pi_x) + 20.0 * np.sin(two_pi_x)) * 2.0 / 3.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
        + common
        + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
        + common
        + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _delta(lon, lat)
    mask = in_china(lon, lat)
    return np.where(mask, lon + dlon, lon), np.where(mask, lat + dlat, lat)


def gcj02_to_bd09(lon, lat):
    lon, lat = _arrays(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon, lat):
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(forward, lon, lat, start):
    """Solve forward(w) = (lon, lat) for w by fixed-point iteration w <- w - (forward(w) - target)."""
    wlon, wlat = start
    wlon = np.array(wlon, dtype=np.float64, copy=True)
    wlat = np.array(wlat, dtype=np.float64, copy=True)
    for _ in range(_MAX_ITER):
        flon, flat = forward(wlon, wlat)
        elon = flon - lon
        elat = flat - lat
        wlon -= elon
        wlat -= elat
        if max(float(np.max(np.abs(elon), initial=0.0)), float(np.max(np.abs(elat), initial=0.0))) < _TOL_DEG:
            break
    return wlon, wlat


def gcj02_to_wgs84(lon, lat):
    """Exact inverse of :func:`wgs84_to_gcj02` (iterative; residual < 1e-8 m)."""
    lon, lat = _arrays(lon, lat)
    return _invert(wgs84_to_gcj02, lon, lat, (lon, lat))


def bd09_to_gcj02(lon, lat):
    """Exact inverse of :func:`gcj02_to_bd09` (iterative, seeded with the usual approximate formula)."""
    lon, lat = _arrays(lon, lat)
    return _invert(gcj02_to_bd09, lon, lat, _bd09_to_gcj02_approx(lon, lat))


def wgs84_to_bd09(lon, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84 = {
    WGS84: lambda lon, lat: _arrays(lon, lat),
    GCJ02: gcj02_to_wgs84,
    BD09: bd09_to_wgs84,
}

_FROM_WGS84 = {
    WGS84: lambda lon, lat: _arrays(lon, lat),
    GCJ02: wgs84_to_gcj02,
    BD09: wgs84_to_bd09,
}


def normalise_system(system: str) -> str:
    key = (system or "").strip().lower().replace("-", "").replace("_", "")
    aliases = {"wgs84": WGS84, "gps": WGS84, "epsg4326": WGS84, "gcj02": GCJ02, "gcj": GCJ02,
               "bd09": BD09, "bd09ll": BD09, "baidu": BD09}
    if key not in aliases:
        raise ValueError(f"不支持的坐标系“{system}”：请使用 wgs84、gcj02 或 bd09")
    return aliases[key]


def to_wgs84(lon, lat, system: str):
    """Convert from ``system`` (wgs84/gcj02/bd09) to WGS-84."""
    return _TO_WGS84[normalise_system(system)](lon, lat)


def from_wgs84(lon, lat, system: str):
    """Convert WGS-84 to ``system`` (used for display on GCJ-02 tiles)."""
    return _FROM_WGS84[normalise_system(system)](lon, lat)


EARTH_RADIUS_M = 6371008.8


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres on the mean sphere (vectorised)."""
    lon1, lat1 = _arrays(lon1, lat1)
    lon2, lat2 = _arrays(lon2, lat2)
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
