"""The person under supervision (社区矫正对象) and the parts of the 一人一档 record.

Personal identifiers (ID number, phone numbers, addresses) are stored SM4-encrypted; ID and phone
numbers also carry a keyed SM3 digest for exact search.  Use the `set_*` helpers to change them.
"""

from __future__ import annotations

from datetime import date

from django.db import models

from yunjiao.core import crypto
from yunjiao.core.scoping import ScopedQuerySet, scope_path
from yunjiao.subjects import choices as c
from yunjiao.subjects.rules import mask_id_number, mask_phone


class SubjectQuerySet(ScopedQuerySet):
    scope_field = "org_path"
    subject_field = "pk"

    def visible_to(self, user):
        # Every record's org_path is the path of a real org (services set it), so a user of the only root
        # org (the city) sees every row: no path condition, which lets the database walk the primary key
        # for "newest first" pages instead of sorting 100,000 rows out of a range that covers them all.
        path = scope_path(user)
        if path and getattr(user, "role", "") != "subject" and user.org.parent_id is None \
                and path == _single_root_path():
            return self.all()
        return super().visible_to(user)

    def active(self):
        return self.exclude(status__in=[c.Status.DISCHARGED, c.Status.TERMINATED])


def _single_root_path() -> str | None:
    """Path of the org tree's root when there is exactly one root (the city), else None."""
    from yunjiao.orgs.models import Org

    roots = list(Org.objects.filter(parent__isnull=True).values_list("path", flat=True)[:2])
    return roots[0] if len(roots) == 1 else None


class SubjectChildQuerySet(ScopedQuerySet):
    """Rows that belong to one subject are scoped through the subject's current org."""

    scope_field = "subject__org_path"
    subject_field = "subject_id"


