"""The left menu: apps register what exists; the template shows what the user may open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    icon: str = "•"
    order: int = 100
    group: str = ""
    roles: frozenset | None = None  # None: every officer role
    portal: bool = False  # True: shown on the subject's phone pages instead
    kwargs: dict = field(default_factory=dict)
    badge: Callable | None = None  # badge(user) -> int | None, e.g. a count of pending items

    def allowed(self, user) -> bool:
        if getattr(user, "is_superuser", False):
            return not self.portal
        if user.role == "subject":
            return self.portal
        if self.portal:
            return False
        return self.roles is None or user.role in self.roles


_ITEMS: list[MenuItem] = []


def register(item: MenuItem) -> None:
    if any(existing.url_name == item.url_name for existing in _ITEMS):
        return
    _ITEMS.append(item)


def items_for(user, current_path: str = "") -> list[dict]:
    out = []
    for item in sorted(_ITEMS, key=lambda i: (i.order, i.label)):
        if not item.allowed(user):
            continue
        try:
            url = reverse(item.url_name, kwargs=item.kwargs or None)
        except NoReverseMatch:
            continue
        out.append({"label": item.label, "url": url, "icon": item.icon, "group": item.group,
                    "badge": item.badge(user) if item.badge else None,
                    "active": current_path.startswith(url) and url != "/" or current_path == url})
    return out
