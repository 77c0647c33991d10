"""Write path of the geo app: boundaries, devices, exclusion zones, location ingestion with geofencing,
clock-driven rules and retention.  Pure geometry lives in rules.py / engine.py; this module adds the
database, authorisation, audit and the hand-over of alerts.

Settings read (all optional, defaults in brackets):
    GEOFENCE = {...}            overrides of rules.GeofenceSettings fields  [{}]
    GEO_MAX_BATCH               fixes per ingestion call                   [1000]
    GEO_FUTURE_TOLERANCE_S      how far in the future a fix time may be    [300]
    GEO_RETENTION_DAYS          fixes older than this are purged/rejected  [730]
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely
from django.conf import settings as dj_settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from shapely.geometry import mapping, shape

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError

from . import coords, engine, rules
from .models import Boundary, Device, ExclusionZone, GeofenceAlert, GeofenceState, LocationFix

# --- settings -------------------------------------------------------------------------------------------


def geofence_settings() -> rules.GeofenceSettings:
    return rules.GeofenceSettings(**getattr(dj_settings, "GEOFENCE", {}))


def _setting(name, default):
    return getattr(dj_settings, name, default)


# --- boundaries -----------------------------------------------------------------------------------------

def _canonical_geometry(geom_json: dict) -> tuple[str, object]:
    geom = shape(geom_json)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ServiceError(f"边界必须是多边形（Polygon/MultiPolygon），收到 {geom.geom_type}。")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ServiceError("边界坐标超出经纬度范围：请提供 WGS-84 经纬度（GeoJSON 顺序为 经度, 纬度）。")
    text = json.dumps(mapping(geom), separators=(",", ":"), sort_keys=True)
    return text, geom


def import_boundaries(doc: dict, *, actor, source: str = "") -> dict:
    """Import a GeoJSON FeatureCollection of areas keyed by ``properties.adcode`` (WGS-84).

    A feature whose polygon differs from the current version of its adcode becomes a new version; an
    identical one is left alone.  Returns {"created": [labels], "unchanged": [adcodes]}."""
    features = doc.get("features") if isinstance(doc, dict) else None
    if not features:
        raise ServiceError("文件中没有要素：请提供 GeoJSON FeatureCollection，每个要素带 properties.adcode。")
    created, unchanged = [], []
    with transaction.atomic():
        for feat in features:
            props = feat.get("properties") or {}
            adcode = str(props.get("adcode") or "").strip()
            if not adcode:
                raise ServiceError("有要素缺少 properties.adcode（行政区划代码）。")
            text, _ = _canonical_geometry(feat.get("geometry") or {})
            digest = hashlib.sha256(text.encode()).hexdigest()
            current = Boundary.objects.select_for_update().filter(adcode=adcode).order_by("-version").first()
            if current is not None and current.sha256 == digest:
                unchanged.append(adcode)
                continue
            row = Boundary.objects.create(
                adcode=adcode, name=str(props.get("name") or adcode)[:64], level=str(props.get("level") or "")[:16],
                version=(current.version + 1) if current else 1, geometry=text, sha256=digest, source=source[:300])
            audit.record(actor, Action.CONFIG, row, org_path="",
                         summary=f"导入边界 {row.name}（{adcode}）第 {row.version} 版")
            created.append(row.label)
    return {"created": created, "unchanged": unchanged}


_CATALOG: dict = {}


def current_catalog() -> engine.AreaCatalog:
    """AreaCatalog of the latest version of every adcode (cached until a new version is imported)."""
    agg = Boundary.objects.aggregate(m=Max("id"))
    key = agg["m"]
    cached = _CATALOG.get("v")
    if cached is not None and cached[0] == key:
        return cached[1]
    if key is None:
        # No boundaries imported yet: the packaged ones (see yunjiao/geo/data/PROVENANCE.md) until the
        # operator imports official boundaries with `manage.py import_boundaries`.
        cat = engine.AreaCatalog.default()
    else:
        cat = engine.AreaCatalog()
        latest = {}
        for b in Boundary.objects.order_by("adcode", "version").only("adcode", "version", "name"):
            latest[b.adcode] = b.pk
        for b in Boundary.objects.filter(pk__in=latest.values()):
            cat.add(b.adcode, shape(json.loads(b.geometry)), f"v{b.version}", b.name)
    # A leave destination without boundary data: the whole mainland box, i.e. no boundary judgement
    # during that window (check-ins still run) — better than alerting an honest traveller.
    cat.add(UNBOUNDED_AREA, shapely.box(73.0, 3.0, 136.0, 54.0), "0", "无边界数据的目的地（不作越界判断）")
    _CATALOG["v"] = (key, cat)
    return cat


UNBOUNDED_AREA = "*"


def destination_keys(codes, catalog: engine.AreaCatalog) -> tuple[str, ...]:
    """Map division codes of leave destinations to catalogue keys: the county itself, else its city, else
    its province, else the unbounded area."""
    keys = []
    for code in codes:
        code = str(code)
        for candidate in (code, code[:4] + "00", code[:2] + "0000"):
            if candidate in catalog.geometries:
                keys.append(candidate)
                break
        else:
            keys.append(UNBOUNDED_AREA)
    return tuple(dict.fromkeys(keys))


# Districts (市辖区) of one districted city form one "city" for leave purposes: moving between them is not
# leaving (社区矫正法 art.27; domain §2.5).  370871 (济宁高新区) is an administrative zone, not a county:
# an alias of the urban districts.
URBAN_DISTRICTS = {"370800": ("370811", "370812")}
ALIASES = {"370871": URBAN_DISTRICTS["370800"]}


def home_keys_for(subject) -> tuple[str, ...]:
    code = subject.execution_org.code
    if code in ALIASES:
        return tuple(ALIASES[code])
    for districts in URBAN_DISTRICTS.values():
        if code in districts:
            return tuple(districts)
    return (code,)


# --- windows (approved leave / business permits) ---------------------------------------------------------

_WINDOW_PROVIDERS: list = []


def register_window_provider(fn):
    """fn(subject, start: datetime, end: datetime) -> iterable of rules.Window (POSIX seconds).  The leave and
    business-travel apps register theirs; the geofence then widens to the destinations."""
    _WINDOW_PROVIDERS.append(fn)
    return fn


def windows_for(subject, start: datetime, end: datetime) -> list[rules.Window]:
    out = []
    for fn in _WINDOW_PROVIDERS:
        out.extend(fn(subject, start, end))
    return out


def windows_for_many(subjects, start: datetime, end: datetime) -> dict:
    """{subject_id: windows overlapping [start, end)} for a batch of subjects.  A provider with a ``many``
    attribute (fn.many(subject_ids, start, end) -> {subject_id: [Window]}) answers in one go; others are
    asked subject by subject."""
    out = {s.pk: [] for s in subjects}
    for fn in _WINDOW_PROVIDERS:
        many = getattr(fn, "many", None)
        if many is not None:
            for sid, windows in many(list(out), start, end).items():
                out[sid].extend(windows)
        else:
            for s in subjects:
                out[s.pk].extend(fn(s, start, end))
    return out


# --- alert hand-over ------------------------------------------------------------------------------------

_ALERT_HANDLERS: list = []


def register_alert_handler(fn):
    """fn(alert: GeofenceAlert, event: "opened"|"closed") called after commit (notifications, maps).  Every
    new alert is also opened as an anomaly (yunjiao.anomalies) inside the same transaction."""
    _ALERT_HANDLERS.append(fn)
    return fn


# --- exclusion zones ------------------------------------------------------------------------------------

def _can_write(actor, subject):
    if actor is SYSTEM:
        return
    from yunjiao.subjects.models import Subject

    if not getattr(actor, "can_write_subjects", False) or not Subject.objects.visible_to(actor).filter(
            pk=subject.pk).exists():
        raise NotAllowed("您无权为该矫正对象设置此项。")


def create_exclusion_zone(*, actor, subject, label: str, polygon: dict | None = None,
                          center: tuple[float, float] | None = None, radius_m: float | None = None,
                          valid_from: datetime | None = None, valid_to: datetime | None = None,
                          basis: str = "") -> ExclusionZone:
    """禁止令 zone: a GeoJSON polygon (WGS-84) or a circle (centre lon/lat WGS-84 + radius in metres)."""
    _can_write(actor, subject)
    if (polygon is None) == (center is None):
        raise ServiceError("请提供多边形，或圆心加半径（二选一）。")
    zone = ExclusionZone(subject=subject, label=label, basis=basis, valid_from=valid_from, valid_to=valid_to)
    if polygon is not None:
        zone.shape = ExclusionZone.Shape.POLYGON
        zone.geometry, _ = _canonical_geometry(polygon)
    else:
        lon, lat = center
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not radius_m or radius_m <= 0 or radius_m > 50000:
            raise ServiceError("圆心须为经纬度，半径须在 0 到 50000 米之间。")
        zone.shape = ExclusionZone.Shape.CIRCLE
        zone.center_lon, zone.center_lat, zone.radius_m = float(lon), float(lat), float(radius_m)
    with transaction.atomic():
        zone.save()
        audit.record(actor, Action.CREATE, zone, subject=subject, summary=f"设置禁止区域“{label}”")
    return zone


def _epoch(dt: datetime | None):
    return None if dt is None else dt.timestamp()


def _zone_rule(z: ExclusionZone) -> rules.Zone:
    geom = shape(json.loads(z.geometry)) if z.shape == ExclusionZone.Shape.POLYGON else None
    center = (z.center_lon, z.center_lat) if z.shape == ExclusionZone.Shape.CIRCLE else None
    return rules.Zone(str(z.pk), geometry=geom, center=center, radius_m=z.radius_m, label=z.label,
                      valid_from=_epoch(z.valid_from), valid_to=_epoch(z.valid_to))


def zones_for(subject) -> list[rules.Zone]:
    return [_zone_rule(z) for z in ExclusionZone.objects.filter(subject=subject)]


# --- devices --------------------------------------------------------------------------------------------

def register_device(*, actor, subject, device_id: str, kind: str) -> Device:
    _can_write(actor, subject)
    device_id = (device_id or "").strip()
    if not device_id or len(device_id) > 64:
        raise ServiceError("设备编号不能为空，且不超过 64 个字符。")
    if kind not in Device.Kind.values:
        raise ServiceError("设备类型只能是手机或电子定位腕带。")
    with transaction.atomic():
        if Device.objects.filter(device_id=device_id).exists():
            raise ServiceError(f"设备 {device_id} 已登记。", code="duplicate")
        device = Device.objects.create(device_id=device_id, subject=subject, kind=kind)
        audit.record(actor, Action.CREATE, device, subject=subject, summary=f"登记定位设备 {device_id}")
    return device


# Device and gateway tokens are managed by the county agency (devices are fitted and supplied there) and the
# city bureau; a township office asks its county.
TOKEN_MANAGER_ROLES = frozenset({"county_head", "county_officer", "city_admin", "city_officer"})
GATEWAY = "*"


def _require_token_manager(actor, org) -> None:
    if actor is SYSTEM or getattr(actor, "is_superuser", False):
        return
    if getattr(actor, "role", "") not in TOKEN_MANAGER_ROLES:
        raise NotAllowed("定位设备接口令牌由县(区)社区矫正机构或市局管理。")
    if actor.org is None or not actor.org.contains(org):
        raise NotAllowed("不能为管辖范围以外的机构管理令牌。")


def device_tokens_visible_to(actor):
    """Device and gateway tokens of the orgs in the actor's branch (newest first)."""
    from yunjiao.accounts.models import ApiToken

    qs = ApiToken.objects.filter(kind=ApiToken.Kind.DEVICE).select_related("org").order_by("-created_at")
    if actor is SYSTEM or getattr(actor, "is_superuser", False):
        return qs
    if getattr(actor, "role", "") not in TOKEN_MANAGER_ROLES or actor.org is None:
        return qs.none()
    return qs.filter(Q(org=actor.org) | Q(org__path__startswith=actor.org.path + "."))


