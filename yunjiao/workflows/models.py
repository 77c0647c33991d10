"""Cases of the declared processes, their transition records, alerts and rule overrides.

The process itself (states, steps, roles, guards, deadlines) is declared in
`workflows/processes/`; a `Case` row only holds where one instance of it stands.  Every change goes
through `workflows.services` (never `save()` from a view).
"""

from __future__ import annotations

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet


class CaseQuerySet(ScopedQuerySet):
    # A case carries its own org path: an assessment case has no subject yet, and an assessment
    # moves from the county to the assigned 司法所.
    scope_field = "org_path"
    subject_field = "subject_id"

    def open(self):
        return self.filter(is_closed=False)

    def of(self, process: str):
        return self.filter(process=process)


class TransitionRecordQuerySet(ScopedQuerySet):
    scope_field = "case__org_path"
    subject_field = "case__subject_id"


class CaseAlertQuerySet(ScopedQuerySet):
    scope_field = "case__org_path"


class Case(models.Model):
    process = models.CharField("流程", max_length=40, db_index=True)
    subject = models.ForeignKey("subjects.Subject", verbose_name="社区矫正对象", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="cases")
    title = models.CharField("案件名称", max_length=100, blank=True)
    org_path = models.CharField("承办机构路径", max_length=64, db_index=True)
    state = models.CharField("状态", max_length=32)
    is_closed = models.BooleanField("已办结", default=False)
    due_at = models.DateField("办理期限", null=True, blank=True, help_text="法定期限届满之日(含当日)")
    deadline_rule = models.CharField("期限规则", max_length=16, blank=True)
    deadline_warning = models.CharField("期限提示", max_length=200, blank=True)
    reminded_for = models.DateField("已提醒的期限", null=True, blank=True)
    overdue_for = models.DateField("已标记逾期的期限", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    data = models.JSONField("办理数据", default=dict, blank=True)
    opened_by = models.ForeignKey("accounts.User", verbose_name="立案人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField("立案时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "流程案件"
        verbose_name_plural = verbose_name
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["process", "state"]),
            models.Index(fields=["is_closed", "due_at"]),
            models.Index(fields=["org_path", "is_closed"]),
        ]

    def __str__(self) -> str:
        return f"{self.workflow.label}：{self.title or self.pk}"

    @property
    def workflow(self):
        from yunjiao.workflows.engine import get_workflow

        return get_workflow(self.process)

    @property
    def state_label(self) -> str:
        return self.workflow.state_label(self.state)

    def document_fields(self, code: str) -> dict:
        """Type fields for a document a step of this case produces (documents.services.generate_for asks);
        supplied by the process's app through services.register_document_fields."""
        from yunjiao.workflows.services import document_fields_for

        return document_fields_for(self, code)


class TransitionRecord(models.Model):
    """One legal step done on a case: the case history and part of the legal record."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="records")
    transition = models.CharField("步骤", max_length=40)
    label = models.CharField("步骤名称", max_length=60)
    from_state = models.CharField("原状态", max_length=32, blank=True)
    to_state = models.CharField("新状态", max_length=32)
    actor = models.ForeignKey("accounts.User", verbose_name="办理人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("办理人", max_length=80)
    org_path = models.CharField("办理人机构", max_length=64, blank=True)
    note = models.TextField("办理说明", blank=True)
    data = models.JSONField("办理数据", default=dict, blank=True)
    attachment = models.FileField("附件", upload_to="workflows/%Y/%m/", blank=True)
    at = models.DateTimeField("办理时间", auto_now_add=True)
    audit_record_id = models.BigIntegerField("审计记录", null=True, blank=True)

    objects = TransitionRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "流程办理记录"
        verbose_name_plural = verbose_name
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.label}（{self.actor_label}）"


class CaseAlert(models.Model):
    """A reminder (one working day before the deadline) or an overdue flag raised by the scanner."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "即将到期"
        OVERDUE = "overdue", "已逾期"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    due_at = models.DateField("期限")
    message = models.CharField("内容", max_length=300)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    resolved = models.BooleanField("已处理", default=False)

    objects = CaseAlertQuerySet.as_manager()

    class Meta:
        verbose_name = "期限提醒"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "kind", "due_at"], name="uniq_case_alert")]

    def __str__(self) -> str:
        return self.message


class RuleOverride(models.Model):
    """A city/county value for a statutory period (rules.RULES); absent → national default.

    `org` None is the deployment-wide (provincial) value.  Edited by the city administrator in the
    UI through `services.set_rule_override`, every change audited.
    """

    rule_id = models.CharField("期限规则", max_length=16)
    org = models.ForeignKey("orgs.Org", verbose_name="适用机构", null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField("适用机构路径", max_length=64, blank=True, editable=False)
    value = models.PositiveIntegerField("期限值")
    note = models.CharField("依据/说明", max_length=200, blank=True)
    changed_by = models.ForeignKey("accounts.User", verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "期限规则地方设置"
        verbose_name_plural = verbose_name
        ordering = ["rule_id", "org_path"]
        constraints = [models.UniqueConstraint(fields=["rule_id", "org_path"], name="uniq_rule_override")]

    def __str__(self) -> str:
        return f"{self.rule_id}={self.value}（{self.org or '全省'}）"
