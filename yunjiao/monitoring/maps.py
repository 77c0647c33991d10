"""GeoJSON for the map pages: boundaries of the user's scope, one subject's trajectory with its alerts, and
the latest position of each subject in scope.  Read-only; the views audit every disclosure of fixes.

Stored coordinates are WGS-84.  When the tiles are GCJ-02 (MAP_TILE_CRS = "gcj02", 高德/腾讯) coordinates
are converted for display only (geo.coords), so points and boundaries sit on the tiles' roads.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import shapely
from django.conf import settings
from django.db.models import OuterRef, Subquery
from shapely.geometry import mapping

from yunjiao.geo import coords
from yunjiao.geo import services as geo
from yunjiao.geo.models import ExclusionZone, GeofenceAlert, LocationFix
from yunjiao.geo.rules import VERDICT_NAMES

VERDICT_LABELS = {"inside": "范围内", "near": "边界附近", "outside": "范围外", "discarded": "已剔除（漂移/精度差）",
                  None: "未判定"}
MAX_FIXES = 5000  # per trajectory request; the page asks for shorter periods when this is exceeded
MAX_DAYS = 31
SIMPLIFY_DEG = 0.0001  # ≈ 10 m: boundary outlines for display
LAT_M = 111_320.0  # metres per degree of latitude (display of circles only)


def tile_settings() -> dict:
    url = getattr(settings, "MAP_TILE_URL", "") or ""
    crs = (getattr(settings, "MAP_TILE_CRS", "wgs84") or "wgs84").lower()
    return {"url": url, "crs": crs if crs in ("wgs84", "gcj02") else "wgs84",
            "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "") or "",
            "subdomains": getattr(settings, "MAP_TILE_SUBDOMAINS", "1234") or "1234"}


def display_system() -> str:
    t = tile_settings()
    return coords.GCJ02 if t["url"] and t["crs"] == "gcj02" else coords.WGS84


def _display_xy(lon, lat, system):
    if system == coords.WGS84:
        return lon, lat
    x, y = coords.from_wgs84(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), system)
    return x, y


def _display_geom(geom, system):
    geom = geom.simplify(SIMPLIFY_DEG, preserve_topology=True)
    if system == coords.WGS84:
        return geom
    return shapely.transform(geom, lambda xy: np.column_stack(_display_xy(xy[:, 0], xy[:, 1], system)))


def _collection(features, **extra) -> dict:
    return {"type": "FeatureCollection", "features": features, "display_crs": display_system(), **extra}


# --------------------------------------------------------------------------- boundaries
def _scope_keys(user, catalog) -> list[str]:
    org = getattr(user, "org", None)
    if getattr(user, "is_superuser", False) or org is None:
        city = "370800"
        parts = [city]
    else:
        parts = org.path.split(".")
    county_like = [k for k in catalog.geometries if len(k) == 6 and k.isdigit()]
    if len(parts) >= 2:
        county = parts[1]
        keys = list(geo.ALIASES.get(county, (county,)))
        return [k for k in keys if k in catalog.geometries]
    city = parts[0]
    return sorted(k for k in county_like if k[:4] == city[:4] and k != city[:4] + "00")


_OUTLINES: dict = {}  # (adcode, version, display system) -> simplified GeoJSON geometry


def boundary_features(keys, catalog, system) -> list[dict]:
    out = []
    for k in keys:
        geom = catalog.geometries.get(k)
        if geom is None:
            continue
        version = catalog.versions.get(k, "")
        cache_key = (k, version, system, id(geom))
        if cache_key not in _OUTLINES:
            if len(_OUTLINES) > 256:
                _OUTLINES.clear()
            _OUTLINES[cache_key] = mapping(_display_geom(geom, system))
        out.append({"type": "Feature", "geometry": _OUTLINES[cache_key],
                    "properties": {"kind": "boundary", "adcode": k, "name": catalog.names.get(k, k),
                                   "version": version}})
    return out


def scope_boundaries(user) -> dict:
    catalog = geo.current_catalog()
    return _collection(boundary_features(_scope_keys(user, catalog), catalog, display_system()))


# --------------------------------------------------------------------------- trajectory
def _iso(dt: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(dt).isoformat(timespec="seconds")


def _zone_features(subject, system) -> list[dict]:
    out = []
    for z in ExclusionZone.objects.filter(subject=subject):
        if z.shape == ExclusionZone.Shape.POLYGON:
            geom = shapely.geometry.shape(json.loads(z.geometry))
        else:
            # circle: buffer in degrees scaled by latitude (display only; the engine uses metres)
            lon_m = LAT_M * np.cos(np.radians(z.center_lat))
            circle = shapely.Point(0, 0).buffer(1.0, quad_segs=16)
            geom = shapely.transform(circle, lambda xy, z=z, lon_m=lon_m: np.column_stack(
                (z.center_lon + xy[:, 0] * z.radius_m / lon_m, z.center_lat + xy[:, 1] * z.radius_m / LAT_M)))
        out.append({"type": "Feature", "geometry": mapping(_display_geom(geom, system)),
                    "properties": {"kind": "zone", "name": z.label, "basis": z.basis}})
    return out


def trajectory(subject, start: datetime, end: datetime) -> dict:
    """Boundary of the subject's allowed home area, 禁止令 zones, fixes in [start, end) (oldest first) and the
    alerts of the period (geofence alerts and device alarms), as one FeatureCollection."""
    from yunjiao.monitoring.models import DeviceAlarm

    system = display_system()
    catalog = geo.current_catalog()
    features = boundary_features(geo.home_keys_for(subject), catalog, system)
    features += _zone_features(subject, system)
    rows = list(LocationFix.objects.filter(subject=subject, time__gte=start, time__lt=end)
                .order_by("time").values_list("time", "lon", "lat", "accuracy", "source", "system", "verdict",
                                              "device__device_id")[:MAX_FIXES + 1])
    truncated = len(rows) > MAX_FIXES
    rows = rows[:MAX_FIXES]
    if rows:
        lon = np.array([r[1] for r in rows])
        lat = np.array([r[2] for r in rows])
        x, y = _display_xy(lon, lat, system)
        sources = dict(LocationFix.Source.choices)
        for k, r in enumerate(rows):
            verdict = VERDICT_NAMES.get(r[6]) if r[6] is not None and r[6] >= 0 else (
                "discarded" if r[6] == -1 else None)
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
                round(float(x[k]), 7), round(float(y[k]), 7)]},
                "properties": {"kind": "fix", "time": _iso(r[0]), "accuracy": r[3], "source": r[4],
                               "source_label": sources.get(r[4], r[4]), "reported_system": r[5],
                               "verdict": verdict, "verdict_label": VERDICT_LABELS.get(verdict, "未判定"),
                               "device": r[7]}})
    for a in GeofenceAlert.objects.filter(subject=subject, opened_at__lt=end).exclude(ended_at__lt=start):
        point = next((e for e in reversed(a.evidence or []) if "lon" in e and "lat" in e), None)
        if point is None:
            continue
        x, y = _display_xy(point["lon"], point["lat"], system)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
                         "properties": {"kind": "alert", "label": a.get_kind_display(), "time": _iso(a.opened_at),
                                        "rule": a.rule, "boundary_version": a.boundary_version,
                                        "closed": a.closed_at is not None}})
    for a in DeviceAlarm.objects.filter(subject=subject, time__gte=start, time__lt=end, lon__isnull=False):
        x, y = _display_xy(a.lon, a.lat, system)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
                         "properties": {"kind": "alert", "label": f"装置报警：{a.get_kind_display()}",
                                        "time": _iso(a.time), "rule": a.kind, "device": a.device_id}})
    return _collection(features, fixes=len(rows), truncated=truncated, start=_iso(start), end=_iso(end))


def parse_period(start_raw: str | None, end_raw: str | None, *, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) from 'YYYY-MM-DD' dates (local), default the last 24 hours; at most MAX_DAYS long."""
    from datetime import date

    from django.utils import timezone

    from yunjiao.core.errors import ServiceError

    if not start_raw and not end_raw:
        return now - timedelta(hours=24), now
    try:
        d0 = date.fromisoformat(start_raw) if start_raw else None
        d1 = date.fromisoformat(end_raw) if end_raw else None
    except ValueError:
        raise ServiceError("日期格式错误，请按“年-月-日”填写。", code="bad_period")
    d1 = d1 or timezone.localdate(now)
    d0 = d0 or d1
    if d1 < d0:
        raise ServiceError("结束日期不能早于开始日期。", code="bad_period")
    if (d1 - d0).days + 1 > MAX_DAYS:
        raise ServiceError(f"一次最多查看 {MAX_DAYS} 天的轨迹，请缩短查询时段。", code="bad_period")
    tz = timezone.get_current_timezone()
    start = datetime.combine(d0, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(d1 + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start, end


# --------------------------------------------------------------------------- live map
def latest_positions(subjects, *, since: datetime) -> dict:
    """The latest fix (since `since`) of each subject in `subjects`, coloured by its verdict."""
    system = display_system()
    latest = LocationFix.objects.filter(subject=OuterRef("pk"), time__gte=since).order_by("-time").values("pk")[:1]
    pairs = list(subjects.annotate(last_fix=Subquery(latest)).filter(last_fix__isnull=False)
                 .values_list("pk", "name", "last_fix"))
    fixes = {f.pk: f for f in LocationFix.objects.filter(pk__in=[p[2] for p in pairs])}
    features = []
    for pk, name, fix_pk in pairs:
        f = fixes[fix_pk]
        x, y = _display_xy(f.lon, f.lat, system)
        verdict = VERDICT_NAMES.get(f.verdict) if f.verdict is not None and f.verdict >= 0 else (
            "discarded" if f.verdict == -1 else None)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
            round(float(x), 7), round(float(y), 7)]},
            "properties": {"kind": "latest", "subject": pk, "name": name, "time": _iso(f.time),
                           "accuracy": f.accuracy, "source": f.get_source_display(), "verdict": verdict,
                           "verdict_label": VERDICT_LABELS.get(verdict, "未判定"),
                           "url": f"/monitoring/subjects/{pk}/trajectory/"}})
    return _collection(features)