def issue_device_token(*, actor, device: Device) -> str:
    """A device token bound to this device id; returns the plaintext (shown once)."""
    from yunjiao.accounts.models import ApiToken
    from yunjiao.accounts.services import issue_token

    org = device.subject.execution_org
    _require_token_manager(actor, org)
    _, key = issue_token(actor=actor, name=f"定位设备 {device.device_id}", kind=ApiToken.Kind.DEVICE,
                         org=org, device_id=device.device_id)
    return key


def issue_gateway_token(*, actor, org, name: str) -> str:
    """A gateway token (device id "*"): the supplier's platform reports fixes and alarms of every device of
    the subjects in `org`'s branch with it.  Returns the plaintext (shown once)."""
    from yunjiao.accounts.models import ApiToken
    from yunjiao.accounts.services import issue_token

    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ServiceError("请填写令牌名称（如“腕带厂商平台”），不超过 64 个字。")
    _require_token_manager(actor, org)
    _, key = issue_token(actor=actor, name=name, kind=ApiToken.Kind.DEVICE, org=org, device_id=GATEWAY)
    return key


def revoke_device_token(token, *, actor) -> None:
    from yunjiao.accounts.models import ApiToken
    from yunjiao.accounts.services import revoke_token

    if token.kind != ApiToken.Kind.DEVICE:
        raise NotAllowed("这不是定位设备令牌。")
    _require_token_manager(actor, token.org)
    if token.revoked_at is not None:
        raise ServiceError("该令牌已经吊销。", code="already_revoked")
    revoke_token(token, actor=actor)


