"""e矫通: courses (云课堂), online study sessions, offline sessions and community service, hours ledger,
monthly accounting."""

from __future__ import annotations

from functools import cached_property

from django.db import models
from django.utils import timezone

from yunjiao.core.scoping import ScopedQuerySet, scope_path
from yunjiao.education import rules


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


class CourseQuerySet(ScopedQuerySet):
    """Officers see courses of their branch and those published above it (the city's courses are used
    by every township).  Portal accounts read courses only through `services.courses_for`."""

    scope_field = "org_path"

    def visible_to(self, user):
        qs = super().visible_to(user)
        path = scope_path(user)
        if path:
            qs = qs | self.filter(org_path__in=_ancestor_paths(path)[:-1])
        return qs


class CourseKind(models.TextChoices):
    VIDEO = "video", "视频"
    RICHTEXT = "richtext", "图文"
    PDF = "pdf", "PDF 文档"


class Course(models.Model):
    title = models.CharField("课程名称", max_length=100)
    kind = models.CharField("形式", max_length=10, choices=CourseKind.choices)
    category = models.CharField("类别", max_length=16, choices=rules.CATEGORIES)
    audience = models.CharField("面向对象", max_length=10, choices=rules.AUDIENCES, default="all")
    audience_value = models.CharField("对象范围", max_length=200, blank=True,
                                      help_text="按矫正类别时填类别代码；按罪名时填罪名关键字，逗号分隔")
    required = models.BooleanField("必修", default=True)
    hours = models.DecimalField("计入学时(小时)", max_digits=5, decimal_places=2)
    description = models.CharField("简介", max_length=300, blank=True)
    video = models.FileField("视频文件", upload_to="education/videos/%Y/%m/", blank=True)
    video_format = models.CharField(max_length=8, blank=True)
    duration_seconds = models.PositiveIntegerField("视频时长(秒)", default=0)
    body_html = models.TextField("图文内容", blank=True)
    pdf = models.FileField("PDF 文件", upload_to="education/pdf/%Y/%m/", blank=True)
    min_read_seconds = models.PositiveIntegerField("最少阅读时间(秒)", default=60)
    published = models.BooleanField("已发布", default=False)
    org = models.ForeignKey("orgs.Org", verbose_name="发布机构", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @cached_property
    def has_quiz(self) -> bool:
        return self.questions.exists()


class CourseChildQuerySet(ScopedQuerySet):
    scope_field = "course__org_path"


class QuizQuestion(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField("题目", max_length=300)
    options = models.JSONField("选项", default=list)
    correct = models.JSONField("正确答案(序号)", default=list)
    order = models.PositiveSmallIntegerField(default=0)

    objects = CourseChildQuerySet.as_manager()

    class Meta:
        verbose_name = "测验题"
        verbose_name_plural = verbose_name
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class SubjectRowQuerySet(ScopedQuerySet):
    scope_field = "subject__org_path"
    subject_field = "subject_id"


class FaceStatus(models.TextChoices):
    NONE = "none", "未核验"
    PENDING = "pending", "待核验"
    PASSED = "passed", "核验通过"
    FAILED = "failed", "核验未通过"
    UNAVAILABLE = "unavailable", "人脸核验不可用"


class StudySession(models.Model):
    """One subject studying one course online; progress only from heartbeats of watched segments."""

    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="study_sessions")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    last_heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    intervals = models.JSONField("已观看片段", default=list)
    watched_seconds = models.FloatField("有效观看秒数", default=0)
    rejected_seconds = models.FloatField("未计入秒数(跳过/后台)", default=0)
    face_check_at = models.FloatField("人脸抽查时点(秒)", null=True, blank=True)
    face_status = models.CharField("人脸核验", max_length=12, choices=FaceStatus.choices, default=FaceStatus.NONE)
    face_challenge = models.JSONField("人脸抽查动作", default=list, blank=True)
    quiz_right = models.PositiveSmallIntegerField(null=True, blank=True)
    quiz_total = models.PositiveSmallIntegerField(null=True, blank=True)
    quiz_passed = models.BooleanField(null=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    credited_hours = models.DecimalField("计入学时", max_digits=5, decimal_places=2, default=0)
    voided = models.BooleanField("不予计时", default=False)
    void_reason = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "在线学习记录"
        verbose_name_plural = verbose_name
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} · {self.course}"

    @property
    def progress(self) -> int:
        if self.course.kind != CourseKind.VIDEO or not self.course.duration_seconds:
            return 100 if self.completed_at else 0
        return min(100, int(self.watched_seconds * 100 / self.course.duration_seconds))


class FaceCheckQuerySet(ScopedQuerySet):
    scope_field = "session__subject__org_path"
    subject_field = "session__subject_id"


class FaceCheck(models.Model):
    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="face_checks")
    passed = models.BooleanField("通过")
    scores = models.JSONField("比对结果", default=dict)
    at = models.DateTimeField(default=timezone.now)

    objects = FaceCheckQuerySet.as_manager()

    class Meta:
        verbose_name = "学习人脸抽查"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"人脸抽查 {'通过' if self.passed else '未通过'}"


