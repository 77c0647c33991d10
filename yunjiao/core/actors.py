"""Who acts.  Services take an explicit `actor`: a User, or SYSTEM for jobs."""

from __future__ import annotations


class SystemActor:
    """The actor of scheduled jobs and automatic steps.  Sees everything, writes as “系统”."""

    pk = None
    id = None
    username = "system"
    display_name = "系统"
    role = "system"
    org = None
    org_id = None
    subject_id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    is_subject_account = False
    is_officer = False
    can_write_subjects = True

    def __str__(self) -> str:
        return "系统"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def actor_label(actor) -> str:
    if actor is None:
        return "匿名"
    if actor is SYSTEM:
        return "系统"
    name = getattr(actor, "display_name", "") or getattr(actor, "username", "")
    return f"{name}({actor.username})" if name != getattr(actor, "username", "") else name


def actor_user_id(actor) -> int | None:
    if actor is None or actor is SYSTEM:
        return None
    return getattr(actor, "pk", None)
