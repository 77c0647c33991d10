"""Thin views for 考核奖惩: suggestions with their grounds, records, monthly scores."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from yunjiao.core.errors import ServiceError
from yunjiao.core.views import LoginRequiredView, ScopedObjectMixin
from yunjiao.discipline import services
from yunjiao.discipline.models import DisciplineKind, DisciplineRecord, MonthlyScore, Proposal
from yunjiao.subjects.models import Subject

WRITERS = {"township_officer", "county_officer", "county_head", "city_officer", "city_admin"}


def _errors(request, exc):
    for reason in exc.field_errors.get("reasons") or [exc.message]:
        messages.error(request, reason)


class DisciplineView(LoginRequiredView, TemplateView):
    template_name = "discipline/index.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            proposals=Proposal.objects.visible_to(user).filter(state=Proposal.State.SUGGESTED).select_related("subject"),
            records=DisciplineRecord.objects.visible_to(user).select_related("subject", "case")[:100],
            scores=MonthlyScore.objects.visible_to(user).select_related("subject")[:100],
            subjects=Subject.objects.visible_to(user).active().order_by("name")[:500],
            kinds=DisciplineKind.choices, today=timezone.localdate())
        return ctx


class RecordCreateView(LoginRequiredView):
    roles = WRITERS
    http_method_names = ["post"]

    def post(self, request):
        subject = Subject.objects.visible_to(request.user).filter(pk=request.POST.get("subject") or 0).first()
        try:
            if subject is None:
                raise ServiceError("请选择社区矫正对象")
            record = services.open_record(
                subject, actor=request.user, kind=request.POST.get("kind", ""),
                occurred_on=date.fromisoformat(request.POST.get("occurred_on") or str(timezone.localdate())),
                facts=request.POST.get("facts", ""), interview_record=request.POST.get("interview_record", ""),
                evidence=request.FILES.get("evidence"))
        except ValueError:
            messages.error(request, "请填写有效的发生日期")
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, "已立案")
            return redirect("workflows:case", pk=record.case_id)
        return redirect("discipline:list")


class ProposalDecisionView(LoginRequiredView, ScopedObjectMixin):
    roles = WRITERS
    model = Proposal
    http_method_names = ["post"]

    def post(self, request, pk):
        proposal = self.get_scoped_object(pk)
        try:
            if request.POST.get("decision") == "accept":
                case = services.accept_proposal(proposal, actor=request.user, note=request.POST.get("note", ""),
                                                authority=request.POST.get("authority", ""),
                                                with_arrest=bool(request.POST.get("with_arrest")))
                messages.success(request, "已采纳建议并立案")
                return redirect("workflows:case", pk=case.pk)
            services.dismiss_proposal(proposal, actor=request.user, note=request.POST.get("note", ""))
            messages.success(request, "已不予采纳")
        except ServiceError as exc:
            _errors(request, exc)
        return redirect("discipline:list")


class ScoreView(LoginRequiredView):
    roles = WRITERS
    http_method_names = ["post"]

    def post(self, request):
        try:
            if request.POST.get("score"):
                row = MonthlyScore.objects.visible_to(request.user).filter(pk=request.POST["score"]).first()
                if row is None:
                    raise ServiceError("未找到该考核记录")
                services.adjust_score(row, actor=request.user, points=float(request.POST.get("points") or 0),
                                      reason=request.POST.get("reason", ""))
            else:
                subject = Subject.objects.visible_to(request.user).filter(pk=request.POST.get("subject") or 0).first()
                if subject is None:
                    raise ServiceError("请选择社区矫正对象")
                month = date.fromisoformat((request.POST.get("month") or "") + "-01")
                services.compute_monthly_score(subject, month, actor=request.user)
        except ValueError:
            messages.error(request, "请填写有效的月份或分值")
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, "考核计分已保存")
        return redirect("discipline:list")


def proposals_widget(request):
    """Workbench card: sanction suggestions waiting for an officer's decision."""
    from django.urls import reverse

    n = Proposal.objects.visible_to(request.user).filter(state=Proposal.State.SUGGESTED).count()
    return {"label": "待决定的处罚建议", "value": n, "url": reverse("discipline:list")} if n else None