# --- tracker for one subject ----------------------------------------------------------------------------

def tracker_for(subject, start: datetime, end: datetime, cfg: rules.GeofenceSettings | None = None,
                catalog: engine.AreaCatalog | None = None):
    cfg = cfg or geofence_settings()
    margin = timedelta(minutes=max(cfg.window_grace_before_minutes, cfg.window_grace_after_minutes) + 1)
    windows = windows_for(subject, start - margin, end + margin)
    requires = Device.objects.filter(subject=subject, is_active=True).exists()
    ctx = engine.SubjectContext(str(subject.pk), home_keys_for(subject), windows, zones_for(subject), requires)
    return engine.SubjectTracker(catalog or current_catalog(), ctx, cfg)


def allowed_area_for(subject, at: datetime):
    """The subject's allowed area at ``at`` (shapely geometry, WGS-84 lon/lat): execution county (or the
    city's urban districts) ∪ destinations of approved leave/permit windows active then (with grace and
    travel corridor) − active 禁止令 zones.  For the check-in verdict."""
    cfg = geofence_settings()
    return engine.allowed_area(current_catalog(), home_keys_for(subject), at.timestamp(),
                               windows_for(subject, at - timedelta(days=1), at + timedelta(days=1)),
                               zones_for(subject), cfg)


