"""Base views.  Every URL of the project resolves to a subclass of `YunjiaoView`.

- `PublicView`: pages without login (login page, public certificate check).
- `LoginRequiredView`: any signed-in user; `roles` narrows it; subject portal accounts are sent to the
  phone pages unless `portal = True`.
- `ScopedObjectMixin` / `ScopedListView` / `ScopedDetailView`: the queryset is always
  `model.objects.visible_to(request.user)`; objects outside the user's branch answer 404.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView


class YunjiaoView(View):
    """Marker base: the URL meta-test accepts only views derived from this class."""


class PublicView(YunjiaoView):
    pass


class LoginRequiredView(YunjiaoView):
    roles: set | frozenset | None = None  # None: any officer role
    portal: bool = False  # True: a page for the supervised person's own account
    any_audience: bool = False  # True: officers and subjects alike (e.g. opening a message)

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if self.any_audience:
            pass
        elif self.portal:
            if user.role != "subject":
                raise PermissionDenied("此页面仅供社区矫正对象使用。")
        else:
            if user.role == "subject":
                return redirect("portal:home")
            if self.roles is not None and not user.is_superuser and user.role not in self.roles:
                raise PermissionDenied("您的角色无权访问此页面。")
        return super().dispatch(request, *args, **kwargs)


class ScopedObjectMixin:
    model = None

    def get_queryset(self):
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a model")
        return self.scoped_queryset()

    def scoped_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_scoped_object(self, pk):
        try:
            return self.scoped_queryset().get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404("未找到该记录，或不在您的管辖范围内。")


class ScopedTemplateView(LoginRequiredView, TemplateView):
    pass


class ScopedListView(LoginRequiredView, ScopedObjectMixin, ListView):
    paginate_by = 20


class ScopedDetailView(LoginRequiredView, ScopedObjectMixin, DetailView):
    def get_object(self, queryset=None):
        return self.get_scoped_object(self.kwargs.get(self.pk_url_kwarg))
