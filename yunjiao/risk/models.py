"""重点管控 criteria (versioned rule sets), proposals, risk factors, 矫情分析会 and 红/黄/蓝 warnings."""

from __future__ import annotations

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet
from yunjiao.risk import rules


class SubjectChildQS(ScopedQuerySet):
    scope_field = "subject__org_path"
    subject_field = None  # risk data is not shown on the subject's own portal


class OrgScopedQS(ScopedQuerySet):
    scope_field = "org_path"
    subject_field = None


class RuleSet(models.Model):
    """判断危险重点管控对象标准 for one jurisdiction (org=None: the default for everyone)."""

    name = models.CharField("名称", max_length=64)
    org = models.ForeignKey("orgs.Org", verbose_name="适用机构", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "重点管控对象认定标准"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["org"], name="uniq_ruleset_org")]

    def __str__(self) -> str:
        return self.name

    def active_version(self):
        return self.versions.filter(state=RuleSetVersion.State.ACTIVE).first()


class RuleSetVersion(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        ACTIVE = "active", "生效中"
        RETIRED = "retired", "已停用"

    ruleset = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    config = models.JSONField("规则配置")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    note = models.CharField("修订说明", max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "认定标准版本"
        verbose_name_plural = verbose_name
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "number"], name="uniq_ruleset_version")]

    def __str__(self) -> str:
        return f"{self.ruleset.name} v{self.number}"


class RiskFactors(models.Model):
    """Facts an officer records that no other module holds (家庭矛盾, 心理问题, 研判意见)."""

    class Judgement(models.TextChoices):
        NONE = "none", "无特别意见"
        CONCERN = "concern", "需关注"
        HIGH = "high", "研判为高风险"

    subject = models.OneToOneField("subjects.Subject", on_delete=models.CASCADE, related_name="risk_factors")
    family_conflict = models.BooleanField("家庭矛盾突出", default=False)
    mental_health_flag = models.BooleanField("心理或精神健康问题", default=False)
    officer_judgement = models.CharField("工作人员研判", max_length=10, choices=Judgement.choices,
                                         default=Judgement.NONE)
    note = models.CharField("研判说明", max_length=300, blank=True)
    updated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubjectChildQS.as_manager()

    class Meta:
        verbose_name = "风险因素"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"风险因素 {self.subject_id}"


class RiskAssessment(models.Model):
    """The latest evaluation of a subject against the active rule set (one row per subject)."""

    subject = models.OneToOneField("subjects.Subject", on_delete=models.CASCADE, related_name="risk_assessment")
    version = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="+")
    score = models.IntegerField("风险评分")
    is_key = models.BooleanField("符合重点管控标准")
    reasons = models.JSONField("触发标准", default=list)
    evaluated_at = models.DateTimeField("评估时间")

    objects = SubjectChildQS.as_manager()

    class Meta:
        verbose_name = "风险评估"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.score}"


class Proposal(models.Model):
    class Kind(models.TextChoices):
        KEY = "key", "重点管控对象认定"
        LEVEL = "level", "管理等级调整"

    class State(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已采纳"
        OVERRIDDEN = "overridden", "未采纳(人工否决)"
        SUPERSEDED = "superseded", "已失效"

    subject = models.ForeignKey("subjects.Subject", on_delete=models.CASCADE, related_name="risk_proposals")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    old_value = models.CharField("原值", max_length=10)
    new_value = models.CharField("建议值", max_length=10)
    reasons = models.JSONField("依据", default=list)
    score = models.IntegerField("评分", default=0)
    version = models.ForeignKey(RuleSetVersion, null=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField("审核意见", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScopedQS.as_manager()

    class Meta:
        verbose_name = "管控建议"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject.name}：{self.label}"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.KEY:
            return "列为重点管控对象" if self.new_value == "yes" else "移出重点管控对象"
        return f"管理等级 {rules.LEVEL_LABELS.get(self.old_value, self.old_value)}→" \
               f"{rules.LEVEL_LABELS.get(self.new_value, self.new_value)}"


class RiskMeeting(models.Model):
    """矫情分析会 of one org for one period: the generated pack is frozen in `pack` when created."""

    class State(models.TextChoices):
        PLANNED = "planned", "待召开"
        HELD = "held", "已召开"

    org = models.ForeignKey("orgs.Org", verbose_name="召开单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    title = models.CharField("会议名称", max_length=100)
    period_start = models.DateField("分析期间起")
    period_end = models.DateField("分析期间止")
    held_on = models.DateField("召开日期", null=True, blank=True)
    attendees = models.CharField("参会人员", max_length=300, blank=True)
    pack = models.JSONField("会议材料", default=dict)
    minutes = models.TextField("会议纪要", blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PLANNED)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScopedQS.as_manager()

    class Meta:
        verbose_name = "矫情分析会"
        verbose_name_plural = verbose_name
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return self.title


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(RiskMeeting, on_delete=models.CASCADE, related_name="decisions")
    subject = models.ForeignKey("subjects.Subject", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="risk_meeting_decisions")
    text = models.TextField("决定事项")
    responsible = models.CharField("责任人/单位", max_length=64, blank=True)
    due_date = models.DateField("完成时限", null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class QS(ScopedQuerySet):
        scope_field = "meeting__org_path"

    objects = QS.as_manager()

    class Meta:
        verbose_name = "分析会决定事项"
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]


class Warning(models.Model):  # noqa: A001 - the glossary name (红/黄/蓝 预警)
    class Level(models.TextChoices):
        BLUE = "blue", "蓝色预警"
        YELLOW = "yellow", "黄色预警"
        RED = "red", "红色预警"

    class State(models.TextChoices):
        OPEN = "open", "待响应"
        ACKNOWLEDGED = "acknowledged", "已响应"
        REPORTED = "reported", "已反馈"
        CLOSED = "closed", "已办结"

    org = models.ForeignKey("orgs.Org", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    subject = models.ForeignKey("subjects.Subject", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="warnings")
    anomaly = models.ForeignKey("anomalies.Anomaly", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="warnings")
    level = models.CharField("预警级别", max_length=8, choices=Level.choices)
    kind = models.CharField("事件类型", max_length=20)
    title = models.CharField("标题", max_length=120)
    description = models.TextField("情况说明", blank=True)
    source = models.CharField("来源", max_length=10, default="auto")  # auto / manual / anomaly
    state = models.CharField("状态", max_length=14, choices=State.choices, default=State.OPEN, db_index=True)
    tier = models.PositiveSmallIntegerField("已通知层级", default=0)
    raised_at = models.DateTimeField("发布时间")
    raised_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ack_due_at = models.DateTimeField("首次响应时限", null=True, blank=True)
    report_due_at = models.DateTimeField("反馈时限", null=True, blank=True)
    report_overdue = models.BooleanField("反馈超时", default=False)
    acknowledged_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField("处置反馈", blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    closing_report = models.TextField("办结报告", blank=True)
    closed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    escalation_count = models.PositiveSmallIntegerField("升级次数", default=0)
    version = models.PositiveIntegerField(default=1)

    objects = OrgScopedQS.as_manager()

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = verbose_name
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}：{self.title}"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED

    @property
    def tier_label(self) -> str:
        return rules.TIER_LABELS[rules.TIERS[self.tier]]


class WarningEvent(models.Model):
    """The warning's own log (also in the audit chain): raised, notified, escalated, acknowledged …"""

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20)
    text = models.CharField(max_length=300)
    actor_label = models.CharField(max_length=80)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text
