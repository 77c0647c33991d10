"""工作台: counts for the user's scope (every number starts from a scoped queryset)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from yunjiao.core.views import ScopedTemplateView
from yunjiao.orgs.models import Org, OrgLevel
from yunjiao.subjects.choices import Status
from yunjiao.subjects.models import Subject

WIDGETS: list = []  # callables (request) -> dict(label, value, url) added by other apps


def register_widget(fn):
    WIDGETS.append(fn)
    return fn


def scope_counts(user) -> dict:
    qs = Subject.objects.visible_to(user)
    soon = timezone.localdate() + timedelta(days=30)
    agg = qs.aggregate(
        total=Count("id"),
        active=Count("id", filter=~Q(status__in=[Status.DISCHARGED, Status.TERMINATED])),
        in_correction=Count("id", filter=Q(status=Status.IN_CORRECTION)),
        pending=Count("id", filter=Q(status=Status.PENDING_INTAKE)),
        on_leave=Count("id", filter=Q(status=Status.ON_LEAVE)),
        lost=Count("id", filter=Q(status=Status.LOST_CONTACT)),
        key=Count("id", filter=Q(is_key_subject=True) & ~Q(status__in=[Status.DISCHARGED, Status.TERMINATED])),
        ending_soon=Count("id", filter=Q(status=Status.IN_CORRECTION, period_end__lte=soon)),
    )
    return agg


def child_breakdown(user) -> list[dict]:
    """Per county (city users) or per township (county users): active subjects."""
    if user.is_superuser or not user.org_id:
        return []
    org = user.org
    if org.level == OrgLevel.TOWNSHIP:
        return []
    children = Org.objects.filter(parent=org).order_by("code")
    active = Subject.objects.visible_to(user).active()
    rows = []
    for child in children:
        n = active.in_org(child).count()
        rows.append({"org": child, "active": n})
    return rows


class WorkbenchView(ScopedTemplateView):
    template_name = "core/workbench.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["counts"] = scope_counts(user)
        ctx["breakdown"] = child_breakdown(user)
        ctx["widgets"] = [w for fn in WIDGETS if (w := fn(self.request))]
        return ctx
