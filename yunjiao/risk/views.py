"""Risk pages (thin: every write is a service call)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from yunjiao.core.errors import ServiceError
from yunjiao.core.views import ScopedDetailView, ScopedListView, ScopedTemplateView
from yunjiao.orgs.models import Org
from yunjiao.risk import adapters, meetings, rules, services, warnings
from yunjiao.risk.apps import OFFICERS
from yunjiao.risk.models import (
    MeetingDecision,
    Proposal,
    RiskAssessment,
    RiskFactors,
    RiskMeeting,
    RuleSet,
    RuleSetVersion,
    Warning,
)
from yunjiao.subjects.models import Subject

EDITORS = frozenset({"city_admin", "city_officer", "county_head"})


def _date(value: str, default: date | None = None) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return default


# ------------------------------------------------------------------------------------------ warnings

class BoardView(ScopedTemplateView):
    template_name = "risk/board.html"
    roles = OFFICERS | {"police_liaison"}

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["risk/_board_rows.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["rows"] = warnings.board(self.request.user)
        ctx["now"] = timezone.now()
        ctx["levels"] = warnings.config()["levels"]
        ctx["level_labels"] = rules.WARNING_LEVEL_LABELS
        ctx["tiers"] = [rules.TIER_LABELS[t] for t in rules.TIERS]
        return ctx


class WarningNewView(ScopedTemplateView):
    template_name = "risk/warning_new.html"
    roles = warnings.RAISERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["subjects"] = Subject.objects.visible_to(self.request.user).active().order_by("name")[:500]
        ctx["kinds"] = rules.MANUAL_KINDS
        ctx["levels"] = warnings.config()["levels"]
        ctx["level_labels"] = rules.WARNING_LEVEL_LABELS
        ctx["selected"] = self.request.GET.get("subject", "")
        return ctx

    def post(self, request, *args, **kwargs):
        p = request.POST
        subject = None
        if p.get("subject"):
            subject = Subject.objects.filter(pk=p["subject"]).first() if p["subject"].isdigit() else None
            if subject is None:
                raise Http404("未找到该矫正对象。")
        try:
            w = warnings.raise_warning(level=p.get("level", ""), kind=p.get("kind", "other"), title=p.get("title", ""),
                                       description=p.get("description", ""), subject=subject, actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("risk:warning_new")
        messages.success(request, "预警已发布，并已按响应预案通知相关人员。")
        return redirect("risk:warning_detail", pk=w.pk)


class WarningDetailView(ScopedDetailView):
    model = Warning
    template_name = "risk/warning_detail.html"
    roles = OFFICERS | {"police_liaison"}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["events"] = self.object.events.all()
        ctx["now"] = timezone.now()
        ctx["plan"] = warnings.config()["levels"][self.object.level]
        return ctx

    def post(self, request, *args, **kwargs):
        w = self.get_object()
        action, text = request.POST.get("action"), request.POST.get("text", "")
        try:
            if action == "acknowledge":
                warnings.acknowledge(w, actor=request.user, note=text)
            elif action == "report":
                warnings.report_back(w, actor=request.user, text=text)
            elif action == "close":
                warnings.close(w, actor=request.user, closing_report=text)
            elif action == "escalate":
                warnings.escalate(w, actor=request.user, reason=text or "工作人员手动逐级上报")
            elif action == "upgrade":
                warnings.upgrade_level(w, level=request.POST.get("level", ""), reason=text or "工作人员提升预警级别",
                                       actor=request.user)
            else:
                raise ServiceError("未知的操作。")
        except (ServiceError, KeyError) as exc:
            messages.error(request, getattr(exc, "message", "操作无效。"))
        else:
            messages.success(request, "已保存。")
        return redirect("risk:warning_detail", pk=w.pk)


# ------------------------------------------------------------------------------------------ key subjects

class KeySubjectListView(ScopedListView):
    model = Subject
    template_name = "risk/key_subjects.html"
    roles = OFFICERS

    def get_queryset(self):
        qs = super().get_queryset().active().select_related("risk_assessment")
        if self.request.GET.get("all") != "1":
            qs = qs.filter(is_key_subject=True)
        return qs.order_by("-is_key_subject", "org_path", "name")


class SubjectRiskTabView(ScopedDetailView):
    """The subject's 风险管控 tab: assessment, risk factors, proposals, warnings, dispatch orders."""

    model = Subject
    template_name = "risk/subject_tab.html"
    roles = OFFICERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.object
        ctx["assessment"] = RiskAssessment.objects.filter(subject=s).first()
        ctx["factors"] = RiskFactors.objects.filter(subject=s).first()
        ctx["judgements"] = RiskFactors.Judgement.choices
        ctx["proposals"] = Proposal.objects.filter(subject=s)[:20]
        ctx["warnings"] = Warning.objects.visible_to(self.request.user).filter(subject=s)[:20]
        ctx["decisions"] = MeetingDecision.objects.visible_to(self.request.user).filter(subject=s).select_related(
            "meeting")
        ctx["sanctions_available"] = adapters.sanctions_available()
        return ctx

    def post(self, request, *args, **kwargs):
        s = self.get_object()
        p = request.POST
        try:
            if p.get("action") == "evaluate":
                services.evaluate_subject(s)
            else:
                services.set_risk_factors(s, actor=request.user, family_conflict=p.get("family_conflict") == "1",
                                          mental_health_flag=p.get("mental_health_flag") == "1",
                                          officer_judgement=p.get("officer_judgement", "none"), note=p.get("note", ""))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存，并已按认定标准重新评估。")
        return redirect("risk:subject_tab", pk=s.pk)


