"""派单式用警 (DispatchOrder): a 司法所 or county asks the police liaison room for officers."""

from __future__ import annotations

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet
from yunjiao.dispatch import rules


class DispatchOrderQuerySet(ScopedQuerySet):
    # the subject's branch sees the order; the requesting unit keeps it after a transfer
    scope_field = "subject__org_path"
    author_field = "org_path"
    subject_field = None


class DispatchOrder(models.Model):
    number = models.CharField("派单编号", max_length=24, unique=True)
    requesting_org = models.ForeignKey("orgs.Org", verbose_name="用警单位", on_delete=models.PROTECT,
                                       related_name="+")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    liaison_org = models.ForeignKey("orgs.Org", verbose_name="承接警务联络室(所在县区)", on_delete=models.PROTECT,
                                    related_name="+")
    assigned_liaison = models.ForeignKey("accounts.User", verbose_name="指定联络民警", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="assigned_dispatch_orders")
    subject = models.ForeignKey("subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT,
                                related_name="dispatch_orders")
    anomaly = models.ForeignKey("anomalies.Anomaly", verbose_name="关联异常", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("workflows.Case", verbose_name="关联案件", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="dispatch_orders")
    order_type = models.CharField("用警类型", max_length=24, choices=list(rules.ORDER_TYPES.items()))
    urgency = models.CharField("紧急程度", max_length=8, choices=list(rules.URGENCIES.items()), default="normal")
    place = models.CharField("地点", max_length=200)
    requested_time = models.DateTimeField("需要到场时间")
    officers_needed = models.PositiveSmallIntegerField("需要警力(人)", default=2)
    description = models.TextField("需求说明", blank=True)
    state = models.CharField("状态", max_length=12, choices=list(rules.STATES.items()), default="draft", db_index=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    officers = models.CharField("出警民警", max_length=200, blank=True)
    dispatched_at = models.DateTimeField("派警时间", null=True, blank=True)
    on_site_at = models.DateTimeField("到场时间", null=True, blank=True)
    result = models.TextField("处置结果", blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    score = models.PositiveSmallIntegerField("评分", null=True, blank=True)
    evaluation = models.TextField("评价意见", blank=True)
    evaluated_at = models.DateTimeField("评价时间", null=True, blank=True)
    sla_reminded = models.CharField("已催办", max_length=32, blank=True)
    closing_reason = models.CharField("退回/撤销原因", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = DispatchOrderQuerySet.as_manager()

    class Meta:
        verbose_name = "派单用警"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.get_order_type_display()}"

    @property
    def response_minutes(self) -> int | None:
        if self.submitted_at and self.accepted_at:
            return int((self.accepted_at - self.submitted_at).total_seconds() // 60)
        return None

    @property
    def due(self) -> dict:
        return rules.due_times(self.urgency, submitted_at=self.submitted_at, accepted_at=self.accepted_at)


class DispatchAttachment(models.Model):
    order = models.ForeignKey(DispatchOrder, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("附件", upload_to="dispatch/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    uploaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class QS(ScopedQuerySet):
        scope_field = "order__subject__org_path"
        author_field = "order__org_path"

    objects = QS.as_manager()

    def __str__(self) -> str:
        return self.name


class DispatchEvent(models.Model):
    order = models.ForeignKey(DispatchOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    transition = models.CharField(max_length=16)
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)
    actor_label = models.CharField(max_length=80)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.transition} {self.to_state}"

    @property
    def from_label(self) -> str:
        return rules.STATES.get(self.from_state, "—")

    @property
    def to_label(self) -> str:
        return rules.STATES.get(self.to_state, self.to_state)
