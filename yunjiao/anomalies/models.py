"""Anomalies (异常信息): the one queue every detector feeds and officers close with a disposition (甄别处置).

Sources: missed or failed check-ins, face mismatch, liveness failure, boundary exits, device silence,
overdue returns from leave, missed reports, no-shows at education sessions, deadline overdue …
Lifecycle: open → acknowledged → verified → disposed, or escalated (to a warning, a sanction case or a
police dispatch).  Repeated anomalies of one subject and kind are grouped into the open row (`count`,
`last_seen_at`) instead of multiplying.
"""

from __future__ import annotations

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet


class AnomalyState(models.TextChoices):
    OPEN = "open", "待处理"
    ACKNOWLEDGED = "acknowledged", "已签收"
    VERIFIED = "verified", "已核实"
    DISPOSED = "disposed", "已处置"
    ESCALATED = "escalated", "已升级"


OPEN_STATES = (AnomalyState.OPEN, AnomalyState.ACKNOWLEDGED, AnomalyState.VERIFIED)


class Severity(models.TextChoices):
    LOW = "low", "一般"
    MEDIUM = "medium", "较重"
    HIGH = "high", "严重"


class AnomalyQuerySet(ScopedQuerySet):
    scope_field = "org_path"
    subject_field = "subject_id"

    def open(self):
        return self.filter(state__in=OPEN_STATES)


class Anomaly(models.Model):
    subject = models.ForeignKey("subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT,
                                related_name="anomalies")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    kind = models.CharField("类型", max_length=40, db_index=True)
    kind_label = models.CharField("类型名称", max_length=40)
    source = models.CharField("来源", max_length=20, default="system")  # checkin/geo/leave/education/workflow…
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    state = models.CharField("状态", max_length=16, choices=AnomalyState.choices, default=AnomalyState.OPEN,
                             db_index=True)
    summary = models.CharField("摘要", max_length=300)
    evidence = models.JSONField("证据", default=dict, blank=True)
    group_key = models.CharField("归并键", max_length=120, db_index=True)
    count = models.PositiveIntegerField("次数", default=1)
    first_seen_at = models.DateTimeField("首次发生")
    last_seen_at = models.DateTimeField("最近发生")
    due_at = models.DateTimeField("处置时限", null=True, blank=True, db_index=True)
    acknowledged_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name="签收人")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    verification = models.TextField("核实情况", blank=True)
    disposition = models.TextField("处置情况", blank=True)
    is_false_alarm = models.BooleanField("误报", default=False)
    closed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="处置人")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    escalated_to = models.CharField("升级为", max_length=40, blank=True)
    escalation_ref = models.CharField("升级关联", max_length=64, blank=True)
    related_type = models.CharField(max_length=64, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = AnomalyQuerySet.as_manager()

    class Meta:
        verbose_name = "异常信息"
        verbose_name_plural = verbose_name
        ordering = ["-last_seen_at", "-id"]
        indexes = [models.Index(fields=["org_path", "state", "-last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.kind_label}：{self.summary}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