class Subject(models.Model):
    # --- identity (§3.1)
    number = models.CharField("矫正对象编号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=32)
    name_initials = models.CharField("姓名拼音首字母", max_length=64, db_index=True)
    name_pinyin = models.CharField("姓名拼音", max_length=128, blank=True)
    former_name = models.CharField("曾用名", max_length=32, blank=True)
    sex = models.CharField("性别", max_length=8, choices=c.Sex.choices)
    ethnicity = models.CharField("民族", max_length=16, default="汉族")
    nationality = models.CharField("国籍", max_length=4, choices=c.Nationality.choices,
                                   default=c.Nationality.MAINLAND)
    id_type = models.CharField("证件类型", max_length=16, choices=c.IdType.choices,
                               default=c.IdType.RESIDENT_ID)
    id_number_enc = models.TextField("证件号码(密文)", blank=True)
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField("证件号码", max_length=32, blank=True)
    birth_date = models.DateField("出生日期")
    household_type = models.CharField("户籍类型", max_length=4, choices=c.HouseholdType.choices, blank=True)
    household_address_enc = models.TextField("户籍地(密文)", blank=True)
    residence_address_enc = models.TextField("居住地(密文)", blank=True)
    phone_enc = models.TextField("联系电话(密文)", blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField("联系电话", max_length=16, blank=True)
    education = models.CharField("文化程度", max_length=4, choices=c.Education.choices, blank=True)
    marital_status = models.CharField("婚姻状况", max_length=4, choices=c.MaritalStatus.choices, blank=True)
    political_status = models.CharField("政治面貌", max_length=16, choices=c.PoliticalStatus.choices,
                                        blank=True)
    health_status = models.CharField("健康状况", max_length=64, blank=True)
    mental_health_note = models.CharField("心理健康说明", max_length=200, blank=True)
    employment = models.CharField("就业就学情况", max_length=16, choices=c.Employment.choices, blank=True)
    work_unit = models.CharField("工作单位/学校", max_length=100, blank=True)
    # SM4-GCM encrypted JPEG/PNG (subjects.services stores it; served only by subjects:photo, scoped)
    photo = models.FileField("照片(密文)", upload_to="subjects/photos/", blank=True, editable=False)
    photo_type = models.CharField("照片格式", max_length=16, blank=True, editable=False)

    # --- sentence and legal data (§3.2)
    category = models.CharField("矫正类别", max_length=20, choices=c.Category.choices)
    temporary_release_type = models.CharField("暂予监外执行类型", max_length=24,
                                              choices=c.TemporaryReleaseType.choices, blank=True)
    charges = models.CharField("罪名", max_length=200)
    crime_type = models.CharField("犯罪类型", max_length=4, choices=c.CrimeType.choices, blank=True)
    crime_facts = models.TextField("主要犯罪事实", blank=True)
    is_recidivist = models.BooleanField("是否累犯", default=False)
    is_joint_crime = models.BooleanField("是否共同犯罪", default=False)
    prior_record = models.TextField("本次犯罪前违法犯罪记录", blank=True)
    original_penalty = models.CharField("原判刑罚", max_length=4, choices=c.OriginalPenalty.choices, blank=True)
    original_term = models.CharField("原判刑期", max_length=32, blank=True, help_text="如“有期徒刑二年”")
    original_term_start = models.DateField("原判刑期起日", null=True, blank=True)
    original_term_end = models.DateField("原判刑期止日", null=True, blank=True)
    supplementary_penalty = models.CharField("附加刑", max_length=100, blank=True)
    deciding_authority_type = models.CharField("决定机关类型", max_length=16, choices=c.AuthorityType.choices,
                                               default=c.AuthorityType.COURT)
    deciding_authority = models.CharField("社区矫正决定机关", max_length=100)
    judgment_number = models.CharField("判决(决定)文书号", max_length=64, blank=True)
    judgment_date = models.DateField("判决(决定)日期", null=True, blank=True)
    judgment_effective_date = models.DateField("判决(决定)生效日期", null=True, blank=True)
    correction_term = models.CharField("矫正期限", max_length=32, blank=True, help_text="如“二年六个月”")
    period_start = models.DateField("矫正起始日期")
    period_end = models.DateField("矫正结束日期")
    documents_received_date = models.DateField("法律文书收到日期", null=True, blank=True)
    report_date = models.DateField("报到日期", null=True, blank=True)
    report_type = models.CharField("报到类型", max_length=16, choices=c.ReportType.choices, blank=True)
    reception_method = models.CharField("接收方式", max_length=10, choices=c.ReceptionMethod.choices,
                                        blank=True)
    was_assessed = models.BooleanField("是否进行了调查评估", default=False)

    # --- execution place and management (§3.3)
    execution_org = models.ForeignKey("orgs.Org", verbose_name="执行地(县级社区矫正机构)",
                                      on_delete=models.PROTECT, related_name="executed_subjects")
    township = models.ForeignKey("orgs.Org", verbose_name="负责司法所", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="township_subjects")
    org_path = models.CharField("机构路径", max_length=64, db_index=True, editable=False)
    supervision_level = models.CharField("管理等级", max_length=10, choices=c.SupervisionLevel.choices,
                                         default=c.SupervisionLevel.STRICT)
    risk_level = models.CharField("风险等级", max_length=8, choices=c.RiskLevel.choices,
                                  default=c.RiskLevel.MEDIUM)
    is_key_subject = models.BooleanField("重点管控对象", default=False)
    status = models.CharField("状态", max_length=20, choices=c.Status.choices,
                              default=c.Status.PENDING_INTAKE, db_index=True, editable=False)
    info_check_enabled = models.BooleanField("实行信息化核查", default=True)

    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        verbose_name = "社区矫正对象"
        verbose_name_plural = "社区矫正对象"
        ordering = ["-id"]  # ids grow with creation; "-id" lets a page of a big scope stop after 20 rows
        indexes = [
            models.Index(fields=["org_path", "status"]),
            models.Index(fields=["org_path", "-created_at"]),
            # PostgreSQL: LIKE 'path.%' (scoping) and prefix searches use these whatever the collation;
            # other databases ignore opclasses (a plain index).
            models.Index(fields=["org_path"], name="subject_org_path_pattern", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_initials"], name="subject_initials_pattern",
                         opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.number})"

    # --- encrypted fields: set through these helpers so the digest and mask follow
    def set_id_number(self, value: str) -> None:
        value = (value or "").strip().upper()
        self.id_number_enc = crypto.encrypt(value)
        self.id_number_digest = crypto.digest(value)
        self.id_number_masked = mask_id_number(value)

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc)

    def set_phone(self, value: str) -> None:
        value = (value or "").strip()
        self.phone_enc = crypto.encrypt(value)
        self.phone_digest = crypto.digest(value)
        self.phone_masked = mask_phone(value)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    def set_household_address(self, value: str) -> None:
        self.household_address_enc = crypto.encrypt((value or "").strip())

    @property
    def household_address(self) -> str:
        return crypto.decrypt(self.household_address_enc)

    def set_residence_address(self, value: str) -> None:
        self.residence_address_enc = crypto.encrypt((value or "").strip())

    @property
    def residence_address(self) -> str:
        return crypto.decrypt(self.residence_address_enc)

    # --- small facts about this row
    def age_on(self, day: date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def is_juvenile(self) -> bool:
        """Under 18 at the start of correction: juvenile rules apply for the whole period (art.58)."""
        return self.age_on(self.period_start) < 18

    @property
    def responsible_org(self):
        return self.township or self.execution_org


class SupervisionLevelChange(models.Model):
    """History of 分类管理 level changes (CateModifyInfo)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="level_changes")
    old_level = models.CharField("原等级", max_length=10, choices=c.SupervisionLevel.choices, blank=True)
    new_level = models.CharField("新等级", max_length=10, choices=c.SupervisionLevel.choices)
    reason = models.CharField("调整原因", max_length=200)
    effective_date = models.DateField("生效日期")
    decided_by = models.ForeignKey("accounts.User", verbose_name="决定人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = "管理等级变更"
        verbose_name_plural = verbose_name
        ordering = ["-effective_date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_old_level_display()}→{self.get_new_level_display()}"


class ProhibitionOrder(models.Model):
    """禁止令 attached to a 管制/缓刑 sentence (CL art.38, 72)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="prohibitions")
    kind = models.CharField("禁止类型", max_length=10, choices=c.ProhibitionKind.choices)
    content = models.CharField("禁止内容", max_length=300)
    start_date = models.DateField("起始日期")
    end_date = models.DateField("截止日期")

    objects = SubjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = "禁止令"
        verbose_name_plural = verbose_name
        ordering = ["start_date", "id"]

    def __str__(self) -> str:
        return self.content


class FamilyMember(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="family")
    name = models.CharField("姓名", max_length=32)
    relation = models.CharField("关系", max_length=16)
    work_unit = models.CharField("工作单位", max_length=100, blank=True)
    phone_enc = models.TextField("联系电话(密文)", blank=True)
    phone_masked = models.CharField("联系电话", max_length=16, blank=True)
    is_guardian = models.BooleanField("监护人", default=False)

    objects = SubjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭成员及主要社会关系"
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}({self.relation})"

    def set_phone(self, value: str) -> None:
        self.phone_enc = crypto.encrypt((value or "").strip())
        self.phone_masked = mask_phone((value or "").strip())

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)