class NoBoundaryData(LookupError):
    """The subject's execution county has no boundary in the catalogue: no geofence judgement is possible."""


def location_verdict(subject, at: datetime, lon: float, lat: float, accuracy: float, system: str = "wgs84") -> str:
    """'inside' / 'near' / 'outside' for one reported position (e.g. a check-in), same rules as the engine.
    Raises NoBoundaryData when the subject's execution county is not in the boundary catalogue."""
    catalog = current_catalog()
    missing = [k for k in home_keys_for(subject) if k not in catalog.geometries]
    if missing:
        raise NoBoundaryData(f"执行地 {'、'.join(missing)} 暂无行政区划边界数据")
    trk = tracker_for(subject, at, at, catalog=catalog)
    wlon, wlat = coords.to_wgs84(lon, lat, system)
    x, y = trk.projection.forward(np.atleast_1d(wlon), np.atleast_1d(wlat))
    v, _ = trk.verdicts(np.array([at.timestamp()]), x, y, np.array([float(accuracy)]))
    return rules.VERDICT_NAMES[int(v[0])]


# --- ingestion ------------------------------------------------------------------------------------------

REJECT_REASONS = {
    "invalid": "定位数据格式错误：需要 device_id、time、lon、lat、accuracy 字段。",
    "bad_system": "坐标系只能是 wgs84、gcj02 或 bd09。",
    "out_of_range": "坐标或精度超出有效范围（经度 −180～180，纬度 −90～90，精度 0～100000 米）。",
    "future_time": "定位时间晚于当前时间：请检查设备时钟。",
    "too_old": "定位时间早于数据保存期限，已不接收。",
    "naive_time": "定位时间必须带时区（如 2026-05-01T08:00:00+08:00）或为 Unix 时间戳。",
    "unknown_device": "设备未登记或已停用：请先在系统中登记该设备。",
    "wrong_token": "该令牌无权上报此设备的定位。",
    "duplicate_in_batch": "同一批次中该设备同一时间的定位重复。",
}


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list = field(default_factory=list)
    alerts: list = field(default_factory=list)  # GeofenceAlert ids opened by this batch

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected,
                "alerts_opened": self.alerts}


def _parse_time(value):
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        v = float(value)
        if v > 1e11:  # milliseconds
            v /= 1000.0
        return datetime.fromtimestamp(v, tz=UTC)
    dt = parse_datetime(str(value))
    if dt is None:
        raise ValueError
    if timezone.is_naive(dt):
        raise TypeError
    return dt


def token_allows(token, device: Device) -> bool:
    """A device token bound to this device id, or a gateway token (GATEWAY) of an org containing the subject
    (the rule for location fixes and for device alarms alike)."""
    if token.device_id == device.device_id:
        return True
    path = device.subject.org_path
    return token.device_id == GATEWAY and (path == token.org.path or path.startswith(token.org.path + "."))


SOURCES = frozenset(LocationFix.Source.values)


