"""Who may see location data (trajectories, latest positions) — 社区矫正法 art.29 para 3 / art.54: strictly
confidential, only for corrections work; domain.md §6.1: precise location to the responsible 司法所 and county.

- township and county officers of the subject's branch, the county head, the city administrator;
- a police liaison only for subjects of their active dispatch orders (派单, the only police link there is);
- never social workers, city staff other than the administrator, or portal accounts.

Everything that discloses fixes filters subjects with ``subjects_for(user)``; every disclosure is audited by
the caller (views) with action READ.
"""

from __future__ import annotations

from django.db.models import Q

from yunjiao.core.actors import SYSTEM

BRANCH_ROLES = frozenset({"township_officer", "county_officer", "county_head", "city_admin"})
POLICE = "police_liaison"
LOCATION_ROLES = BRANCH_ROLES | {POLICE}
# dispatch states in which the police are working on the order (not drafts, not finished/returned)
ACTIVE_DISPATCH = ("submitted", "accepted", "dispatched", "on_site")


def subjects_for(user):
    """Subjects whose location data `user` may see (a queryset, possibly empty)."""
    from yunjiao.subjects.models import Subject

    if user is SYSTEM or getattr(user, "is_superuser", False):
        return Subject.objects.all()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Subject.objects.none()
    role = getattr(user, "role", "")
    if role in BRANCH_ROLES:
        return Subject.objects.visible_to(user)
    if role == POLICE:
        from yunjiao.dispatch.models import DispatchOrder
        from yunjiao.dispatch.services import liaison_q

        orders = DispatchOrder.objects.filter(liaison_q(user) & Q(state__in=ACTIVE_DISPATCH))
        return Subject.objects.filter(pk__in=orders.values("subject_id"))
    return Subject.objects.none()


def can_see_locations(user, subject) -> bool:
    return subjects_for(user).filter(pk=subject.pk).exists()