class CorrectionTeamMember(models.Model):
    """矫正小组 member (LAW art.25).  A member may be a staff user or an outside person."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey("accounts.User", verbose_name="工作人员账号", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="team_memberships")
    name = models.CharField("姓名", max_length=32)
    sex = models.CharField("性别", max_length=8, choices=c.Sex.choices)
    role = models.CharField("身份", max_length=16, choices=c.TeamRole.choices)
    phone_masked = models.CharField("联系电话", max_length=16, blank=True)
    phone_enc = models.TextField(blank=True)
    is_active = models.BooleanField("在组", default=True)
    joined_at = models.DateField("加入日期", default=date.today)

    objects = SubjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = "矫正小组成员"
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def set_phone(self, value: str) -> None:
        self.phone_enc = crypto.encrypt((value or "").strip())
        self.phone_masked = mask_phone((value or "").strip())


class CorrectionPlan(models.Model):
    """矫正方案 (LAW art.24), versioned: a new row per revision."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveIntegerField("版本")
    supervision_measures = models.TextField("监督管理措施")
    education_measures = models.TextField("教育矫正措施")
    assistance_measures = models.TextField("帮困扶助措施", blank=True)
    other_measures = models.TextField("其他", blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = "矫正方案"
        verbose_name_plural = verbose_name
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["subject", "version"], name="uniq_plan_version")]

    def __str__(self) -> str:
        return f"矫正方案 v{self.version}"
