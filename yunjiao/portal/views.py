"""The supervised person's phone pages (H5).  Every page shows only the account's own subject."""

from django.views.generic import TemplateView

from yunjiao.core.views import LoginRequiredView, ScopedObjectMixin
from yunjiao.subjects.models import Subject


class PortalView(LoginRequiredView):
    portal = True


class PortalHomeView(PortalView, ScopedObjectMixin, TemplateView):
    model = Subject
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["subject"] = self.get_scoped_object(self.request.user.subject_id)
        from yunjiao.core.menu import _ITEMS

        ctx["tasks"] = []
        ctx["portal_links"] = [i for i in sorted(_ITEMS, key=lambda i: i.order) if i.portal]
        return ctx
