"""Base viewsets: the queryset is always `Model.objects.visible_to(request.user)`.

Writes go through services: subclasses implement `perform_create` / `perform_update` by calling the
app's service with `actor=request.user`; `ServiceError`s become JSON errors with a stable code.
"""

from __future__ import annotations

from rest_framework import mixins, permissions, viewsets


class IsOfficer(permissions.BasePermission):
    message = "此接口仅供工作人员使用。"

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or user.role != "subject"))


class ScopedViewSetMixin:
    model = None

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        return self.optimize(qs)

    def optimize(self, qs):
        return qs


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                    mixins.UpdateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """CRUD without delete: records of legal proceedings are closed by workflows, never deleted."""


class ScopedAPIView(ScopedViewSetMixin, viewsets.ViewSet):
    pass