def ingest_fixes(fixes, *, device_token=None, actor=None, received_at: datetime | None = None,
                 only_device: str | None = None) -> IngestResult:
    """Store a batch of fixes and run the geofence on them.

    Each fix: {"device_id", "time" (ISO 8601 with zone, or Unix seconds/ms), "lon", "lat", "accuracy",
    "system": wgs84|gcj02|bd09 (default wgs84), "source": gps|network|cell (default gps)}.
    Authorised by a device token (bound to one device id, or a gateway token "*" for its org's branch) or
    by an actor (SYSTEM for the MQTT consumer; an officer for devices in scope).  Bad fixes are rejected
    one by one with a reason; good ones are kept.  Idempotent on (device, time)."""
    if (device_token is None) == (actor is None):
        raise ServiceError("必须提供设备令牌或操作人（二选一）。")
    if not isinstance(fixes, list | tuple):
        raise ServiceError("请求体须为定位点数组。")
    max_batch = _setting("GEO_MAX_BATCH", 1000)
    if len(fixes) > max_batch:
        raise ServiceError(f"每批最多 {max_batch} 个定位点，本批 {len(fixes)} 个：请分批上报。", code="batch_too_large")
    now = received_at or timezone.now()
    future = now + timedelta(seconds=_setting("GEO_FUTURE_TOLERANCE_S", 300))
    oldest = now - timedelta(days=_setting("GEO_RETENTION_DAYS", 730))
    res = IngestResult()

    def reject(i, fx, code):
        dev = fx.get("device_id") if isinstance(fx, dict) else None
        res.rejected.append({"index": i, "device_id": dev, "code": code, "reason": REJECT_REASONS[code]})

    parsed = []
    for i, fx in enumerate(fixes):
        if not isinstance(fx, dict):
            reject(i, fx, "invalid")
            continue
        try:
            dev = str(fx["device_id"]).strip()
            t = _parse_time(fx["time"])
            lon, lat, acc = float(fx["lon"]), float(fx["lat"]), float(fx["accuracy"])
        except TypeError:
            reject(i, fx, "naive_time")
            continue
        except (KeyError, ValueError, OverflowError, OSError):
            reject(i, fx, "invalid")
            continue
        try:
            system = coords.normalise_system(fx.get("system") or "wgs84")
        except ValueError:
            reject(i, fx, "bad_system")
            continue
        source = str(fx.get("source") or "gps").lower()
        if source not in SOURCES:
            source = LocationFix.Source.NETWORK if source in ("wifi", "net") else LocationFix.Source.GPS
        if not all(math.isfinite(v) for v in (lon, lat, acc)) or not (-180 <= lon <= 180 and -90 <= lat <= 90) \
                or not (0 < acc <= 100000) or (lon == 0 and lat == 0):
            reject(i, fx, "out_of_range")
            continue
        if t > future:
            reject(i, fx, "future_time")
            continue
        if t < oldest:
            reject(i, fx, "too_old")
            continue
        parsed.append((i, dev, t, lon, lat, acc, system, source))

    devices = {d.device_id: d for d in Device.objects.filter(
        device_id__in={p[1] for p in parsed}, is_active=True).select_related("subject", "subject__execution_org")}
    visible = None
    if actor is not None and actor is not SYSTEM:
        visible = set(Device.objects.visible_to(actor).filter(device_id__in=devices).values_list("device_id", flat=True))
    by_subject = defaultdict(list)
    seen = set()
    for p in parsed:
        i, dev = p[0], p[1]
        device = devices.get(dev)
        if device is None:
            reject(i, fixes[i], "unknown_device")
            continue
        if only_device is not None and dev != only_device:
            reject(i, fixes[i], "wrong_token")
            continue
        if device_token is not None and not token_allows(device_token, device):
            reject(i, fixes[i], "wrong_token")
            continue
        if visible is not None and dev not in visible:
            reject(i, fixes[i], "wrong_token")
            continue
        if (dev, p[2]) in seen:
            reject(i, fixes[i], "duplicate_in_batch")
            continue
        seen.add((dev, p[2]))
        by_subject[device.subject_id].append((device, *p[2:]))
    res.rejected.sort(key=lambda r: r["index"])
    _to_wgs84_rows(by_subject)
    if by_subject:
        _ingest_batch(by_subject, now, res, current_catalog(), geofence_settings())
    return res


def _to_wgs84_rows(by_subject: dict) -> None:
    """Convert the GCJ-02 / BD-09 positions of the whole batch to WGS-84 in place, one vectorised (exact,
    iterative) inverse per coordinate system for the batch instead of one per subject; rows keep their
    declared system, which is stored with the fix."""
    for system in (coords.GCJ02, coords.BD09):
        picked = [(sid, k) for sid, rows in by_subject.items() for k, r in enumerate(rows) if r[5] == system]
        if not picked:
            continue
        lon = np.array([by_subject[sid][k][2] for sid, k in picked], dtype=np.float64)
        lat = np.array([by_subject[sid][k][3] for sid, k in picked], dtype=np.float64)
        wlon, wlat = coords.to_wgs84(lon, lat, system)
        for (sid, k), x, y in zip(picked, wlon.tolist(), wlat.tolist(), strict=True):
            r = by_subject[sid][k]
            by_subject[sid][k] = (r[0], r[1], x, y, *r[4:])


