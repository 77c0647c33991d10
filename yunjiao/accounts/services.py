"""Writes on accounts: creating users, logins (audited), API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yunjiao.accounts.models import ApiToken, Role, User
from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.orgs.models import OrgLevel

# Which org level each role belongs to.
ROLE_LEVELS = {
    Role.CITY_ADMIN: {OrgLevel.CITY},
    Role.CITY_OFFICER: {OrgLevel.CITY},
    Role.COUNTY_HEAD: {OrgLevel.COUNTY},
    Role.COUNTY_OFFICER: {OrgLevel.COUNTY},
    Role.TOWNSHIP_OFFICER: {OrgLevel.TOWNSHIP},
    Role.SOCIAL_WORKER: {OrgLevel.TOWNSHIP, OrgLevel.COUNTY},
    Role.POLICE_LIAISON: {OrgLevel.COUNTY, OrgLevel.TOWNSHIP},
}


def create_officer(*, actor, username: str, password: str, role: str, org, display_name: str = "",
                   validate: bool = True) -> User:
    if role == Role.SUBJECT:
        raise ServiceError("矫正对象账号请通过“开通手机端账号”创建。")
    if org is None or org.level not in ROLE_LEVELS.get(role, set()):
        raise ServiceError(f"角色“{Role(role).label}”不能设在{org.get_level_display() if org else '空'}机构。")
    if actor is not None and not getattr(actor, "is_superuser", False):
        if actor.role != Role.CITY_ADMIN or not actor.org.contains(org):
            raise NotAllowed("只有市局管理员可以创建工作人员账号。")
    if User.objects.filter(username=username).exists():
        raise ServiceError(f"用户名“{username}”已被使用。", code="duplicate")
    if validate:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise ServiceError("；".join(exc.messages), code="weak_password")
    with transaction.atomic():
        user = User(username=username, role=role, org=org, display_name=display_name)
        user.set_password(password)
        user.save()
        audit.record(actor, Action.CREATE, user, org_path=org.path,
                     summary=f"创建账号 {username}（{Role(role).label}）")
    return user


def create_portal_account(*, actor, subject, username: str, password: str, validate: bool = True) -> User:
    if User.objects.filter(username=username).exists():
        raise ServiceError(f"用户名“{username}”已被使用。", code="duplicate")
    if User.objects.filter(subject=subject).exists():
        raise ServiceError("该矫正对象已开通手机端账号。", code="duplicate")
    if validate:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise ServiceError("；".join(exc.messages), code="weak_password")
    with transaction.atomic():
        user = User(username=username, role=Role.SUBJECT, subject=subject, org=subject.responsible_org,
                    display_name=subject.name)
        user.set_password(password)
        user.save()
        audit.record(actor, Action.CREATE, user, subject=subject, summary=f"开通手机端账号 {username}")
    return user


def record_login(user, *, ip: str | None) -> None:
    """Remember the previous login for the “上次登录” display, and audit the login."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.previous_login_at = locked.last_login
        locked.previous_login_ip = locked.last_login_ip
        locked.last_login = timezone.now()
        locked.last_login_ip = ip
        locked.save(update_fields=["previous_login_at", "previous_login_ip", "last_login", "last_login_ip"])
        audit.record(user, Action.LOGIN, locked, org_path=user.org.path if user.org_id else "",
                     summary="登录成功")
    user.previous_login_at = locked.previous_login_at
    user.previous_login_ip = locked.previous_login_ip
    user.last_login = locked.last_login
    user.last_login_ip = locked.last_login_ip


def record_login_failure(username: str, *, reason: str) -> None:
    audit.record(None, Action.LOGIN_FAILED, None, summary=f"登录失败：{username[:40]}（{reason}）",
                 data={"username": username[:150]})


def record_logout(user) -> None:
    audit.record(user, Action.LOGOUT, user, summary="退出登录")


def issue_token(*, actor, name: str, kind: str, org, user=None, device_id: str = "",
                days_valid: int | None = 365) -> tuple[ApiToken, str]:
    """Create a token; returns (row, plaintext).  The plaintext is shown once and never stored."""
    if kind == ApiToken.Kind.USER and user is None:
        raise ServiceError("用户令牌必须指定用户。")
    if kind == ApiToken.Kind.DEVICE and not device_id:
        raise ServiceError("设备令牌必须指定设备编号。")
    if actor is not None and not getattr(actor, "is_superuser", False):
        if kind == ApiToken.Kind.USER and user != actor and actor.role != Role.CITY_ADMIN:
            raise NotAllowed("只能为自己创建接口令牌。")
        if actor.org_id and not actor.org.contains(org):
            raise NotAllowed("不能为管辖范围以外的机构创建令牌。")
    key = "yj_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            kind=kind, name=name, user=user, org=org, device_id=device_id, key_hash=ApiToken.hash_key(key),
            prefix=key[:8], expires_at=timezone.now() + timedelta(days=days_valid) if days_valid else None,
        )
        audit.record(actor, Action.CREATE, token, org_path=org.path, summary=f"签发接口令牌 {name}（{token.prefix}…）")
    return token, key


def revoke_token(token: ApiToken, *, actor) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, Action.UPDATE, token, org_path=token.org.path, summary=f"吊销接口令牌 {token.prefix}…")


def token_for_key(key: str) -> ApiToken | None:
    if not key:
        return None
    token = ApiToken.objects.select_related("user", "org").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at and token.expires_at < timezone.now():
        return None
    return token
