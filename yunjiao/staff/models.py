"""Staff (队伍): profiles, 工作证件 (work certificates, Shandong 2024 rules), training records."""

from __future__ import annotations

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet
from yunjiao.staff import rules


class StaffProfile(models.Model):
    user = models.OneToOneField("accounts.User", verbose_name="账号", on_delete=models.PROTECT,
                                related_name="staff_profile")
    name = models.CharField("姓名", max_length=32)
    establishment = models.CharField("编制类型", max_length=16, choices=rules.ESTABLISHMENTS)
    position = models.CharField("职务/岗位", max_length=64, blank=True)
    org = models.ForeignKey("orgs.Org", verbose_name="所在机构", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    photo = models.ImageField("证件照", upload_to="staff/photos/", blank=True)
    is_active = models.BooleanField("在岗", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = verbose_name
        ordering = ["org_path", "name"]

    def __str__(self) -> str:
        return self.name


class CertificateQuerySet(ScopedQuerySet):
    scope_field = "org_path"


class WorkCertificate(models.Model):
    profile = models.ForeignKey(StaffProfile, verbose_name="持证人", on_delete=models.PROTECT,
                                related_name="certificates")
    card_type = models.CharField("证件类型", max_length=12, choices=rules.CARD_TYPES)
    number = models.CharField("证件编号", max_length=32, blank=True, db_index=True)
    token = models.CharField("核验码", max_length=32, unique=True)
    status = models.CharField("状态", max_length=20, choices=rules.STATUSES, default="applied")
    reason = models.CharField("申请/变更事由", max_length=200, blank=True)
    org = models.ForeignKey("orgs.Org", verbose_name="所在机构", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    applied_at = models.DateTimeField("申请时间", auto_now_add=True)
    issued_at = models.DateTimeField("生效时间", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    history = models.JSONField("办理记录", default=list)
    version = models.PositiveIntegerField(default=1)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = "工作证件"
        verbose_name_plural = verbose_name
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return self.number or f"证件申请#{self.pk}"


class Training(models.Model):
    title = models.CharField("培训名称", max_length=100)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    organiser = models.CharField("主办单位", max_length=100)
    mode = models.CharField("形式", max_length=10, choices=rules.TRAINING_MODES)
    place = models.CharField("地点", max_length=100, blank=True)
    org = models.ForeignKey("orgs.Org", verbose_name="组织机构", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "培训"
        verbose_name_plural = verbose_name
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.title


class TrainingAttendanceQuerySet(ScopedQuerySet):
    """Visible to the org that ran the training and to the org of the person trained."""

    scope_field = "training__org_path"
    author_field = "profile__org_path"


class TrainingAttendance(models.Model):
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendances")
    profile = models.ForeignKey(StaffProfile, verbose_name="参训人员", on_delete=models.PROTECT,
                                related_name="trainings")
    hours = models.DecimalField("计入学时", max_digits=5, decimal_places=1)
    certificate_number = models.CharField("结业证书编号", max_length=40, blank=True)

    objects = TrainingAttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = "参训记录"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["training", "profile"], name="staff_training_once")]

    def __str__(self) -> str:
        return f"{self.profile} · {self.training}"
