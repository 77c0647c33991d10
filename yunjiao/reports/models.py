"""Stored report snapshots (信息化核查报表): one row per org, period kind and period start.  Written only by
yunjiao.reports.services (the nightly job at each period end, or an officer's 重新生成)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yunjiao.core.scoping import ScopedQuerySet


class ReportQuerySet(ScopedQuerySet):
    scope_field = "org_path"


class CheckReport(models.Model):
    class PeriodKind(models.TextChoices):
        DAY = "day", "日报"
        WEEK = "week", "周报"
        MONTH = "month", "月报"

    org = models.ForeignKey("orgs.Org", verbose_name="机构", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    period = models.CharField("周期", max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期(不含)")
    data = models.JSONField("报表数据")
    generated_at = models.DateTimeField("生成时间", default=timezone.now)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "信息化核查报表"
        verbose_name_plural = "信息化核查报表"
        ordering = ["-period_start", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "period", "period_start"],
                                               name="check_report_one_per_org_period")]

    def __str__(self) -> str:
        return f"{self.org.name} {self.get_period_display()} {self.period_start:%Y-%m-%d}"
