"""In-app message centre for officers and subjects, plus the SMS outbox."""

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet


class MessageQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """A message is visible to its recipient only (also for city users)."""
        if getattr(user, "is_authenticated", False) and getattr(user, "pk", None):
            return self.filter(recipient=user)
        return self.none()


class Message(models.Model):
    recipient = models.ForeignKey("accounts.User", verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="messages")
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    category = models.CharField("类别", max_length=30, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class SmsOutbox(models.Model):
    """SMS to send through the configured HTTP gateway; kept for evidence and retries."""

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        DISABLED = "disabled", "未配置短信网关"

    phone_enc = models.TextField()
    phone_masked = models.CharField(max_length=16)
    text = models.CharField(max_length=500)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "短信发送记录"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.phone_masked}: {self.text[:20]}"