class ProposalListView(ScopedListView):
    model = Proposal
    template_name = "risk/proposals.html"
    roles = OFFICERS

    def get_queryset(self):
        state = self.request.GET.get("state", "pending")
        qs = super().get_queryset().select_related("subject", "decided_by")
        return qs.filter(state=state) if state in Proposal.State.values else qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["states"] = Proposal.State.choices
        ctx["current_state"] = self.request.GET.get("state", "pending")
        ctx["report"] = services.override_report(self.request.user)
        return ctx

    def post(self, request, *args, **kwargs):
        pk = request.POST.get("proposal", "")
        proposal = self.get_scoped_object(pk)
        try:
            services.decide_proposal(proposal, actor=request.user, approve=request.POST.get("action") == "approve",
                                     reason=request.POST.get("reason", ""))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已处理。")
        return redirect(request.get_full_path())


# ------------------------------------------------------------------------------------------ rule sets

class RuleSetListView(ScopedTemplateView):
    template_name = "risk/rulesets.html"
    roles = EDITORS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        services.default_ruleset()
        user = self.request.user
        visible = Org.objects.visible_to(user)
        ctx["rulesets"] = [rs for rs in RuleSet.objects.select_related("org").prefetch_related("versions")
                           if rs.org is None or visible.filter(pk=rs.org_id).exists()]
        ctx["kinds"] = rules.CRITERION_KINDS
        return ctx

    def post(self, request, *args, **kwargs):
        org = None
        if request.POST.get("org") == "mine" and request.user.org is not None:
            org = request.user.org
        try:
            rs = services.ruleset_for_org(org, actor=request.user)
            base = rs.active_version() or services.default_ruleset().active_version()
            v = services.create_version(rs, config=base.config, note=request.POST.get("note", "") or "复制现行标准",
                                        actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("risk:rulesets")
        return redirect("risk:version", pk=v.pk)


class VersionView(ScopedTemplateView):
    template_name = "risk/version.html"
    roles = EDITORS

    def get_version(self):
        v = RuleSetVersion.objects.select_related("ruleset__org").filter(pk=self.kwargs["pk"]).first()
        user = self.request.user
        if v is None or (v.ruleset.org is not None and not Org.objects.visible_to(user).filter(
                pk=v.ruleset.org_id).exists()):
            raise Http404("未找到该版本。")
        return v

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        v = self.get_version()
        ctx["version"] = v
        ctx["config_json"] = json.dumps(v.config, ensure_ascii=False, indent=2)
        ctx["kinds"] = rules.CRITERION_KINDS
        if v.state == RuleSetVersion.State.DRAFT:
            ctx["preview"] = services.preview_version(v, actor=self.request.user)
        return ctx

    def post(self, request, *args, **kwargs):
        v = self.get_version()
        try:
            if request.POST.get("action") == "activate":
                services.activate_version(v, actor=request.user)
                messages.success(request, f"已启用 v{v.number}，并已按新标准重新评估。")
                return redirect("risk:version", pk=v.pk)
            try:
                config = json.loads(request.POST.get("config", ""))
            except json.JSONDecodeError as exc:
                raise ServiceError(f"规则配置不是有效的 JSON（第{exc.lineno}行）：{exc.msg}")
            nv = services.create_version(v.ruleset, config=config, note=request.POST.get("note", ""), actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("risk:version", pk=v.pk)
        messages.success(request, f"已保存为草稿 v{nv.number}，请查看影响预览后再启用。")
        return redirect("risk:version", pk=nv.pk)


# ------------------------------------------------------------------------------------------ meetings

class MeetingListView(ScopedListView):
    model = RiskMeeting
    template_name = "risk/meetings.html"
    roles = OFFICERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        ctx["default_start"] = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        ctx["default_end"] = today.replace(day=1) - timedelta(days=1)
        ctx["orgs"] = Org.objects.visible_to(self.request.user).filter(
            path__startswith=self.request.user.org.path if self.request.user.org else "")
        return ctx

    def post(self, request, *args, **kwargs):
        org = Org.objects.visible_to(request.user).filter(pk=request.POST.get("org") or 0).first() or request.user.org
        try:
            m = meetings.create_meeting(org=org, period_start=_date(request.POST.get("period_start")),
                                        period_end=_date(request.POST.get("period_end")), actor=request.user,
                                        title=request.POST.get("title", ""))
        except (ServiceError, TypeError) as exc:
            messages.error(request, getattr(exc, "message", "请填写分析期间。"))
            return redirect("risk:meetings")
        return redirect("risk:meeting", pk=m.pk)


class MeetingDetailView(ScopedDetailView):
    model = RiskMeeting
    template_name = "risk/meeting.html"
    roles = OFFICERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["pack"] = self.object.pack
        ctx["decisions"] = self.object.decisions.select_related("subject")
        ctx["subjects"] = Subject.objects.visible_to(self.request.user).active().in_org(self.object.org).order_by("name")
        return ctx

    def post(self, request, *args, **kwargs):
        m = self.get_object()
        p = request.POST
        try:
            if p.get("action") == "minutes":
                meetings.record_minutes(m, actor=request.user, minutes=p.get("minutes", ""),
                                        held_on=_date(p.get("held_on"), timezone.localdate()),
                                        attendees=p.get("attendees", ""))
            else:
                subject = None
                if p.get("subject"):
                    subject = Subject.objects.visible_to(request.user).filter(pk=p["subject"]).first()
                meetings.add_decision(m, actor=request.user, text=p.get("text", ""), subject=subject,
                                      responsible=p.get("responsible", ""), due_date=_date(p.get("due_date")))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存。")
        return redirect("risk:meeting", pk=m.pk)


class MeetingDocxView(ScopedDetailView):
    model = RiskMeeting
    roles = OFFICERS

    def get(self, request, *args, **kwargs):
        m = self.get_object()
        resp = HttpResponse(meetings.export_meeting_pack(m, actor=request.user),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        resp["Content-Disposition"] = f"attachment; filename=risk-meeting-{m.pk}.docx"
        return resp
