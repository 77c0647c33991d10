"""Org scoping in one place.

Every model that holds data of a branch uses `ScopedQuerySet` and names the path field it is
scoped by.  `Model.objects.visible_to(user)` is the only way views, the API and reports read.

- City users see the whole city, county users their county, township users their township:
  a prefix match on the materialised path (`370800.370811.370811002`).
- A subject's portal account sees only rows of its own subject.
- A police liaison sees only what other apps grant explicitly (dispatch orders assigned to them).
- `SYSTEM` (jobs) sees everything.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, models
from django.db.models import Q

from yunjiao.core.actors import SYSTEM

# Extra grants: callables (user, model) -> Q | None, registered by apps (e.g. dispatch for police).
_GRANTS: list[Callable] = []


def register_grant(fn: Callable) -> Callable:
    _GRANTS.append(fn)
    return fn


def scope_path(user) -> str | None:
    """'' for everything, None for nothing (by org), else the org path prefix of the user's branch."""
    if user is SYSTEM:
        return ""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    if user.role in ("subject", "police_liaison"):
        return None
    if user.org_id is None:
        return None
    return user.org.path


def path_q(field: str, prefix: str) -> Q:
    """Rows whose `field` is `prefix` or below it in the tree.

    SQLite cannot use an index for LIKE (Django adds ESCAPE, columns are case-sensitive), so there the
    subtree is the byte range [prefix + ".", prefix + "/") — paths hold only digits and dots, and "/" follows
    "." — which the index serves.  PostgreSQL keeps LIKE: a range would depend on the database collation,
    and LIKE 'prefix.%' is served by a varchar_pattern_ops index where one exists.
    """
    if connection.vendor == "sqlite":
        return Q(**{field: prefix}) | Q(**{f"{field}__gte": prefix + ".", f"{field}__lt": prefix + "/"})
    return Q(**{field: prefix}) | Q(**{f"{field}__startswith": prefix + "."})


class ScopedQuerySet(models.QuerySet):
    #: path field the rows are scoped by (may cross a FK, e.g. "subject__org_path")
    scope_field: str = "org_path"
    #: field holding the subject id, for portal accounts (None: portal accounts see nothing)
    subject_field: str | None = None
    #: optional path of the org that wrote the row: that org keeps read access after a transfer
    author_field: str | None = None

    def visible_to(self, user):
        if user is SYSTEM:
            return self
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if user.role == "subject":
            if self.subject_field is None or user.subject_id is None:
                return self.none()
            return self.filter(**{self.subject_field: user.subject_id})
        q = Q(pk__in=[])
        path = scope_path(user)
        if path is not None:
            q = path_q(self.scope_field, path)
            if self.author_field:
                q |= path_q(self.author_field, path)
        for grant in _GRANTS:
            extra = grant(user, self.model)
            if extra is not None:
                q |= extra
        return self.filter(q)

    def in_org(self, org):
        return self.filter(path_q(self.scope_field, org.path))


def can_see(user, obj) -> bool:
    return type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists()
