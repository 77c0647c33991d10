"""Thin HTML views: parse input, call services, render.  All lookups go through visible_to()."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from yunjiao.core.errors import ServiceError
from yunjiao.core.views import LoginRequiredView, ScopedDetailView, ScopedListView, ScopedObjectMixin
from yunjiao.workflows import calendar as wcal
from yunjiao.workflows import diagrams, rules, services
from yunjiao.workflows.engine import actions_for, all_workflows, get_workflow, start_reasons
from yunjiao.workflows.models import Case, CaseAlert, RuleOverride


def form_fields(transition, *, user, case=None, values=None):
    """The step's fields with the options the template needs (org choices limited to scope)."""
    from yunjiao.orgs.models import Org, OrgLevel

    values = values or {}
    out = []
    for f in transition.fields:
        choices = list(f.choices)
        if f.kind == "org":
            county = ".".join((case.org_path if case else user.org.path).split(".")[:2])
            orgs = Org.objects.visible_to(user).filter(level=OrgLevel.TOWNSHIP, is_active=True,
                                                      path__startswith=county + ".")
            choices = [(str(o.pk), o.name) for o in orgs]
        out.append({"f": f, "choices": choices, "value": values.get(f.name, "")})
    return out


def post_data(request, transition) -> dict:
    return {f.name: request.POST.get(f.name) for f in transition.fields}


class TodoView(LoginRequiredView, TemplateView):
    template_name = "workflows/todo.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        items = list(services.todo_for(self.request.user)[:300])
        for case in items:
            case.is_overdue = case.due_at is not None and case.due_at < today
            case.due_soon = case.due_at is not None and not case.is_overdue and \
                rules.reminder_day(case.due_at).date <= today
        ctx["items"] = items
        ctx["calendar_warning"] = wcal.coverage_warning(today)
        ctx["alerts"] = CaseAlert.objects.visible_to(self.request.user).filter(
            resolved=False, case__is_closed=False).select_related("case")[:50]
        user = self.request.user
        if user.role in ("county_head", "county_officer", "city_admin", "city_officer") or user.is_superuser:
            overdue = (Case.objects.visible_to(user).open().filter(due_at__lt=today)
                       .values_list("org_path", flat=True))
            ctx["overdue_by_org"] = _overdue_by_org(overdue, user)
        return ctx


def _overdue_by_org(paths, user):
    """Overdue counts per township (county users) or per county (city users)."""
    from yunjiao.orgs.models import Org

    depth = 3 if user.org is not None and user.org.level == "county" else 2
    counts = Counter(".".join(p.split(".")[:depth]) for p in paths)
    names = dict(Org.objects.filter(path__in=list(counts)).values_list("path", "name"))
    return sorted(({"org": names.get(p, p), "count": n} for p, n in counts.items()), key=lambda r: -r["count"])


class CaseListView(ScopedListView):
    model = Case
    template_name = "workflows/case_list.html"

    def get_queryset(self):
        qs = super().get_queryset().select_related("subject")
        process = self.request.GET.get("process")
        if process:
            qs = qs.filter(process=process)
        if self.request.GET.get("closed") != "1":
            qs = qs.open()
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["workflows"] = all_workflows()
        ctx["process"] = self.request.GET.get("process", "")
        return ctx


class CaseDetailView(ScopedDetailView):
    model = Case
    template_name = "workflows/case_detail.html"
    context_object_name = "case"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = self.object
        wf = case.workflow
        records = list(case.records.all())
        for r in records:
            r.from_label = wf.state_label(r.from_state) if r.from_state else ""
            r.to_label = wf.state_label(r.to_state)
        ctx["workflow"] = wf
        ctx["records"] = records
        ctx["actions"] = [{"action": a, "fields": form_fields(a.transition, user=self.request.user, case=case)}
                          for a in actions_for(case, self.request.user)]
        visited = {r.from_state for r in records if r.from_state} | {r.to_state for r in records}
        ctx["diagram"] = diagrams.svg(wf, current=case.state, visited=visited, title=False)
        ctx["data_rows"] = _data_rows(wf, case.data)
        ctx["overdue"] = case.due_at is not None and case.due_at < timezone.localdate()
        return ctx


def _data_rows(wf, data):
    labels = {}
    for t in wf.transitions:
        for f in t.fields:
            labels.setdefault(f.name, f)
    rows = []
    for key, value in (data or {}).items():
        f = labels.get(key)
        if f is None:
            continue
        shown = f.choice_label(value) if f.kind == "choice" else ("是" if value is True else "否"
                                                                   if value is False else value)
        rows.append((f.label, shown))
    return rows


