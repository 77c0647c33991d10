"""Users and roles.  Officers belong to one org; a subject's portal account belongs to one subject."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", "市局管理员"
    CITY_OFFICER = "city_officer", "市局工作人员"
    COUNTY_HEAD = "county_head", "县(区)局负责人"
    COUNTY_OFFICER = "county_officer", "县级社区矫正机构工作人员"
    TOWNSHIP_OFFICER = "township_officer", "司法所工作人员"
    SOCIAL_WORKER = "social_worker", "社工"
    POLICE_LIAISON = "police_liaison", "驻所民警/警务联络室"
    SUBJECT = "subject", "社区矫正对象"


OFFICER_ROLES = frozenset({
    Role.CITY_ADMIN, Role.CITY_OFFICER, Role.COUNTY_HEAD, Role.COUNTY_OFFICER,
    Role.TOWNSHIP_OFFICER, Role.SOCIAL_WORKER,
})
# Roles that may create or change records of subjects inside their branch.
WRITER_ROLES = frozenset({
    Role.CITY_ADMIN, Role.CITY_OFFICER, Role.COUNTY_HEAD, Role.COUNTY_OFFICER, Role.TOWNSHIP_OFFICER,
})


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.TOWNSHIP_OFFICER)
    org = models.ForeignKey("orgs.Org", verbose_name="所属机构", null=True, blank=True,
                            on_delete=models.PROTECT, related_name="users")
    display_name = models.CharField("姓名", max_length=32, blank=True)
    subject = models.OneToOneField("subjects.Subject", verbose_name="对应矫正对象", null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="portal_account")
    bound_device_id = models.CharField("绑定设备", max_length=64, blank=True)
    previous_login_at = models.DateTimeField("上次登录时间", null=True, blank=True)
    previous_login_ip = models.GenericIPAddressField("上次登录IP", null=True, blank=True)
    last_login_ip = models.GenericIPAddressField("本次登录IP", null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES

    @property
    def is_subject_account(self) -> bool:
        return self.role == Role.SUBJECT

    @property
    def can_write_subjects(self) -> bool:
        return self.is_superuser or self.role in WRITER_ROLES


class ApiToken(models.Model):
    """Bearer token for an officer's scripts or for a device (phone app, location gateway).

    Only the SHA-256 of the token is stored; the token itself is shown once when issued.
    """

    class Kind(models.TextChoices):
        USER = "user", "用户令牌"
        DEVICE = "device", "设备令牌"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=64)
    user = models.ForeignKey(User, verbose_name="用户", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="api_tokens")
    org = models.ForeignKey("orgs.Org", verbose_name="所属机构", on_delete=models.PROTECT,
                            related_name="api_tokens")
    device_id = models.CharField("设备编号", max_length=64, blank=True, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()
