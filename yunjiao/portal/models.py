"""Phone pages: the one device a portal account is bound to.  Written only by yunjiao.portal.services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yunjiao.core.scoping import ScopedQuerySet


class PortalDeviceQuerySet(ScopedQuerySet):
    scope_field = "user__subject__org_path"
    subject_field = "user__subject_id"


class PortalDevice(models.Model):
    """A phone bound to a subject's portal account after the first login.  The device key lives in a
    long-lived cookie on the phone; only its keyed digest is stored.  An officer's reset ends the binding
    (``released_at``); the row stays as history and the next login binds the new phone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="手机端账号", on_delete=models.CASCADE,
                             related_name="portal_devices")
    device_id = models.CharField("设备编号", max_length=64, unique=True)
    key_digest = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField("浏览器标识", max_length=300, blank=True)
    first_seen = models.DateTimeField("首次使用", default=timezone.now)
    last_seen = models.DateTimeField("最近使用", default=timezone.now)
    released_at = models.DateTimeField("解除绑定时间", null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="解除人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    release_reason = models.CharField("解除原因", max_length=200, blank=True)

    objects = PortalDeviceQuerySet.as_manager()

    class Meta:
        verbose_name = "绑定手机"
        verbose_name_plural = "绑定手机"
        ordering = ["user", "-first_seen"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(released_at__isnull=True),
                                    name="portal_device_one_active_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} 的手机 {self.device_id}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class ReviewRequestQuerySet(ScopedQuerySet):
    scope_field = "checkin__subject__org_path"
    subject_field = "checkin__subject_id"


class ReviewRequest(models.Model):
    """“仍然提交，交由工作人员审核”: the person asks an officer to review a failed check-in instead of
    retrying.  One per check-in."""

    checkin = models.OneToOneField("checkins.Checkin", verbose_name="核查记录", on_delete=models.PROTECT,
                                   related_name="review_request")
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    original_outcome = models.CharField("原结果", max_length=24)
    note = models.CharField("本人说明", max_length=200, blank=True)

    objects = ReviewRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "人工复核申请"
        verbose_name_plural = "人工复核申请"

    def __str__(self) -> str:
        return f"{self.checkin} 人工复核申请"
