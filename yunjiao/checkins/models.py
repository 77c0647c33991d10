"""信息化核查 data: face enrolments (encrypted templates, full history), one-time check-in challenges and
the check-ins with every score.  Written only by yunjiao.checkins.services."""

from __future__ import annotations

import base64

import numpy as np
from django.conf import settings
from django.db import models
from django.utils import timezone

from yunjiao.core import crypto
from yunjiao.core.scoping import ScopedQuerySet


class SubjectRowQuerySet(ScopedQuerySet):
    scope_field = "subject__org_path"
    subject_field = "subject_id"


class FaceEnrolment(models.Model):
    """One enrolment (登记) of a subject's face: 1–5 photos → templates.  Re-enrolment creates a new version
    and retires the old one (kept as history, never deleted)."""

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT, related_name="face_enrolments"
    )
    version = models.PositiveIntegerField("版本")
    is_active = models.BooleanField("当前有效", default=True)
    model_name = models.CharField("模型", max_length=64, default="sface_2021dec")
    photo_count = models.PositiveSmallIntegerField("照片数")
    quality = models.JSONField("质量指标", default=list)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "人脸登记"
        verbose_name_plural = "人脸登记"
        ordering = ["subject", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "version"], name="face_enrolment_version_unique"),
            models.UniqueConstraint(
                fields=["subject"], condition=models.Q(is_active=True), name="face_enrolment_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} 人脸登记 v{self.version}"

    def templates(self) -> list[np.ndarray]:
        return [t.vector() for t in self.face_templates.all()]


class FaceTemplate(models.Model):
    """One SFace template (128 float32), stored SM4-encrypted: encrypt(base64(float32 little-endian bytes))."""

    enrolment = models.ForeignKey(FaceEnrolment, on_delete=models.CASCADE, related_name="face_templates")
    index = models.PositiveSmallIntegerField("序号")
    template_enc = models.TextField("人脸模板(密文)")
    photo_sha256 = models.CharField("照片 SHA-256", max_length=64)

    class Meta:
        verbose_name = "人脸模板"
        verbose_name_plural = "人脸模板"
        ordering = ["enrolment", "index"]

    def __str__(self) -> str:
        return f"{self.enrolment} 模板 {self.index + 1}"

    @staticmethod
    def encrypt_vector(vector: np.ndarray) -> str:
        from yunjiao.checkins.face.recognition import template_to_bytes

        return crypto.encrypt(base64.b64encode(template_to_bytes(vector)).decode("ascii"))

    def vector(self) -> np.ndarray:
        from yunjiao.checkins.face.recognition import template_from_bytes

        return template_from_bytes(base64.b64decode(crypto.decrypt(self.template_enc)))


class CheckinChallenge(models.Model):
    """A one-time nonce + random action sequence, bound to one subject and one device, valid briefly."""

    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="矫正对象",
        on_delete=models.PROTECT,
        related_name="checkin_challenges",
    )
    device_id = models.CharField("设备", max_length=64)
    nonce_digest = models.CharField(max_length=64, unique=True)
    actions = models.JSONField("动作")
    created_at = models.DateTimeField("发起时间", default=timezone.now)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "核查挑战"
        verbose_name_plural = "核查挑战"
        indexes = [models.Index(fields=["subject", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.subject} 核查挑战 {self.created_at:%Y-%m-%d %H:%M:%S}"


class Outcome(models.TextChoices):
    PASS = "pass", "通过"
    REVIEW = "review", "待人工复核"
    MISMATCH = "mismatch", "人脸不匹配"
    LIVENESS_FAILED = "liveness_failed", "活体动作未通过"
    NO_FACE = "no_face", "未检测到人脸"
    MULTIPLE_FACES = "multiple_faces", "画面中有多张人脸"
    IDENTITY_INCONSISTENT = "identity_inconsistent", "画面中不是同一个人"
    LOCATION_MISSING = "location_missing", "缺少定位"
    OUTSIDE_AREA = "outside_area", "超出允许区域"


class LocationStatus(models.TextChoices):
    MISSING = "missing", "未获取定位"
    UNCHECKED = "unchecked", "未做电子围栏判断"  # no boundary data for the subject's execution county
    INSIDE = "inside", "在允许区域内"
    NEAR_BOUNDARY = "near_boundary", "接近边界"
    OUTSIDE = "outside", "超出允许区域"


# What each location verdict means, shown with the verdict (phone result, officer review, API `location_reason`).
LOCATION_EXPLANATIONS = {
    LocationStatus.MISSING: "未获取到定位，请打开手机定位（GPS）后重新核查。",
    LocationStatus.UNCHECKED: "执行地暂无行政区划边界数据，本次未作电子围栏判断（位置已记录）。",
    LocationStatus.INSIDE: "核查时所在位置在允许活动区域内（执行地县区，外出期间含已批准的目的地）。",
    LocationStatus.NEAR_BOUNDARY: "核查时所在位置接近允许活动区域边界（或定位精度范围跨越边界），按区域内处理，位置已记录。",
    LocationStatus.OUTSIDE: "核查时所在位置超出允许活动区域（执行地县区及已批准外出的目的地）。",
}


class ReviewDecision(models.TextChoices):
    CONFIRMED = "confirmed", "确认本人"
    NOT_PERSON = "not_person", "非本人"
    UNDETERMINED = "undetermined", "无法判断"


class Checkin(models.Model):
    """One submitted check-in (信息化核查) with every score, so thresholds can be re-tuned later."""

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT, related_name="checkins"
    )
    challenge = models.OneToOneField(CheckinChallenge, on_delete=models.PROTECT, related_name="checkin")
    enrolment = models.ForeignKey(
        FaceEnrolment, verbose_name="比对的人脸登记", on_delete=models.PROTECT, related_name="+"
    )
    device_id = models.CharField("设备", max_length=64)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField("结果", max_length=24, choices=Outcome.choices, db_index=True)
    face_outcome = models.CharField("人脸/活体结果", max_length=24, choices=Outcome.choices)
    reasons = models.JSONField("原因", default=list)
    best_match = models.FloatField("最高相似度", null=True, blank=True)
    matched_frames = models.PositiveSmallIntegerField("匹配帧数", default=0)
    liveness_passed = models.BooleanField("活体通过", default=False)
    frame_count = models.PositiveSmallIntegerField("帧数")
    scores = models.JSONField("全部评分")  # BurstResult.as_dict(): per-frame scores, liveness, timings
    thresholds = models.JSONField("判定阈值")
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    accuracy_m = models.FloatField("定位精度(米)", null=True, blank=True)
    location_status = models.CharField("定位结果", max_length=16, choices=LocationStatus.choices)
    org_path = models.CharField("核查时所属机构", max_length=64, blank=True, editable=False)  # for reports, as CheckTask
    # Officer review (written only by yunjiao.checkins.review_services).
    frames_stored = models.PositiveSmallIntegerField("留存画面数", default=0)  # encrypted, see review_services
    review_decision = models.CharField("复核结论", max_length=16, choices=ReviewDecision.choices, blank=True)
    review_note = models.CharField("复核说明", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "信息化核查"
        verbose_name_plural = "信息化核查"
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["subject", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.subject} {self.submitted_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    @property
    def location_reason(self) -> str:
        return LOCATION_EXPLANATIONS.get(self.location_status, "")


# --- check tasks (核查任务): scheduled checks and spot checks -------------------------------------------
#
# Interface for other apps (portal pages, officer views) — read/write only through
# yunjiao.checkins.tasks_services:
#   open_tasks_for(subject, at=None) -> QuerySet[CheckTask]
#       pending tasks whose window has started (window_start <= at) and whose deadline has not passed
#       (deadline > at), ordered by deadline (earliest first).
#   attach_checkin(checkin) -> CheckTask | None
#       called by checkins.services.submit_checkin after the check-in row is written (same transaction):
#       links the earliest open task to the check-in and marks it done (or late when the check-in came
#       after the deadline but within the grace period); returns None when no task was open.
#   Never show a subject a window that has not opened yet (the times are random on purpose).
# A check-in answers at most one task; a task is answered by at most one check-in.


class CheckTaskKind(models.TextChoices):
    SCHEDULED = "scheduled", "定时核查"
    SPOT = "spot", "点对点抽查"
    LEAVE = "leave", "外出核查"
    ORDERED = "ordered", "指令核查"


class CheckTaskStatus(models.TextChoices):
    PENDING = "pending", "待签到"
    DONE = "done", "已完成"
    LATE = "late", "超时完成"
    MISSED = "missed", "未响应"
    CANCELLED = "cancelled", "已取消"


class CheckTask(models.Model):
    """One check a subject must answer by a check-in between `window_start` and `deadline`.

    Scheduled tasks are planned per day by jobs.plan_checks (idempotent per subject and day through
    (subject, plan_date, seq)); spot/ordered tasks are created by an officer (batch_id groups one order).
    """

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="矫正对象", on_delete=models.PROTECT, related_name="check_tasks"
    )
    kind = models.CharField("核查类型", max_length=12, choices=CheckTaskKind.choices, db_index=True)
    plan_date = models.DateField("计划日期", db_index=True)
    seq = models.PositiveSmallIntegerField("当日序号", default=0)
    window_start = models.DateTimeField("开始时间", db_index=True)
    deadline = models.DateTimeField("截止时间", db_index=True)
    status = models.CharField(
        "状态", max_length=12, choices=CheckTaskStatus.choices, default=CheckTaskStatus.PENDING, db_index=True
    )
    checkin = models.ForeignKey(
        Checkin, verbose_name="签到记录", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    completed_at = models.DateTimeField("签到时间", null=True, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="下达人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("事由", max_length=200, blank=True)
    batch_id = models.CharField("抽查批次", max_length=32, blank=True, db_index=True)
    # Where and at which level the subject was when the task was set: reports count a task for the office that
    # had to answer for it, even after a transfer (执行地变更) or a level change.  Empty on rows from before.
    org_path = models.CharField("安排时所属机构", max_length=64, blank=True, editable=False)
    supervision_level = models.CharField("安排时管理等级", max_length=16, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    notified_at = models.DateTimeField("通知对象时间", null=True, blank=True)  # subject told the window opened
    alerted_at = models.DateTimeField("通知民警时间", null=True, blank=True)  # officers told of the miss

    objects = SubjectRowQuerySet.as_manager()

    class Meta:
        verbose_name = "核查任务"
        verbose_name_plural = "核查任务"
        ordering = ["-window_start", "-id"]
        indexes = [
            models.Index(fields=["subject", "status", "deadline"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["status", "window_start"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "plan_date", "seq"],
                condition=models.Q(seq__gt=0),  # planned slots (scheduled / leave); officer orders use seq 0
                name="check_task_planned_once_per_slot",
            ),
            models.UniqueConstraint(
                fields=["checkin"], condition=models.Q(checkin__isnull=False), name="check_task_one_per_checkin"
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("window_start")), name="check_task_deadline_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.get_kind_display()} {timezone.localtime(self.window_start):%Y-%m-%d %H:%M}"

    @property
    def is_answered(self) -> bool:
        return self.status in (CheckTaskStatus.DONE, CheckTaskStatus.LATE)


class CheckPolicySetting(models.Model):
    """Check frequencies per management level (严管/普管/宽管), editable by the city administrator.

    A missing row means the defaults of schedule.DEFAULT_POLICIES / DEFAULT_EXTRA.  Changed only through
    tasks_services.update_policy (audited)."""

    level = models.CharField("管理等级", max_length=10, unique=True,
                             choices=[("strict", "严管"), ("normal", "普管"), ("lenient", "宽管")])
    per_week = models.PositiveSmallIntegerField("每周核查次数")
    extra_key_subject = models.PositiveSmallIntegerField("重点管控对象每周加查次数", default=7)
    extra_high_risk = models.PositiveSmallIntegerField("高风险对象每周加查次数", default=3)
    response_minutes = models.PositiveSmallIntegerField("响应时限(分钟)", default=30)
    waking_start = models.TimeField("核查时段开始", default="08:00")
    waking_end = models.TimeField("核查时段结束", default="21:00")
    min_gap_minutes = models.PositiveSmallIntegerField("两次核查最小间隔(分钟)", default=120)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "核查频次设置"
        verbose_name_plural = "核查频次设置"
        ordering = ["level"]
        constraints = [
            models.CheckConstraint(condition=models.Q(waking_end__gt=models.F("waking_start")),
                                   name="check_policy_waking_hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}：每周 {self.per_week} 次"
