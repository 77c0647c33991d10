"""Officer pages for check tasks: the task list, ordering spot checks, a subject's task history (tab on the
subject page) and the per-level frequency settings (city administrator).  Logic lives in tasks_services."""

from __future__ import annotations

from datetime import date, time

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from yunjiao.checkins import tasks_services as ts
from yunjiao.checkins.models import CheckTask, CheckTaskKind, CheckTaskStatus
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.views import ScopedDetailView, ScopedListView, ScopedTemplateView
from yunjiao.orgs.models import Org
from yunjiao.subjects.choices import SupervisionLevel
from yunjiao.subjects.models import Subject

OFFICERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer",
                      "social_worker"})
ORDERERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer"})
STATUS_TAGS = {"pending": "", "done": "tag-green", "late": "tag-yellow", "missed": "tag-red", "cancelled": "tag-gray"}


def _branch_orgs(user):
    """Orgs inside the user's branch (for the org filter), never the ancestors."""
    qs = Org.objects.visible_to(user).exclude(level="city")
    if user.org_id and not user.is_superuser and user.org.level != "city":
        qs = qs.filter(path__startswith=user.org.path)
    return qs.order_by("path")


class TaskListView(ScopedListView):
    model = CheckTask
    template_name = "checkins/tasks/task_list.html"
    roles = OFFICERS
    paginate_by = 50

    def get_queryset(self):
        qs = super().get_queryset().select_related("subject", "checkin", "ordered_by")
        g = self.request.GET
        self.filters = {k: g.get(k, "").strip() for k in ("date", "status", "kind", "org", "batch", "subject")}
        f = self.filters
        if f["date"]:
            try:
                qs = qs.filter(plan_date=date.fromisoformat(f["date"]))
            except ValueError:
                messages.error(self.request, "日期格式应为 YYYY-MM-DD，已忽略该条件。")
        if f["status"] in CheckTaskStatus.values:
            qs = qs.filter(status=f["status"])
        if f["kind"] in CheckTaskKind.values:
            qs = qs.filter(kind=f["kind"])
        if f["org"].isdigit():
            org = _branch_orgs(self.request.user).filter(pk=f["org"]).first()
            if org is not None:
                qs = qs.filter(subject__org_path__startswith=org.path)
        if f["batch"]:
            qs = qs.filter(batch_id=f["batch"][:32])
        if f["subject"].isdigit():
            qs = qs.filter(subject_id=f["subject"])
        return qs.order_by("-window_start", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(filters=self.filters, statuses=CheckTaskStatus.choices, kinds=CheckTaskKind.choices,
                   orgs=_branch_orgs(self.request.user), querystring_no_page=params.urlencode(),
                   status_tags=STATUS_TAGS, now=timezone.now(),
                   not_enrolled=list(ts.not_enrolled(Subject.objects.visible_to(self.request.user)
                                                     .filter(status__in=ts.PLANNED_STATUSES,
                                                             info_check_enabled=True))[:50]),
                   can_order=self.request.user.is_superuser or self.request.user.role in ORDERERS)
        return ctx


class SpotCheckView(ScopedTemplateView):
    """点对点抽查: one subject, a list, or a stratified random sample of the officer's scope."""

    template_name = "checkins/tasks/spot_check.html"
    roles = ORDERERS

    def _subjects(self):
        return (Subject.objects.visible_to(self.request.user).filter(status__in=ts.PLANNED_STATUSES)
                .order_by("org_path", "name"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        data = kwargs.get("data") or self.request.GET
        selected = {int(x) for x in data.getlist("subjects") + data.getlist("subject") if str(x).isdigit()}
        ctx.update(subjects=self._subjects()[:2000], selected=selected, orgs=_branch_orgs(self.request.user),
                   levels=SupervisionLevel.choices, kinds=[(CheckTaskKind.SPOT, CheckTaskKind.SPOT.label),
                                                           (CheckTaskKind.ORDERED, CheckTaskKind.ORDERED.label)],
                   data=data, mode=data.get("mode", "list"), default_minutes=ts.default_response_minutes(),
                   night=ts.is_quiet(timezone.now()))
        return ctx

    def post(self, request, *args, **kwargs):
        data = request.POST
        mode = data.get("mode", "list")
        try:
            if mode == "sample":
                org = None
                if data.get("org", "").isdigit():
                    org = _branch_orgs(request.user).filter(pk=data["org"]).first()
                    if org is None:
                        raise Http404("未找到该机构，或不在您的管辖范围内。")
                n = data.get("n", "")
                if not n.isdigit():
                    raise ServiceError("请填写抽查人数（正整数）。", code="bad_n")
                subjects = ts.sample_scope(request.user, n=int(n), org=org, levels=data.getlist("levels"))
                if not subjects:
                    raise ServiceError("所选范围内没有在矫对象可抽查。", code="empty_sample")
            else:
                ids = [x for x in data.getlist("subjects") if x.isdigit()]
                if len(ids) != len(data.getlist("subjects")):
                    raise ServiceError("所选对象无效。", code="bad_subjects")
                visible = set(Subject.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))
                if len(visible) != len(set(ids)):
                    raise Http404("所选对象不存在，或不在您的管辖范围内。")
                subjects = [int(x) for x in ids]
            minutes = data.get("minutes", "").strip()
            if minutes and not minutes.isdigit():
                raise ServiceError("响应时限应为分钟数。", code="bad_minutes")
            tasks = ts.order_checks(subjects, actor=request.user, minutes=int(minutes) if minutes else None,
                                    reason=data.get("reason", ""), kind=data.get("kind", CheckTaskKind.SPOT))
        except NotAllowed as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(data=data), status=403)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(data=data), status=400)
        messages.success(request, f"已向 {len(tasks)} 名对象下达核查，请在截止前关注完成情况。")
        missing = ts.not_enrolled(Subject.objects.filter(pk__in=[t.subject_id for t in tasks]))
        if missing:
            messages.warning(request, "以下对象尚未登记人脸，无法完成核查，请尽快登记："
                             + "、".join(s.name for s in missing[:20]))
        return redirect(reverse("checkins:tasks") + f"?batch={tasks[0].batch_id}")


