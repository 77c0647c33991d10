"""Boundaries, devices, location fixes, exclusion zones and geofence alerts (电子定位 / 信息化核查 locations).

Coordinates are stored in WGS-84 (converted on ingestion; GCJ-02 only for display).  Geometries are GeoJSON
text: no GIS server needed (shapely does the work); PostGIS can come later without changing the services.
"""

from __future__ import annotations

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet


class SubjectScopedQuerySet(ScopedQuerySet):
    scope_field = "subject__org_path"
    subject_field = "subject_id"


class Boundary(models.Model):
    """One version of an administrative area's polygon (county/city), keyed by adcode.  Re-importing a
    changed polygon adds a version; alerts keep the version they were judged against."""

    adcode = models.CharField("行政区划代码", max_length=12)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, blank=True)
    version = models.PositiveIntegerField("版本")
    geometry = models.TextField("边界(GeoJSON, WGS-84)")
    sha256 = models.CharField("内容摘要", max_length=64)
    source = models.CharField("来源", max_length=300, blank=True)
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "行政区划边界"
        verbose_name_plural = "行政区划边界"
        constraints = [models.UniqueConstraint(fields=["adcode", "version"], name="geo_boundary_adcode_version")]
        ordering = ["adcode", "-version"]

    def __str__(self) -> str:
        return f"{self.name}({self.adcode}) v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.adcode}@v{self.version}"


class Device(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", "手机"
        WRISTBAND = "wristband", "电子定位腕带"

    device_id = models.CharField("设备编号", max_length=64, unique=True)
    subject = models.ForeignKey("subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT,
                                related_name="geo_devices")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    is_active = models.BooleanField("启用", default=True)
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = SubjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "定位设备"
        verbose_name_plural = "定位设备"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.device_id}"


class LocationFix(models.Model):
    """One position report.  Designed for hundreds of millions of rows: narrow, append-only, unique on
    (device, time) so retries never duplicate; a BRIN index on time on PostgreSQL (migration 0002) keeps
    range scans and retention deletes cheap; (subject, time) serves trajectory reads."""

    class Source(models.TextChoices):
        GPS = "gps", "卫星定位"
        NETWORK = "network", "网络定位"
        CELL = "cell", "基站定位"

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="fixes", db_index=False)
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="+", db_index=False)
    time = models.DateTimeField("定位时间")
    lon = models.FloatField("经度(WGS-84)")
    lat = models.FloatField("纬度(WGS-84)")
    accuracy = models.FloatField("精度(米)")
    source = models.CharField("定位方式", max_length=8, choices=Source.choices)
    system = models.CharField("上报坐标系", max_length=6)
    received_at = models.DateTimeField("接收时间")
    # engine verdict: 0 inside, 1 near, 2 outside, -1 discarded (jump/unusable); null = not evaluated
    verdict = models.SmallIntegerField("判定", null=True)

    objects = SubjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "定位点"
        verbose_name_plural = "定位点"
        constraints = [models.UniqueConstraint(fields=["device", "time"], name="geo_fix_device_time")]
        indexes = [models.Index(fields=["subject", "time"], name="geo_fix_subject_time")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.time:%Y-%m-%d %H:%M:%S} ({self.lon:.6f}, {self.lat:.6f})"


class ExclusionZone(models.Model):
    """禁止令 zone for one subject: a polygon (GeoJSON, WGS-84) or a circle (centre + radius)."""

    class Shape(models.TextChoices):
        POLYGON = "polygon", "多边形"
        CIRCLE = "circle", "圆形"

    subject = models.ForeignKey("subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT,
                                related_name="exclusion_zones")
    label = models.CharField("名称", max_length=100)
    basis = models.CharField("依据(禁止令内容)", max_length=300, blank=True)
    shape = models.CharField("形状", max_length=8, choices=Shape.choices)
    geometry = models.TextField("多边形(GeoJSON, WGS-84)", blank=True)
    center_lon = models.FloatField("圆心经度", null=True, blank=True)
    center_lat = models.FloatField("圆心纬度", null=True, blank=True)
    radius_m = models.FloatField("半径(米)", null=True, blank=True)
    valid_from = models.DateTimeField("生效时间", null=True, blank=True)
    valid_to = models.DateTimeField("失效时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = SubjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "禁止区域"
        verbose_name_plural = "禁止区域"

    def __str__(self) -> str:
        return self.label


class GeofenceState(models.Model):
    """The engine's per-subject state between batches (jump filter, open episodes), locked while a batch
    is evaluated so concurrent batches of one subject are serialised."""

    subject = models.OneToOneField("subjects.Subject", on_delete=models.CASCADE, related_name="geofence_state")
    state = models.JSONField(default=dict)
    last_fix_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubjectScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"geofence state of subject {self.subject_id}"


class GeofenceAlert(models.Model):
    """An alert raised by the geofence engine, with its evidence.  Handed to the anomaly lifecycle of the
    check-in work once it exists (``anomaly_ref``); until then this row is the record."""

    class Kind(models.TextChoices):
        EXIT = "exit_dwell", "越界"
        ZONE = "exclusion_zone_entry", "进入禁止区域"
        HEARTBEAT = "heartbeat_loss", "定位失联"

    subject = models.ForeignKey("subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT,
                                related_name="geofence_alerts")
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    started_at = models.DateTimeField("事件开始")
    opened_at = models.DateTimeField("告警时间")
    ended_at = models.DateTimeField("事件结束", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    zone = models.ForeignKey(ExclusionZone, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")
    boundary_version = models.CharField("判定所用边界", max_length=200, blank=True)
    rule = models.CharField("触发规则", max_length=40)
    parameters = models.JSONField("规则参数", default=dict)
    evidence = models.JSONField("证据(定位点)", default=list)
    anomaly_ref = models.CharField("异常处置编号", max_length=40, blank=True)

    objects = SubjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "电子围栏告警"
        verbose_name_plural = "电子围栏告警"
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["subject", "-opened_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
