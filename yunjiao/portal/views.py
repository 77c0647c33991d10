"""The supervised person's phone pages (H5).  Every page shows only the account's own subject; the phone
binding is enforced by PortalDeviceMiddleware.  Officers get one small page: the binding of a subject's
account with the reset action."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from yunjiao.checkins import tasks_services
from yunjiao.checkins.face.config import get_config
from yunjiao.checkins.models import Checkin
from yunjiao.core.errors import ServiceError
from yunjiao.core.menu import items_for
from yunjiao.core.views import LoginRequiredView, ScopedObjectMixin
from yunjiao.portal import services
from yunjiao.portal.models import PortalDevice
from yunjiao.subjects.models import Subject

WRITERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer"})


class PortalView(LoginRequiredView):
    portal = True

    def own_subject(self) -> Subject:
        s = Subject.objects.visible_to(self.request.user).filter(pk=self.request.user.subject_id).first()
        if s is None:
            raise Http404("未找到您的档案。")
        return s


def todays_tasks(subject, now=None) -> list[dict]:
    """Open check tasks of the subject (deadline, countdown); windows not yet open are never shown."""
    return [{"label": task.get_kind_display(), "deadline": task.deadline, "reason": task.reason,
             "url": reverse("portal:checkin")} for task in tasks_services.open_tasks_for(subject, at=now)]


class PortalHomeView(PortalView, ScopedObjectMixin, TemplateView):
    """今日任务: open check tasks with deadline and countdown, the check-in button, the menu links."""

    model = Subject
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        subject = self.get_scoped_object(self.request.user.subject_id)
        ctx["subject"] = subject
        ctx["tasks"] = todays_tasks(subject)
        ctx["attempts"] = services.attempts(subject)
        ctx["last_checkin"] = Checkin.objects.visible_to(self.request.user).order_by("-submitted_at").first()
        ctx["portal_links"] = [i for i in items_for(self.request.user, self.request.path)
                               if i["url"] != reverse("portal:checkin")]
        ctx["inbox_url"] = reverse("notifications:portal_inbox")
        return ctx


class CheckinPageView(PortalView, TemplateView):
    """The check-in flow: camera, prompt, burst, location, upload (logic in checkins/static/checkin.js)."""

    template_name = "portal/checkin.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        subject = self.own_subject()
        cfg = get_config()
        ctx.update(subject=subject, attempts=services.attempts(subject), tasks=todays_tasks(subject),
                   burst_frames=max(cfg.burst_min_frames, min(15, cfg.burst_max_frames)),
                   enrolled=subject.face_enrolments.filter(is_active=True).exists())
        return ctx


class HistoryView(PortalView, ScopedObjectMixin, ListView):
    """核查记录: own check-ins (time, outcome, reasons)."""

    model = Checkin
    template_name = "portal/history.html"
    paginate_by = 20

    def get_queryset(self):
        return (Checkin.objects.visible_to(self.request.user).select_related("challenge")
                .order_by("-submitted_at"))


# --- officers ------------------------------------------------------------------------------------------

class DeviceTabView(LoginRequiredView, ScopedObjectMixin, DetailView):
    """Subject record tab 手机绑定: the portal account's bound phone, its history, the reset action."""

    model = Subject
    template_name = "portal/device_tab.html"

    def get_object(self, queryset=None):
        return self.get_scoped_object(self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        account = getattr(self.object, "portal_account", None)
        devices = (PortalDevice.objects.visible_to(self.request.user).filter(user=account)
                   .select_related("released_by") if account else PortalDevice.objects.none())
        ctx.update(account=account, devices=devices, active=next((d for d in devices if d.is_active), None),
                   can_reset=self.request.user.is_superuser or self.request.user.role in WRITERS,
                   now=timezone.now())
        return ctx


class DeviceResetView(LoginRequiredView, ScopedObjectMixin):
    """POST: release the phone binding (reason required); the next login binds the new phone."""

    model = Subject
    roles = WRITERS
    http_method_names = ["post"]

    def post(self, request, pk):
        subject = self.get_scoped_object(pk)
        account = getattr(subject, "portal_account", None)
        if account is None:
            messages.error(request, "该矫正对象尚未开通手机端账号。")
            return redirect("portal:device_tab", pk=subject.pk)
        try:
            device = services.reset_device(account, actor=request.user, reason=request.POST.get("reason", ""))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已解除手机绑定，对象下次登录的手机将自动绑定。" if device
                             else "该账号当前没有绑定手机。")
        return redirect("portal:device_tab", pk=subject.pk)
