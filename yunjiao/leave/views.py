"""Thin views: parse input, call services, render.  Steps of a case are done on the case page
(workflows:case); these pages create the records and show them.  Every lookup goes through
visible_to() — out-of-scope rows answer 404."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from yunjiao.core.errors import ServiceError
from yunjiao.core.views import LoginRequiredView, ScopedDetailView, ScopedListView, ScopedObjectMixin
from yunjiao.leave import rules, services
from yunjiao.leave.models import (
    BusinessTravelPermit,
    EnterpriseLink,
    EnterpriseRole,
    Leave,
    LeaveAttachment,
    ReasonKind,
    Transfer,
    Trip,
)
from yunjiao.subjects.models import Subject

WRITERS = {"township_officer", "county_officer", "county_head", "city_officer", "city_admin"}
COUNTY = {"county_officer", "county_head"}


def _date(raw, label):
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        raise ServiceError(f"请填写有效的{label}（年-月-日）")


def _codes(raw: str) -> list[str]:
    return [c for c in (raw or "").replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if c]


def _errors(request, exc: ServiceError):
    for reason in exc.field_errors.get("reasons") or [exc.message]:
        messages.error(request, reason)


def _leave_form_data(request):
    return dict(
        idempotency_key=request.POST.get("idempotency_key", ""),
        destination_codes=_codes(request.POST.get("destination_codes", "")),
        destination_names=request.POST.get("destination_names", ""),
        destination_detail=request.POST.get("destination_detail", ""),
        start=_date(request.POST.get("start_date"), "外出开始日期"),
        end=_date(request.POST.get("end_date"), "外出结束日期"),
        reason_kind=request.POST.get("reason_kind") or ReasonKind.OTHER,
        reason=request.POST.get("reason", ""),
        urgent=bool(request.POST.get("urgent")),
        attachments=[(f.name, f) for f in request.FILES.getlist("proof")],
    )


# ------------------------------------------------------------------ officer pages
class LeaveListView(ScopedListView):
    model = Leave
    template_name = "leave/leave_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("subject", "case")


class LeaveDetailView(ScopedDetailView):
    model = Leave
    template_name = "leave/leave_detail.html"
    context_object_name = "leave"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["windows"] = services.active_windows(self.object.subject)
        ctx["attachments"] = LeaveAttachment.objects.visible_to(self.request.user).filter(leave=self.object)
        return ctx


class LeaveCreateView(LoginRequiredView, TemplateView):
    roles = WRITERS
    template_name = "leave/leave_form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(subjects=Subject.objects.visible_to(self.request.user).active().order_by("name")[:500],
                   reasons=ReasonKind.choices, key=uuid.uuid4().hex, values=self.request.POST)
        return ctx

    def post(self, request):
        subject = Subject.objects.visible_to(request.user).filter(pk=request.POST.get("subject") or 0).first()
        if subject is None:
            messages.error(request, "请选择社区矫正对象")
            return self.render_to_response(self.get_context_data())
        try:
            leave = services.apply_leave(subject, actor=request.user, **_leave_form_data(request))
        except ServiceError as exc:
            _errors(request, exc)
            return self.render_to_response(self.get_context_data())
        messages.success(request, "外出申请已登记")
        return redirect("workflows:case", pk=leave.case_id)


class AttachmentView(LoginRequiredView, ScopedObjectMixin):
    model = LeaveAttachment
    portal = False

    def get(self, request, pk):
        att = self.get_scoped_object(pk)
        return FileResponse(att.file.open("rb"), as_attachment=False, filename=att.file.name.rsplit("/", 1)[-1])


class PortalAttachmentView(AttachmentView):
    portal = True


# ------------------------------------------------------------------ business travel
class TravelView(LoginRequiredView, TemplateView):
    """Enterprise links, permits and trips of the subjects in scope, with the forms to add them."""

    template_name = "leave/travel.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(links=EnterpriseLink.objects.visible_to(user).select_related("subject")[:200],
                   permits=BusinessTravelPermit.objects.visible_to(user).select_related("subject", "case", "link")[:200],
                   trips=Trip.objects.visible_to(user).select_related("subject")[:200],
                   subjects=Subject.objects.visible_to(user).active().order_by("name")[:500],
                   roles=EnterpriseRole.choices, key=uuid.uuid4().hex, rules=services.leave_rules())
        return ctx

    def post(self, request):
        user, action = request.user, request.POST.get("action")
        try:
            if action == "link":
                subject = Subject.objects.visible_to(user).get(pk=request.POST.get("subject") or 0)
                services.add_enterprise_link(subject, actor=user, company=request.POST.get("company", ""),
                                             credit_code=request.POST.get("credit_code", ""),
                                             role=request.POST.get("role", ""), proof=request.FILES.get("proof"))
            elif action == "verify":
                link = EnterpriseLink.objects.visible_to(user).get(pk=request.POST.get("link") or 0)
                services.verify_enterprise_link(link, actor=user)
            elif action == "permit":
                link = EnterpriseLink.objects.visible_to(user).get(pk=request.POST.get("link") or 0)
                permit = services.apply_permit(
                    link.subject, actor=user, link=link, valid_from=_date(request.POST.get("valid_from"), "有效期起"),
                    destination_codes=_codes(request.POST.get("destination_codes", "")),
                    destination_names=request.POST.get("destination_names", ""),
                    max_days_per_trip=int(request.POST.get("max_days") or 0) or None)
                return redirect("workflows:case", pk=permit.case_id)
            elif action == "trip":
                permit = BusinessTravelPermit.objects.visible_to(user).get(pk=request.POST.get("permit") or 0)
                services.register_trip(permit, actor=user, idempotency_key=request.POST.get("idempotency_key", ""),
                                       start=_date(request.POST.get("start_date"), "出发日期"),
                                       end=_date(request.POST.get("end_date"), "返回日期"),
                                       destination_codes=_codes(request.POST.get("destination_codes", "")),
                                       purpose=request.POST.get("purpose", ""), urgent=bool(request.POST.get("urgent")))
            elif action in ("confirm", "return", "cancel"):
                trip = Trip.objects.visible_to(user).get(pk=request.POST.get("trip") or 0)
                if action == "confirm":
                    services.confirm_trip(trip, actor=user)
                else:
                    services.close_trip(trip, actor=user, cancelled=action == "cancel")
            else:
                raise Http404("未知操作")
        except (Subject.DoesNotExist, EnterpriseLink.DoesNotExist, BusinessTravelPermit.DoesNotExist,
                Trip.DoesNotExist):
            raise Http404("未找到该记录，或不在您的管辖范围内。")
        except (ServiceError, ValueError) as exc:
            _errors(request, exc if isinstance(exc, ServiceError) else ServiceError("每次最长日数须为整数"))
        else:
            messages.success(request, "已办理")
        return redirect("leave:travel")


# ------------------------------------------------------------------ transfer
class TransferListView(ScopedListView):
    model = Transfer
    template_name = "leave/transfer_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("subject", "case")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["incoming"] = services.incoming_consultations(self.request.user).select_related("subject", "from_county")
        from yunjiao.orgs.models import Org, OrgLevel

        if self.request.user.org is not None:
            ctx["townships"] = Org.objects.visible_to(self.request.user).filter(level=OrgLevel.TOWNSHIP)
        return ctx


class TransferCreateView(LoginRequiredView, TemplateView):
    roles = WRITERS
    template_name = "leave/transfer_form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["subjects"] = Subject.objects.visible_to(self.request.user).active().order_by("name")[:500]
        ctx["values"] = self.request.POST
        return ctx

    def post(self, request):
        subject = Subject.objects.visible_to(request.user).filter(pk=request.POST.get("subject") or 0).first()
        if subject is None:
            messages.error(request, "请选择社区矫正对象")
            return self.render_to_response(self.get_context_data())
        try:
            t = services.apply_transfer(subject, actor=request.user,
                                        to_county_code=request.POST.get("to_county_code", "").strip(),
                                        to_county_name=request.POST.get("to_county_name", ""),
                                        new_address=request.POST.get("new_address", ""),
                                        reason=request.POST.get("reason", ""), proof=request.FILES.get("proof"))
        except ServiceError as exc:
            _errors(request, exc)
            return self.render_to_response(self.get_context_data())
        messages.success(request, "执行地变更申请已登记")
        return redirect("workflows:case", pk=t.case_id)


class ConsultationReplyView(LoginRequiredView):
    """The receiving county answers a consultation (it cannot see the subject yet: 404 otherwise)."""

    roles = COUNTY
    http_method_names = ["post"]

    def post(self, request, pk):
        from yunjiao.orgs.models import Org

        transfer = services.incoming_consultations(request.user).filter(pk=pk).first()
        if transfer is None:
            raise Http404("未找到该征求意见函")
        township = Org.objects.visible_to(request.user).filter(pk=request.POST.get("township") or 0).first()
        try:
            services.reply_consultation(transfer, actor=request.user, reply=request.POST.get("reply", ""),
                                        township=township, note=request.POST.get("note", ""))
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, "已回复征求意见")
        return redirect("leave:transfers")


# ------------------------------------------------------------------ the subject's phone pages
class PortalLeaveListView(LoginRequiredView, TemplateView):
    portal = True
    template_name = "leave/portal_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["leaves"] = Leave.objects.visible_to(self.request.user).select_related("case")
        return ctx


class PortalLeaveCreateView(LoginRequiredView, TemplateView):
    portal = True
    template_name = "leave/portal_form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r = services.leave_rules()
        ctx.update(reasons=ReasonKind.choices, key=self.request.POST.get("idempotency_key") or uuid.uuid4().hex,
                   values=self.request.POST, rules=r, articles=rules.ARTICLES)
        return ctx

    def post(self, request):
        subject = Subject.objects.visible_to(request.user).get(pk=request.user.subject_id)
        try:
            leave = services.apply_leave(subject, actor=request.user, **_leave_form_data(request))
        except ServiceError as exc:
            _errors(request, exc)
            return self.render_to_response(self.get_context_data())
        messages.success(request, "外出申请已提交，请等待审批")
        return redirect("leave:portal_detail", pk=leave.pk)


class PortalLeaveDetailView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    portal = True
    model = Leave
    template_name = "leave/portal_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        leave = self.get_scoped_object(kwargs["pk"])
        ctx["leave"] = leave
        ctx["steps"] = [t for t in leave.case.workflow.outgoing(leave.case.state)
                        if t.name in services.SUBJECT_STEPS] if leave.case else []
        ctx["records"] = leave.case.records.all() if leave.case else []
        return ctx

    def post(self, request, pk):
        leave = self.get_scoped_object(pk)
        step = request.POST.get("step", "")
        data = {"new_end": request.POST.get("new_end")} if step == "request_extension" else None
        try:
            for f in request.FILES.getlist("proof"):
                services.add_attachment(leave, actor=request.user, label=f.name, file=f)
            if step:
                services.subject_step(leave, step, actor=request.user, data=data, note=request.POST.get("note", ""))
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, "已提交")
        return redirect("leave:portal_detail", pk=leave.pk)


class SubjectTabView(ScopedDetailView):
    """The subject page's 外出/奖惩 tab: leaves, trips, transfers, reward/sanction records, suggestions."""

    model = Subject
    template_name = "leave/subject_tab.html"
    context_object_name = "subject"

    def get_context_data(self, **kwargs):
        from yunjiao.discipline.models import DisciplineRecord, MonthlyScore, Proposal

        ctx = super().get_context_data(**kwargs)
        user, s = self.request.user, self.object
        ctx.update(
            leaves=Leave.objects.visible_to(user).filter(subject=s).select_related("case"),
            trips=Trip.objects.visible_to(user).filter(subject=s),
            transfers=Transfer.objects.visible_to(user).filter(subject=s).select_related("case"),
            records=DisciplineRecord.objects.visible_to(user).filter(subject=s).select_related("case"),
            proposals=Proposal.objects.visible_to(user).filter(subject=s, state=Proposal.State.SUGGESTED),
            scores=MonthlyScore.objects.visible_to(user).filter(subject=s)[:12],
            windows=services.active_windows(s))
        return ctx


def out_now_widget(request):
    """Workbench card: subjects in scope who are away on an approved leave or overdue."""
    qs = Leave.objects.visible_to(request.user).filter(approved_start__isnull=False, returned_at__isnull=True,
                                                        case__state__in=["approved", "overdue", "ordered_to_return"])
    from django.urls import reverse

    return {"label": "外出中/逾期未归", "value": qs.count(), "url": reverse("leave:list")}
