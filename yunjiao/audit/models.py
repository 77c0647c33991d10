"""The append-only audit chain.

Every write, every read of a subject's full record or other sensitive data, and every login appends one
`AuditRecord`.  Rows are chained: `hash = SM3(prev_hash || canonical JSON of the row)`.  `AuditHead`
(one row) holds the last sequence number and hash; appending locks it, so the chain stays linear
under concurrency.  Nothing updates or deletes audit rows (the model refuses it).
"""

from __future__ import annotations

from django.db import models

from yunjiao.core.scoping import ScopedQuerySet

GENESIS_HASH = "0" * 64


class Action(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    TRANSITION = "transition", "流程办理"
    READ = "read", "查看"
    EXPORT = "export", "导出"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    CONFIG = "config", "配置变更"
    OTHER = "other", "其他"


class AuditQuerySet(ScopedQuerySet):
    scope_field = "org_path"
    subject_field = "subject_id"


class AuditRecord(models.Model):
    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey("accounts.User", verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_constraint=False)
    actor_label = models.CharField("操作人", max_length=80)
    actor_org_path = models.CharField("操作人机构", max_length=64, blank=True)
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    subject = models.ForeignKey("subjects.Subject", verbose_name="矫正对象", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+", db_constraint=False)
    org_path = models.CharField("机构路径", max_length=64, blank=True, db_index=True)
    summary = models.CharField("摘要", max_length=300, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    data = models.JSONField("附加数据", null=True, blank=True)
    source = models.CharField("来源", max_length=10, default="shell")
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = verbose_name
        ordering = ["-seq"]
        indexes = [models.Index(fields=["subject", "-seq"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_action_display()} {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise RuntimeError("审计记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("审计记录只能追加，不能删除。")


class AuditHead(models.Model):
    """Single row: the tip of the chain (locked while appending)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash[:8]}"