class EventKind(models.TextChoices):
    GROUP = "group", "集中教育"
    INDIVIDUAL = "individual", "个别教育"
    COUNSELLING = "counselling", "心理辅导"
    SERVICE = "service", "公益活动"


EDUCATION_KINDS = {EventKind.GROUP, EventKind.INDIVIDUAL, EventKind.COUNSELLING}


class Event(models.Model):
    """An offline education session or a community-service activity."""

    kind = models.CharField("类型", max_length=12, choices=EventKind.choices)
    topic = models.CharField("主题", max_length=100)
    place = models.CharField("地点", max_length=100)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    hours = models.DecimalField("计入时长(小时)", max_digits=5, decimal_places=2)
    org = models.ForeignKey("orgs.Org", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    closed_at = models.DateTimeField("考勤结束时间", null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "线下教育/公益活动"
        verbose_name_plural = verbose_name
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.topic}"

    @property
    def is_service(self) -> bool:
        return self.kind == EventKind.SERVICE


class AttendanceStatus(models.TextChoices):
    EXPECTED = "expected", "应到"
    PRESENT = "present", "已签到"
    ABSENT = "absent", "缺席"
    EXCUSED = "excused", "请假"


class Attendance(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="event_attendances")
    status = models.CharField("考勤", max_length=10, choices=AttendanceStatus.choices,
                              default=AttendanceStatus.EXPECTED)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    signed_in_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    method = models.CharField("签到方式", max_length=16, blank=True)
    duplicate_count = models.PositiveSmallIntegerField("重复签到次数", default=0)
    face_challenge = models.JSONField("人脸签到动作", default=list, blank=True)
    face_scores = models.JSONField("人脸签到比对结果", default=dict, blank=True)
    hours = models.DecimalField("计入时长", max_digits=5, decimal_places=2, default=0)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = verbose_name
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event", "subject"], name="edu_attendance_once")]

    def __str__(self) -> str:
        return f"{self.subject} · {self.get_status_display()}"


class HoursKind(models.TextChoices):
    EDUCATION = "education", "教育学习"
    SERVICE = "service", "公益活动"


class HoursCredit(models.Model):
    """The hours ledger: one row per credited study session / attendance.  Monthly sums read it."""

    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="hours_credits")
    kind = models.CharField("类别", max_length=10, choices=HoursKind.choices)
    day = models.DateField("日期", db_index=True)
    hours = models.DecimalField("时长", max_digits=5, decimal_places=2)
    source = models.CharField("来源", max_length=100)
    session = models.OneToOneField(StudySession, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="credit")
    attendance = models.OneToOneField(Attendance, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="credit")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "学时记录"
        verbose_name_plural = verbose_name
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} {self.hours} 小时"


class GlobalQuerySet(ScopedQuerySet):
    """A configuration table every officer may read."""

    def visible_to(self, user):
        if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "role", "") != "subject":
            return self
        return self.none()


class LevelHours(models.Model):
    """Configurable monthly requirement per management level (overrides `rules.DEFAULT_HOURS`)."""

    level = models.CharField("管理等级", max_length=10, unique=True)
    education_hours = models.DecimalField("教育学习(小时/月)", max_digits=5, decimal_places=2)
    service_hours = models.DecimalField("公益活动(小时/月)", max_digits=5, decimal_places=2)
    note = models.CharField("依据", max_length=200, blank=True)

    objects = GlobalQuerySet.as_manager()  # one table for the city; only city users change it (services)

    class Meta:
        verbose_name = "学时标准"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.level}: {self.education_hours}+{self.service_hours}"


class MonthlyHours(models.Model):
    """Month-end record read by the assessment (考核奖惩) module."""

    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT, related_name="monthly_hours")
    month = models.DateField("月份(当月1日)")
    required_edu = models.DecimalField("应学时", max_digits=6, decimal_places=2)
    credited_edu = models.DecimalField("实学时", max_digits=6, decimal_places=2)
    required_service = models.DecimalField("应公益时长", max_digits=6, decimal_places=2)
    credited_service = models.DecimalField("实公益时长", max_digits=6, decimal_places=2)
    shortfall = models.DecimalField("差额", max_digits=6, decimal_places=2)
    levels = models.JSONField("当月各等级天数", default=dict)
    org_path = models.CharField(max_length=64, db_index=True, editable=False)
    closed_at = models.DateTimeField("结算时间", default=timezone.now)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "月度学时"
        verbose_name_plural = verbose_name
        ordering = ["-month", "subject_id"]
        constraints = [models.UniqueConstraint(fields=["subject", "month"], name="edu_monthly_once")]

    def __str__(self) -> str:
        return f"{self.subject} {self.month:%Y-%m}"

