"""电子定位 (社区矫正法 art.29): approved periods of a monitoring case and the alarms devices send.

The case itself (proposal → approval → fitting → active → assessment → extension/removal) is a workflow
(workflows/processes/monitoring.py); the device is a geo.Device of kind wristband linked to the subject.
"""

from __future__ import annotations

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet


class SubjectScoped(ScopedQuerySet):
    scope_field = "subject__org_path"
    subject_field = "subject_id"


class MonitoringPeriod(models.Model):
    """One approved period (≤ 3 months each, art.29): the first approval or an extension."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "首次批准"
        EXTENSION = "extension", "延长"

    case = models.ForeignKey("workflows.Case", on_delete=models.PROTECT, related_name="monitoring_periods")
    subject = models.ForeignKey("subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT,
                                related_name="monitoring_periods")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    start_date = models.DateField("起始日期")
    end_date = models.DateField("截止日期")
    approved_by = models.ForeignKey("accounts.User", verbose_name="批准人", null=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField("批准时间", auto_now_add=True)

    objects = SubjectScoped.as_manager()

    class Meta:
        verbose_name = "电子定位期间"
        verbose_name_plural = verbose_name
        ordering = ["case", "start_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}～{self.end_date}"


class DeviceAlarm(models.Model):
    """An alarm a positioning device (gateway) reported: the alert row with its evidence, handed to the
    anomaly queue (``anomaly``).  Unique on (device, time, kind), so a gateway retry never duplicates."""

    class Kind(models.TextChoices):
        TAMPER = "tamper", "防拆报警"
        LOW_BATTERY = "low_battery", "低电量"
        OUT_OF_AREA = "out_of_area", "越界"
        SIGNAL_LOSS = "signal_loss", "信号丢失"

    device = models.ForeignKey("geo.Device", on_delete=models.PROTECT, related_name="alarms")
    subject = models.ForeignKey("subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT,
                                related_name="device_alarms")
    case = models.ForeignKey("workflows.Case", verbose_name="电子定位案件", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    time = models.DateTimeField("报警时间")
    received_at = models.DateTimeField("接收时间")
    lon = models.FloatField("经度(WGS-84)", null=True, blank=True)
    lat = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    accuracy = models.FloatField("精度(米)", null=True, blank=True)
    battery = models.PositiveSmallIntegerField("电量(%)", null=True, blank=True)
    detail = models.CharField("说明", max_length=300, blank=True)
    episode = models.CharField("事件", max_length=80)
    anomaly = models.ForeignKey("anomalies.Anomaly", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")

    objects = SubjectScoped.as_manager()

    class Meta:
        verbose_name = "定位装置报警"
        verbose_name_plural = verbose_name
        ordering = ["-time", "-id"]
        constraints = [models.UniqueConstraint(fields=["device", "time", "kind"], name="monitoring_alarm_unique")]
        indexes = [models.Index(fields=["subject", "-time"], name="monitoring_alarm_subject_time"),
                   models.Index(fields=["device", "kind", "-time"], name="monitoring_alarm_device_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.device_id} {self.time:%Y-%m-%d %H:%M}"