def _zones_by_subject(subject_ids) -> dict:
    out = defaultdict(list)
    for z in ExclusionZone.objects.filter(subject_id__in=subject_ids):
        out[z.subject_id].append(_zone_rule(z))
    return out


def _ingest_batch(by_subject: dict, now, res: IngestResult, catalog, cfg):
    """One transaction for the batch, a fixed number of queries whatever the number of subjects: states
    created/locked together (in subject order, so concurrent batches cannot deadlock), one existing-fix
    check, one insert, one state update; the engine runs per subject in between."""
    subject_ids = sorted(by_subject)
    all_rows = [r for sid in subject_ids for r in by_subject[sid]]
    with transaction.atomic():
        GeofenceState.objects.bulk_create([GeofenceState(subject_id=sid) for sid in subject_ids],
                                          ignore_conflicts=True)
        states = {st.subject_id: st for st in
                  GeofenceState.objects.select_for_update().filter(subject_id__in=subject_ids).order_by("subject_id")}
        existing = _existing_fixes([(r[0].pk, r[1]) for r in all_rows])
        zones = _zones_by_subject(subject_ids)
        margin = timedelta(minutes=max(cfg.window_grace_before_minutes, cfg.window_grace_after_minutes) + 1)
        times = [r[1] for r in all_rows]
        windows = windows_for_many([by_subject[sid][0][0].subject for sid in subject_ids],
                                   min(times) - margin, max(times) + margin)
        new_fixes, changed = [], []
        for sid in subject_ids:
            rows = by_subject[sid]
            fresh = [r for r in rows if (r[0].pk, r[1]) not in existing]
            res.duplicates += len(rows) - len(fresh)
            if not fresh:
                continue
            state_row = states[sid]
            new_fixes += _evaluate_subject(fresh, state_row, zones.get(sid, []), windows[sid], now, res, catalog,
                                           cfg)
            changed.append(state_row)
        _insert_fixes(new_fixes)
        _save_states(changed)


def _pg_array(values) -> str:
    """A PostgreSQL array literal of ints, floats, datetimes or plain strings, sent as ONE text parameter and
    cast server-side (``%s::float8[]``): psycopg adapts a Python list element by element (≈ 1 µs each, the
    largest client cost of a 1,000-fix batch), a joined string costs a fraction of that."""
    out = []
    seen: dict = {}  # the same time (received_at, a batch's minute) is formatted once
    for v in values:
        if v is None:
            out.append("NULL")
        elif type(v) is float or type(v) is int:
            out.append(repr(v))
        elif isinstance(v, datetime):
            text = seen.get(v)
            if text is None:
                text = seen[v] = '"' + v.isoformat() + '"'
            out.append(text)
        else:
            out.append('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(out) + "}"


def _existing_fixes(keys: list[tuple[int, datetime]]) -> set:
    """(device pk, time) pairs of the batch already stored.  PostgreSQL: one join against unnest(arrays),
    bounded by the batch's time range so only the partitions/BRIN ranges of the batch are read."""
    if not keys:
        return set()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(LocationFix._meta.db_table)
        times = [k[1] for k in keys]
        with connection.cursor() as cur:
            cur.execute(f"SELECT f.device_id, f.time FROM {table} f JOIN unnest(%s::bigint[], %s::timestamptz[]) "
                        f"AS k(d, t) ON f.device_id = k.d AND f.time = k.t WHERE f.time BETWEEN %s AND %s",
                        [_pg_array([k[0] for k in keys]), _pg_array(times), min(times), max(times)])
            return {(d, t) for d, t in cur.fetchall()}
    return set(LocationFix.objects.filter(device__in={k[0] for k in keys}, time__in=list({k[1] for k in keys}))
               .values_list("device_id", "time"))


FIX_COLUMNS = ("device_id", "subject_id", "time", "lon", "lat", "accuracy", "source", "system", "received_at",
               "verdict")
_PG_TYPES = ("bigint", "bigint", "timestamptz", "float8", "float8", "float8", "text", "text", "timestamptz",
             "smallint")


def _insert_fixes(rows: list[tuple]) -> None:
    """Append fixes (tuples in FIX_COLUMNS order).  PostgreSQL: one INSERT … SELECT FROM unnest(arrays) … ON
    CONFLICT DO NOTHING — ten array parameters whatever the batch size, no model instances; a fix stored by a
    concurrent retry of the same batch is skipped by the (device, time) unique constraint, never duplicated.
    Other databases: the ORM's bulk_create with the same conflict handling."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(LocationFix._meta.db_table)
        cols = ", ".join(FIX_COLUMNS)
        arrays = ", ".join(f"%s::{t}[]" for t in _PG_TYPES)
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT * FROM unnest({arrays}) "
                        f"ON CONFLICT (device_id, time) DO NOTHING", [_pg_array(c) for c in zip(*rows, strict=True)])
        return
    LocationFix.objects.bulk_create([LocationFix(**dict(zip(FIX_COLUMNS, r, strict=True))) for r in rows],
                                    ignore_conflicts=True, batch_size=2000)


def _save_states(rows: list[GeofenceState]) -> None:
    """Write back the engine states of a batch (rows locked by the caller).  PostgreSQL: one UPDATE … FROM
    unnest(arrays); elsewhere the ORM's bulk_update."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(GeofenceState._meta.db_table)
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {table} AS g SET state = v.state::jsonb, last_fix_at = v.last_fix_at, "
                        f"updated_at = v.updated_at FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], "
                        f"%s::timestamptz[]) AS v(id, state, last_fix_at, updated_at) WHERE g.id = v.id",
                        [_pg_array([r.pk for r in rows]), _pg_array([json.dumps(r.state) for r in rows]),
                         _pg_array([r.last_fix_at for r in rows]), _pg_array([r.updated_at for r in rows])])
        return
    GeofenceState.objects.bulk_update(rows, ["state", "last_fix_at", "updated_at"])


