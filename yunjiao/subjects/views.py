from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.views.generic import FormView

from yunjiao.audit.models import AuditRecord
from yunjiao.core.errors import ServiceError
from yunjiao.core.excel import workbook_response
from yunjiao.core.views import LoginRequiredView, ScopedDetailView, ScopedListView, ScopedObjectMixin
from yunjiao.subjects import services
from yunjiao.subjects.forms import SubjectFilterForm, SubjectForm
from yunjiao.subjects.models import Subject

TABS = [("basic", "基本信息"), ("sentence", "刑罚执行"), ("team", "矫正小组"), ("audit", "审计")]
EXTRA_TABS: list[tuple[str, str, str]] = []  # (key, label, url_name taking subject pk): added by other apps


def register_tab(key: str, label: str, url_name: str) -> None:
    if key not in {k for k, _, _ in EXTRA_TABS}:
        EXTRA_TABS.append((key, label, url_name))


# Long or encrypted columns the list never shows (the export reads masked values only).
LIST_DEFERRED = ("crime_facts", "prior_record", "id_number_enc", "household_address_enc", "residence_address_enc",
                 "phone_enc", "mental_health_note", "photo")


class CappedCountPaginator(Paginator):
    """Counts at most `cap` matches (COUNT over a LIMITed subquery): a broad filter over a city's 100,000
    records stays fast; the page shows “超过 10000 条” and pages up to the cap (narrow the filter for more)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        n = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = n > self.cap
        return min(n, self.cap)


class SubjectListView(ScopedListView):
    model = Subject
    template_name = "subjects/subject_list.html"
    paginate_by = 20
    paginator_class = CappedCountPaginator

    def get_queryset(self):
        qs = super().get_queryset().select_related("execution_org", "township").defer(*LIST_DEFERRED)
        self.filter_form = SubjectFilterForm(self.request.GET or None, user=self.request.user)
        if self.filter_form.is_valid():
            f = self.filter_form.cleaned_data
            qs = services.search(qs, f.get("q"))
            if f.get("status"):
                qs = qs.filter(status=f["status"])
            if f.get("category"):
                qs = qs.filter(category=f["category"])
            if f.get("level"):
                qs = qs.filter(supervision_level=f["level"])
            if f.get("org"):
                qs = qs.in_org(f["org"])
        return qs.order_by("-id")

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self):
        rows = [(s.number, s.name, s.get_sex_display(), s.id_number_masked, s.get_category_display(),
                 s.charges, s.period_start, s.period_end, s.execution_org.name,
                 s.township.name if s.township else "", s.get_supervision_level_display(),
                 s.get_risk_level_display(), s.get_status_display())
                for s in self.get_queryset()[:50000]]
        from yunjiao.audit import services as audit

        audit.record(self.request.user, "export", None, summary=f"导出矫正对象名单 {len(rows)} 条",
                     org_path=self.request.user.org.path if self.request.user.org_id else "")
        return workbook_response(
            "矫正对象名单.xlsx", "矫正对象",
            ["编号", "姓名", "性别", "身份证号", "矫正类别", "罪名", "矫正起始", "矫正结束", "执行地", "司法所",
             "管理等级", "风险等级", "状态"], rows)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(filter_form=self.filter_form, querystring_no_page=params.urlencode(),
                   can_create=self.request.user.can_write_subjects)
        return ctx


class SubjectDetailView(ScopedDetailView):
    model = Subject
    template_name = "subjects/subject_detail.html"

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        tab = self.request.GET.get("tab", "basic")
        if tab in ("basic", "sentence"):
            services.read_full_record(obj, actor=self.request.user,
                                      what="基本信息" if tab == "basic" else "刑罚执行信息")
        return obj

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.object
        tab = self.request.GET.get("tab", "basic")
        tabs = [{"key": k, "label": label, "url": f"?tab={k}", "active": k == tab} for k, label in TABS]
        tabs += [{"key": k, "label": label, "url": reverse(url_name, args=[s.pk]), "active": False}
                 for k, label, url_name in EXTRA_TABS]
        ctx.update(tab=tab, tabs=tabs, can_edit=self.request.user.can_write_subjects)
        if tab == "team":
            ctx["team"] = s.team_members.filter(is_active=True)
            ctx["family"] = s.family.all()
            ctx["needs_female"] = s.sex == "female" and not s.team_members.filter(is_active=True, sex="female").exists()
        if tab == "sentence":
            ctx["prohibitions"] = s.prohibitions.all()
            ctx["level_changes"] = s.level_changes.all()[:20]
        if tab == "audit":
            ctx["audit_rows"] = AuditRecord.objects.filter(subject=s).order_by("-seq")[:200]
        return ctx


class SubjectFormMixin(LoginRequiredView, FormView):
    template_name = "subjects/subject_form.html"
    form_class = SubjectForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.can_write_subjects and request.user.role != "subject":
            raise PermissionDenied("您的角色无权新增或修改矫正对象档案。")
        return super().dispatch(request, *args, **kwargs)


class SubjectCreateView(SubjectFormMixin):
    def form_valid(self, form):
        try:
            subject = services.create_subject(actor=self.request.user, data=form.service_data(),
                                              township=form.cleaned_data["township"])
        except ServiceError as exc:
            form.apply_service_errors(exc.field_errors)
            if not exc.field_errors:
                form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"已建立 {subject.name} 的档案（编号 {subject.number}）。")
        return redirect("subjects:detail", pk=subject.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="新建矫正对象档案", **kwargs)


class SubjectUpdateView(ScopedObjectMixin, SubjectFormMixin):
    model = Subject

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.subject = self.get_scoped_object(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.subject
        return kwargs

    def form_valid(self, form):
        # The bound form mutated self.subject in memory; the service re-reads and locks the row.
        try:
            services.update_subject(self.subject, actor=self.request.user, data=form.service_data(),
                                    expected_version=form.cleaned_data.get("version"),
                                    township=form.cleaned_data["township"])
        except ServiceError as exc:
            form.apply_service_errors(exc.field_errors)
            if not exc.field_errors:
                form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, "档案已保存。")
        return redirect("subjects:detail", pk=self.subject.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"编辑档案：{self.subject.name}", subject=self.subject, **kwargs)


class SubjectPhotoView(ScopedDetailView):
    """The decrypted photo, only for users who can see the subject (404 otherwise); never cached."""

    model = Subject

    def get(self, request, *args, **kwargs):
        subject = self.get_object()
        if not subject.photo:
            raise Http404("该矫正对象没有照片。")
        response = HttpResponse(services.photo_bytes(subject), content_type=subject.photo_type or "image/jpeg")
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class PinyinSuggestView(ScopedListView):
    """htmx search-as-you-type: top 10 matches for the search box."""

    model = Subject

    def get(self, request, *args, **kwargs):
        qs = list(services.search(self.get_queryset(), request.GET.get("q", ""))[:10])
        if not qs:
            return HttpResponse("")
        items = format_html_join("", '<li><a href="{}">{}（{}）</a></li>',
                                 ((reverse("subjects:detail", args=[s.pk]), s.name, s.number) for s in qs))
        return HttpResponse(format_html("<ul class='suggest'>{}</ul>", items))


def status_counts(qs) -> dict:
    return {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("id"))}
