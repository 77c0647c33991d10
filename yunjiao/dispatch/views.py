"""派单用警 pages (thin: every write goes through dispatch.services)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone

from yunjiao.accounts.models import User
from yunjiao.core.errors import ServiceError
from yunjiao.core.views import ScopedDetailView, ScopedListView, ScopedTemplateView
from yunjiao.dispatch import rules, services
from yunjiao.dispatch.models import DispatchOrder
from yunjiao.subjects.models import Subject
from yunjiao.workflows.models import Case

ALL = services.REQUESTER_ROLES | {"police_liaison"}


class OrderListView(ScopedListView):
    model = DispatchOrder
    template_name = "dispatch/list.html"
    roles = ALL

    def get_queryset(self):
        qs = super().get_queryset().select_related("subject", "requesting_org")
        state = self.request.GET.get("state", "")
        return qs.filter(state=state) if state in rules.STATES else qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["states"] = rules.STATES
        ctx["now"] = timezone.now()
        return ctx


class OrderNewView(ScopedTemplateView):
    template_name = "dispatch/new.html"
    roles = services.REQUESTER_ROLES

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["subjects"] = Subject.objects.visible_to(user).active().order_by("name")[:500]
        ctx["types"], ctx["urgencies"], ctx["sla"] = rules.ORDER_TYPES, rules.URGENCIES, rules.SLA
        county = user.org.county() if user.org else None
        ctx["liaisons"] = User.objects.filter(role="police_liaison", org=county, is_active=True) if county else []
        ctx["selected"] = self.request.GET.get("subject", "")
        ctx["cases"] = Case.objects.visible_to(user).filter(is_closed=False, subject__isnull=False).select_related(
            "subject").order_by("-opened_at")[:200]
        return ctx

    def post(self, request, *args, **kwargs):
        p = request.POST
        subject = Subject.objects.filter(pk=p.get("subject") or 0).first() if (p.get("subject") or "").isdigit() else None
        if subject is None:
            messages.error(request, "请选择矫正对象。")
            return redirect("dispatch:new")
        try:
            when = timezone.make_aware(datetime.fromisoformat(p.get("requested_time", "")))
        except ValueError:
            when = None
        liaison = User.objects.filter(pk=p.get("assigned_liaison") or 0, role="police_liaison").first() \
            if (p.get("assigned_liaison") or "").isdigit() else None
        case = None
        if (p.get("case") or "").isdigit():
            case = Case.objects.visible_to(request.user).filter(pk=p["case"]).first()
        try:
            order = services.create_order(
                actor=request.user, subject=subject, order_type=p.get("order_type", ""), urgency=p.get("urgency", ""),
                place=p.get("place", ""), requested_time=when, officers_needed=int(p.get("officers_needed") or 0),
                description=p.get("description", ""), case=case, assigned_liaison=liaison)
            if p.get("submit_now") == "1":
                services.fire(order, "submit", actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect(f"{request.path}?subject={subject.pk}")
        messages.success(request, "派单已保存。" + ("已提交至警务联络室。" if p.get("submit_now") == "1" else ""))
        return redirect("dispatch:detail", pk=order.pk)


class OrderDetailView(ScopedDetailView):
    model = DispatchOrder
    template_name = "dispatch/detail.html"
    roles = ALL

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        o = self.object
        ctx["transitions"] = services.allowed_transitions(o, self.request.user)
        ctx["events"] = o.events.all()
        ctx["attachments"] = o.attachments.all()
        ctx["now"] = timezone.now()
        ctx["can_attach"] = services.side_of(self.request.user, o) is not None
        return ctx

    def post(self, request, *args, **kwargs):
        o = self.get_object()
        p = request.POST
        try:
            if p.get("action") == "attach":
                if "file" not in request.FILES:
                    raise ServiceError("请选择要上传的文件。")
                services.attach(o, actor=request.user, upload=request.FILES["file"])
            else:
                code = p.get("action", "")
                if code not in rules.TRANSITIONS:
                    raise Http404
                services.fire(o, code, actor=request.user, expected_version=int(p["version"]) if p.get(
                    "version", "").isdigit() else None, data={k: p.get(k, "") for k in (
                        "reason", "officers", "result", "score", "comment")})
                if "file" in request.FILES:
                    services.attach(o, actor=request.user, upload=request.FILES["file"])
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已办理。")
        return redirect("dispatch:detail", pk=o.pk)


class DashboardView(ScopedTemplateView):
    template_name = "dispatch/dashboard.html"
    roles = ALL

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["rows"] = services.dashboard(self.request.user)
        ctx["sla"] = rules.SLA
        ctx["urgencies"] = rules.URGENCIES
        return ctx