class FireView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    model = Case
    http_method_names = ["post"]

    def post(self, request, pk, name):
        case = self.get_scoped_object(pk)
        wf = case.workflow
        try:
            transition = wf.transition(name)
        except KeyError:
            raise Http404("没有这个办理步骤")
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            done = services.fire(case, name, actor=request.user, data=post_data(request, transition),
                                 note=request.POST.get("note", ""), attachment=request.FILES.get("attachment"),
                                 expected_version=version)
        except ServiceError as exc:
            for reason in getattr(exc, "reasons", None) or [exc.message]:
                messages.error(request, f"“{transition.label}”未办理：{reason}")
        else:
            messages.success(request, f"已办理：{transition.label}")
            shown_once = getattr(done, "shown_once", None)
            if shown_once:
                # a secret made by the step (e.g. the wristband's device token): rendered in this answer only,
                # never stored, never put in a message or a redirect
                response = render(request, "workflows/shown_once.html", {"case": done, "secret": shown_once,
                                                                         "transition": transition})
                response["Cache-Control"] = "no-store"
                return response
        return redirect("workflows:case", pk=case.pk)


class StartView(LoginRequiredView, TemplateView):
    template_name = "workflows/start.html"

    def _setup(self, process, name):
        try:
            self.workflow = get_workflow(process)
            self.transition = self.workflow.transition(name)
        except KeyError:
            raise Http404("没有这个流程")
        if not self.transition.starts_case:
            raise Http404("没有这个流程")
        self.needs_subject = process != "pre_sentence_assessment"

    def _subjects(self):
        from yunjiao.subjects.models import Subject

        return Subject.objects.visible_to(self.request.user).order_by("name")

    def get(self, request, process, name):
        self._setup(process, name)
        return super().get(request)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(workflow=self.workflow, transition=self.transition, needs_subject=self.needs_subject,
                   fields=form_fields(self.transition, user=user, values=kwargs.get("values")),
                   selected=self.request.GET.get("subject") or self.request.POST.get("subject", ""),
                   note=self.request.POST.get("note", ""))
        if self.needs_subject:
            ctx["subjects"] = self._subjects()[:500]
        else:
            org_path = user.org.path if getattr(user, "org", None) else ""
            ctx["reasons"] = start_reasons(self.workflow, self.transition, user, org_path)
        return ctx

    def post(self, request, process, name):
        self._setup(process, name)
        subject = None
        if self.needs_subject:
            subject = self._subjects().filter(pk=request.POST.get("subject") or 0).first()
            if subject is None:
                messages.error(request, "请选择社区矫正对象")
                return self.render_to_response(self.get_context_data(values=request.POST))
        try:
            case = services.start_case(process, name, actor=request.user, subject=subject,
                                       data=post_data(request, self.transition),
                                       note=request.POST.get("note", ""),
                                       attachment=request.FILES.get("attachment"))
        except ServiceError as exc:
            for reason in getattr(exc, "reasons", None) or [exc.message]:
                messages.error(request, reason)
            return self.render_to_response(self.get_context_data(values=request.POST))
        messages.success(request, f"已{self.transition.label}")
        return redirect("workflows:case", pk=case.pk)


class DiagramView(LoginRequiredView):
    def get(self, request, process):
        try:
            wf = get_workflow(process)
        except KeyError:
            raise Http404("没有这个流程")
        return HttpResponse(diagrams.svg(wf, current=request.GET.get("state")), content_type="image/svg+xml")


class RulesView(LoginRequiredView, TemplateView):
    """Statutory periods with their national default and local values; city admins may change them."""

    template_name = "workflows/rules.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        org_path = user.org.path if getattr(user, "org", None) else ""
        overrides = services.overrides_map()
        rows = []
        for rule in rules.RULES.values():
            value, source = rules.effective_value(rule.id, org_path=org_path, overrides=overrides.get(rule.id))
            rows.append({"rule": rule, "value": value, "source": source})
        ctx["rows"] = rows
        ctx["can_edit"] = user.is_superuser or user.role in services.OVERRIDE_ROLES
        ctx["overrides"] = RuleOverride.objects.select_related("org", "changed_by")
        ctx["roll_forward"] = services.roll_forward()
        ctx["calendar_warning"] = wcal.coverage_warning(timezone.localdate())
        ctx["calendar_years"] = wcal.calendar_years()
        if ctx["can_edit"]:
            from yunjiao.orgs.models import Org, OrgLevel

            ctx["orgs"] = Org.objects.visible_to(user).filter(level__in=[OrgLevel.CITY, OrgLevel.COUNTY])
        return ctx

    def post(self, request):
        from yunjiao.orgs.models import Org

        rule_id = request.POST.get("rule_id", "")
        raw = (request.POST.get("value") or "").strip()
        org = None
        if request.POST.get("org"):
            org = Org.objects.visible_to(request.user).filter(pk=request.POST["org"]).first()
            if org is None:
                messages.error(request, "请选择有效的机构")
                return redirect("workflows:rules")
        try:
            value = int(raw) if raw else None
            services.set_rule_override(rule_id, actor=request.user, value=value, org=org,
                                       note=request.POST.get("note", ""))
        except ValueError:
            messages.error(request, "期限值须为整数")
        except (ServiceError, KeyError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, "期限规则已保存，修改已记入审计日志")
        return redirect(reverse("workflows:rules"))