class TaskCancelView(ScopedDetailView):
    model = CheckTask
    roles = ORDERERS
    http_method_names = ["post"]

    def post(self, request, pk):
        task = self.get_scoped_object(pk)
        try:
            ts.cancel_task(task, actor=request.user, reason=request.POST.get("reason", ""))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已取消该核查任务。")
        return redirect(request.POST.get("next") or reverse("checkins:tasks"))


class SubjectTasksView(ScopedDetailView):
    """The subject page's 核查任务 tab: every task with its check-in outcome, and a button to order a check."""

    model = Subject
    template_name = "checkins/tasks/subject_tasks.html"
    context_object_name = "subject"
    roles = OFFICERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        tasks = (CheckTask.objects.visible_to(self.request.user).filter(subject=self.object)
                 .filter(window_start__lte=timezone.now()).select_related("checkin", "ordered_by")
                 .order_by("-window_start")[:200])
        counts = {s: 0 for s in CheckTaskStatus.values}
        for t in tasks:
            counts[t.status] += 1
        ctx.update(tasks=tasks, counts=[(CheckTaskStatus(k).label, v) for k, v in counts.items()],
                   status_tags=STATUS_TAGS, policy=ts.subject_policy(self.object),
                   can_order=self.request.user.is_superuser or self.request.user.role in ORDERERS)
        return ctx


class PolicySettingsView(ScopedTemplateView):
    """核查频次设置 per management level (city administrator edits; every officer may read)."""

    template_name = "checkins/tasks/policy_settings.html"
    roles = OFFICERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        table = ts.policy_table()
        ctx.update(rows=[(lvl, dict(SupervisionLevel.choices)[lvl], table[lvl]) for lvl in ts.LEVELS],
                   can_edit=self.request.user.is_superuser or self.request.user.role in ts.POLICY_ADMIN_ROLES)
        return ctx

    def post(self, request, *args, **kwargs):
        level = request.POST.get("level", "")
        values = {}
        try:
            for f in ("per_week", "extra_key_subject", "extra_high_risk", "response_minutes", "min_gap_minutes"):
                raw = request.POST.get(f, "").strip()
                if not raw.isdigit():
                    raise ServiceError("各项次数和分钟数须填写非负整数。", code="bad_number")
                values[f] = int(raw)
            for f in ("waking_start", "waking_end"):
                try:
                    values[f] = time.fromisoformat(request.POST.get(f, "").strip())
                except ValueError:
                    raise ServiceError("核查时段应为 HH:MM 格式。", code="bad_time")
            ts.update_policy(level, actor=request.user, **values)
        except NotAllowed as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(), status=403)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, "已保存核查频次设置，次日起生成的定时核查按新设置执行。")
        return redirect("checkins:task_policy")