def _evaluate_subject(fresh, state_row, zones, windows, now, res: IngestResult, catalog, cfg) -> list:
    subject = fresh[0][0].subject
    fresh.sort(key=lambda r: r[1])
    t = np.array([r[1].timestamp() for r in fresh])
    lon = np.array([r[2] for r in fresh], dtype=np.float64)
    lat = np.array([r[3] for r in fresh], dtype=np.float64)
    acc = np.array([r[4] for r in fresh], dtype=np.float64)
    # positions are already WGS-84 (_to_wgs84_rows converted the batch)
    ctx = engine.SubjectContext(str(subject.pk), home_keys_for(subject), windows, zones, True)
    trk = engine.SubjectTracker(catalog, ctx, cfg)
    engine.load_state(trk, state_row.state)
    refs = [[r[0].device_id, float(t[k]), round(float(lon[k]), 7), round(float(lat[k]), 7), float(acc[k]), r[6],
             None] for k, r in enumerate(fresh)]
    events = trk.process(t, lon, lat, acc, refs)
    # verdict per stored fix: -1 unusable (accuracy); None for late fixes older than the state (not judged)
    verdict = []
    for k, ref in enumerate(refs):
        v = trk.last_verdicts.get(id(ref))
        if v is not None and acc[k] > cfg.max_usable_accuracy_m:
            v = -1
        v = None if v is None else int(v)
        ref[6] = v
        verdict.append(v)
    res.accepted += len(fresh)
    res.alerts += _persist_events(subject, events, cfg)
    state_row.state = engine.dump_state(trk)
    state_row.last_fix_at = fresh[-1][1]
    state_row.updated_at = now
    lons, lats, accs = lon.tolist(), lat.tolist(), acc.tolist()
    return [(r[0].pk, subject.pk, r[1], lons[k], lats[k], accs[k], r[6], r[5], now, verdict[k])
            for k, r in enumerate(fresh)]


def _evidence(refs) -> list:
    keys = ("device_id", "t", "lon", "lat", "accuracy", "source", "verdict")
    out = []
    for r in refs:
        if isinstance(r, list | tuple) and len(r) == len(keys):
            d = dict(zip(keys, r, strict=True))
            d["time"] = datetime.fromtimestamp(d.pop("t"), tz=UTC).isoformat()
            out.append(d)
    return out


_SUMMARY = {rules.RULE_EXIT: "越界：离开允许活动范围", rules.RULE_ZONE: "进入禁止区域",
            rules.RULE_HEARTBEAT: "定位失联：长时间未收到定位"}


def _dt(ts):
    return None if ts is None else datetime.fromtimestamp(ts, tz=UTC)


ANOMALY_KINDS = {rules.RULE_EXIT: "boundary_exit", rules.RULE_ZONE: "prohibited_zone",
                 rules.RULE_HEARTBEAT: "lost_contact"}


