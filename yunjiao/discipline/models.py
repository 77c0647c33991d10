"""考核奖惩 records: reward/sanction records (each with its workflow case), escalation suggestions,
monthly scores.  Scoped through the subject; `author_org_path` keeps the writer's read access after a
transfer.  Every write goes through `services.py`."""

from __future__ import annotations

from django.db import models

from yunjiao.leave.models import SubjectRowQuerySet


class DisciplineKind(models.TextChoices):
    COMMENDATION = "commendation", "表扬"
    ADMONITION = "admonition", "训诫"
    WARNING = "warning", "警告"


class DisciplineRecord(models.Model):
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="discipline_records")
    kind = models.CharField("类别", max_length=12, choices=DisciplineKind.choices)
    case = models.OneToOneField("workflows.Case", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="discipline_record")
    occurred_on = models.DateField("发生日期")
    facts = models.TextField("事实经过")
    interview_record = models.TextField("询问笔录/谈话记录", blank=True)
    evidence = models.FileField("证据材料", upload_to="discipline/%Y/", blank=True)
    source_anomaly_id = models.BigIntegerField("来源异常", null=True, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    delivered_on = models.DateField("送达日期", null=True, blank=True)
    corrected = models.BooleanField("已改正", default=False)
    corrected_on = models.DateField("改正确认日期", null=True, blank=True)
    author_org_path = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "奖惩记录"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject.name}{self.get_kind_display()}（{self.occurred_on}）"


class Proposal(models.Model):
    """A suggestion computed from the legal grounds; an officer accepts (→ a case) or dismisses it."""

    class Measure(models.TextChoices):
        ADMONITION = "admonition", "训诫"
        WARNING = "warning", "警告"
        POLICE_PENALTY = "police_penalty_request", "提请治安管理处罚"
        REVOCATION = "revocation_request", "提请撤销缓刑/假释"
        COMMITTAL = "committal_request", "提请收监执行"

    class State(models.TextChoices):
        SUGGESTED = "suggested", "待决定"
        ACCEPTED = "accepted", "已采纳"
        DISMISSED = "dismissed", "不予采纳"

    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="sanction_proposals")
    measure = models.CharField("建议措施", max_length=30, choices=Measure.choices)
    grounds = models.JSONField("依据", default=list)  # [{code, text, article}]
    fingerprint = models.CharField(max_length=200)  # the ground codes: the same grounds suggest once
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUGGESTED)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    case = models.ForeignKey("workflows.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author_org_path = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "处罚建议"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["subject", "measure", "fingerprint"],
                                               name="uniq_proposal_grounds")]

    def __str__(self) -> str:
        return f"{self.subject.name}：建议{self.get_measure_display()}"



class MonthlyScore(models.Model):
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="monthly_scores")
    month = models.DateField("月份(当月1日)")
    lines = models.JSONField("计分明细", default=list)
    computed = models.FloatField("系统计分")
    adjustments = models.JSONField("人工调整", default=list)  # [{points, reason, by, at}]
    total = models.FloatField("考核得分")
    author_org_path = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "月度考核"
        verbose_name_plural = verbose_name
        ordering = ["-month", "subject_id"]
        constraints = [models.UniqueConstraint(fields=["subject", "month"], name="uniq_monthly_score")]

    def __str__(self) -> str:
        return f"{self.subject.name} {self.month:%Y-%m} {self.total:g}分"

