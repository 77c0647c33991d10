"""Leave (日常外出), business travel (经营性外出) and transfer (执行地变更) records.

Where a record stands in its process lives on its workflow `Case` (yunjiao.workflows); these rows
hold the facts.  Rows are scoped through the subject's current org; `author_org_path` (the org
that wrote the row) keeps read access for the old township after a transfer (ScopedQuerySet
`author_field`).  Every write goes through `services.py`.
"""

from __future__ import annotations

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet


class SubjectRowQuerySet(ScopedQuerySet):
    scope_field = "subject__org_path"
    subject_field = "subject_id"
    author_field = "author_org_path"


class ReasonKind(models.TextChoices):
    MEDICAL = "medical", "就医"
    STUDY = "study", "就学"
    LITIGATION = "litigation", "诉讼"
    FAMILY = "family", "处理家庭重大事务"
    WORK = "work", "工作(生产经营)需要"
    OTHER = "other", "其他正当理由"


class Leave(models.Model):
    subject = models.ForeignKey("subjects.Subject", verbose_name="社区矫正对象", on_delete=models.PROTECT,
                                related_name="leaves")
    case = models.OneToOneField("workflows.Case", verbose_name="流程案件", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="leave")
    idempotency_key = models.CharField("提交标识", max_length=64)
    destination_codes = models.JSONField("目的地行政区划代码", default=list)
    destination_names = models.CharField("目的地", max_length=200)
    destination_detail = models.CharField("详细地址", max_length=200, blank=True)
    start_date = models.DateField("外出开始日期")
    end_date = models.DateField("外出结束日期")
    reason_kind = models.CharField("外出事由", max_length=12, choices=ReasonKind.choices)
    reason = models.TextField("事由说明")
    urgent = models.BooleanField("紧急外出", default=False)
    applied_on = models.DateField("申请日期")
    by_subject = models.BooleanField("本人在手机端申请", default=False)
    applied_by = models.ForeignKey("accounts.User", verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    required_level = models.CharField("审批层级", max_length=10, blank=True)
    authority_reason = models.CharField("审批层级依据", max_length=300, blank=True)
    cumulative_days = models.PositiveIntegerField("两个月内累计外出日数", default=0)
    approved_start = models.DateField("批准开始日期", null=True, blank=True)
    approved_end = models.DateField("批准结束日期", null=True, blank=True)
    pending_end = models.DateField("申请延长至", null=True, blank=True)
    departed_at = models.DateTimeField("出发时间", null=True, blank=True)
    returned_at = models.DateTimeField("销假时间", null=True, blank=True)
    return_late_days = models.PositiveIntegerField("逾期返回日数", default=0)
    author_org_path = models.CharField("登记机构路径", max_length=64, db_index=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "日常外出"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["subject", "idempotency_key"], name="uniq_leave_submission")]

    def __str__(self) -> str:
        return f"{self.subject.name}外出{self.destination_names}（{self.start_date}至{self.end_date}）"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class LeaveAttachmentQuerySet(ScopedQuerySet):
    scope_field = "leave__subject__org_path"
    subject_field = "leave__subject_id"
    author_field = "author_org_path"


class LeaveAttachment(models.Model):
    leave = models.ForeignKey(Leave, on_delete=models.PROTECT, related_name="attachments")
    label = models.CharField("材料名称", max_length=100)
    file = models.FileField("文件", upload_to="leave/%Y/%m/")
    uploaded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    author_org_path = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = LeaveAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = "外出证明材料"
        verbose_name_plural = verbose_name
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.label



class EnterpriseRole(models.TextChoices):
    OWNER = "owner", "出资人/实际控制人"
    LEGAL_REP = "legal_rep", "法定代表人"
    MANAGER = "manager", "经营管理人员"
    TECHNICIAN = "technician", "关键技术人员"


class EnterpriseLink(models.Model):
    """The subject's link to a private enterprise, verified once and archived (domain.md §6.5)."""

    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="enterprise_links")
    company = models.CharField("企业名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    role = models.CharField("担任职务", max_length=12, choices=EnterpriseRole.choices)
    proof = models.FileField("证明材料(营业执照、任职文件等)", upload_to="leave/enterprise/%Y/")
    verified_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    author_org_path = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "涉企关系"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["subject", "credit_code"], name="uniq_enterprise_link")]

    def __str__(self) -> str:
        return f"{self.company}（{self.get_role_display()}）"


class BusinessTravelPermit(models.Model):
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="travel_permits")
    link = models.ForeignKey(EnterpriseLink, verbose_name="涉企关系", on_delete=models.PROTECT,
                             related_name="permits")
    case = models.OneToOneField("workflows.Case", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="travel_permit")
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期止")
    destination_codes = models.JSONField("目的地行政区划代码", default=list)
    destination_names = models.CharField("目的地", max_length=300)
    max_days_per_trip = models.PositiveIntegerField("每次最长日数")
    reporting_duty = models.CharField("每次行程报告义务", max_length=300,
                                      default="出发、到达、返回时各核查一次，上传行程安排")
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    author_org_path = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "经营性外出许可"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject.name}经营性外出许可（{self.valid_from}至{self.valid_until}）"



class Trip(models.Model):
    """One trip under a standing permit: a short registration (一请多地), counted like a leave."""

    class State(models.TextChoices):
        REGISTERED = "registered", "已登记，待司法所确认"
        CONFIRMED = "confirmed", "已确认"
        RETURNED = "returned", "已返回"
        CANCELLED = "cancelled", "已取消"

    permit = models.ForeignKey(BusinessTravelPermit, on_delete=models.PROTECT, related_name="trips")
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="trips")
    idempotency_key = models.CharField(max_length=64)
    destination_codes = models.JSONField(default=list)
    start_date = models.DateField("出发日期")
    end_date = models.DateField("返回日期")
    purpose = models.CharField("行程事由", max_length=200)
    urgent = models.BooleanField("绿色通道(紧急)", default=False)
    confirm_due = models.DateTimeField("确认时限")
    state = models.CharField(max_length=12, choices=State.choices, default=State.REGISTERED)
    confirmed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    returned_at = models.DateTimeField(null=True, blank=True)
    author_org_path = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "经营性外出行程"
        verbose_name_plural = verbose_name
        ordering = ["-start_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["subject", "idempotency_key"], name="uniq_trip_submission")]

    def __str__(self) -> str:
        return f"{self.subject.name}行程（{self.start_date}至{self.end_date}）"



class Transfer(models.Model):
    """执行地变更: facts of one application; the steps are on its `transfer` case."""

    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="transfers")
    case = models.OneToOneField("workflows.Case", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="transfer")
    from_county = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    from_township = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_county_code = models.CharField("新执行地县(区)代码", max_length=6)
    to_county_name = models.CharField("新执行地", max_length=64)
    to_county = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  help_text="新执行地在本系统内时")
    to_township = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    new_address = models.CharField("新居住地", max_length=200)
    reason = models.TextField("变更理由")
    proof = models.FileField("新居住地证明", upload_to="leave/transfer/%Y/")
    moved_at = models.DateTimeField("执行地变更生效时间", null=True, blank=True)
    report_due = models.DateField("报到期限", null=True, blank=True)
    author_org_path = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "执行地变更"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject.name}执行地变更至{self.to_county_name}"

    @property
    def in_system(self) -> bool:
        return self.to_county_id is not None