def _hand_to_anomalies(subject, row: GeofenceAlert, alert: rules.Alert) -> None:
    """Open the anomaly (open → acknowledged → verified → disposed) for a new geofence alert; each alert is
    its own episode.  The GeofenceAlert keeps the full evidence and links to the anomaly."""
    from yunjiao.anomalies.services import raise_anomaly

    evidence = {"geofence_alert": row.pk, "rule": row.rule, "boundary_version": row.boundary_version,
                "started_at": row.started_at.isoformat(), "fixes": row.evidence[:10]}
    anomaly = raise_anomaly(subject, kind=ANOMALY_KINDS[alert.kind], summary=_SUMMARY[alert.kind],
                            evidence=evidence, source="geo", episode=f"geofence-{row.pk}", related=row,
                            at=row.opened_at)
    row.anomaly_ref = str(anomaly.pk)
    row.save(update_fields=["anomaly_ref"])


def _persist_events(subject, events, cfg) -> list:
    opened = []
    params = {k: getattr(cfg, k) for k in ("near_band_m", "dwell_minutes", "dwell_fixes", "close_fixes",
                                          "close_minutes", "max_speed_kmh", "heartbeat_hours",
                                          "zone_max_accuracy_m")}
    for event, a in events:
        if event == "opened":
            row = GeofenceAlert.objects.create(
                subject=subject, kind=a.kind, started_at=_dt(a.started_at), opened_at=_dt(a.opened_at),
                ended_at=_dt(a.ended_at), closed_at=_dt(a.closed_at), rule=a.kind,
                zone_id=int(a.area) if a.kind == rules.RULE_ZONE else None,
                boundary_version=a.area if a.kind == rules.RULE_EXIT else "",
                parameters={**params, **{k: v for k, v in a.detail.items() if k != "db_id"}},
                evidence=_evidence(a.evidence))
            a.detail["db_id"] = row.pk
            opened.append(row.pk)
            _hand_to_anomalies(subject, row, a)
            audit.record(SYSTEM, Action.CREATE, row, subject=subject, summary=_SUMMARY[a.kind],
                         data={"rule": a.kind, "boundary": row.boundary_version})
            transaction.on_commit(lambda row=row: [h(row, "opened") for h in _ALERT_HANDLERS])
        else:
            pk = a.detail.get("db_id")
            row = GeofenceAlert.objects.filter(pk=pk, subject=subject).first() if pk else None
            if row is None:
                continue
            row.ended_at, row.closed_at = _dt(a.ended_at), _dt(a.closed_at)
            row.evidence = _evidence(a.evidence) or row.evidence
            row.save(update_fields=["ended_at", "closed_at", "evidence"])
            audit.record(SYSTEM, Action.UPDATE, row, subject=subject, summary=_SUMMARY[a.kind] + "（事件结束）")
            transaction.on_commit(lambda row=row: [h(row, "closed") for h in _ALERT_HANDLERS])
    return opened


# --- clock and retention --------------------------------------------------------------------------------

def run_clock(*, actor=SYSTEM, now: datetime | None = None) -> int:
    """Heartbeat loss and silent-while-outside for every subject with a geofence state; returns alerts
    opened.  Run every few minutes (jobs.py)."""
    now = now or timezone.now()
    cfg = geofence_settings()
    opened = 0
    ids = list(GeofenceState.objects.visible_to(actor).filter(last_fix_at__isnull=False)
               .values_list("subject_id", flat=True))
    for subject_id in ids:
        with transaction.atomic():
            row = GeofenceState.objects.select_for_update().select_related(
                "subject", "subject__execution_org").get(subject_id=subject_id)
            state = row.state or {}
            if not state:
                continue
            trk = tracker_for(row.subject, now, now, cfg)
            engine.load_state(trk, state)
            events = trk.tick(now.timestamp())
            if events:
                opened += len(_persist_events(row.subject, events, cfg))
                row.state = engine.dump_state(trk)
                row.save(update_fields=["state", "updated_at"])
    return opened


def purge_old_fixes(*, actor=SYSTEM, now: datetime | None = None, chunk: int = 50000) -> int:
    """Retention: delete fixes older than GEO_RETENTION_DAYS (fixes cited as alert evidence are copied into
    the alert, so alerts stay complete)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=_setting("GEO_RETENTION_DAYS", 730))
    total = 0
    while True:
        ids = list(LocationFix.objects.filter(time__lt=cutoff).values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        total += LocationFix.objects.filter(pk__in=ids).delete()[0]
    if total:
        audit.record(actor, Action.DELETE, None, org_path="",
                     summary=f"按保存期限删除 {cutoff:%Y-%m-%d} 之前的定位点 {total} 条")
    return total
