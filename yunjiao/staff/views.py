"""Staff pages: profiles, work certificates (with the public QR verification page), squads, trainings."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from yunjiao.core.errors import ServiceError
from yunjiao.core.excel import workbook_response
from yunjiao.core.views import (
    LoginRequiredView,
    PublicView,
    ScopedDetailView,
    ScopedListView,
    ScopedObjectMixin,
)
from yunjiao.orgs.models import EnforcementSquad, Org
from yunjiao.staff import rules, services
from yunjiao.staff.models import StaffProfile, Training, TrainingAttendance, WorkCertificate
from yunjiao.subjects.models import Subject

OFFICERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer",
                      "social_worker"})


class StaffListView(ScopedListView):
    model = StaffProfile
    roles = OFFICERS
    template_name = "staff/staff_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("org", "user")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["users"] = services.users_visible_to(self.request.user).filter(staff_profile__isnull=True)[:300]
        ctx["establishments"] = rules.ESTABLISHMENTS
        return ctx

    def post(self, request, *args, **kwargs):
        user = services.users_visible_to(request.user).filter(pk=request.POST.get("user") or 0).first()
        if user is None:
            messages.error(request, "请选择工作人员账号。")
            return redirect("staff:list")
        try:
            profile = services.save_profile(user, actor=request.user, establishment=request.POST.get("establishment", ""),
                                            position=request.POST.get("position", ""))
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("staff:list")
        messages.success(request, "已建立工作人员档案。")
        return redirect("staff:detail", pk=profile.pk)


class StaffDetailView(ScopedDetailView):
    model = StaffProfile
    roles = OFFICERS
    template_name = "staff/staff_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p, user = self.object, self.request.user
        ctx.update(
            certificates=WorkCertificate.objects.visible_to(user).filter(profile=p),
            team_subjects=services.team_subjects(p.user, viewer=user),
            squads=services.squads_visible_to(user).filter(members=p.user),
            trainings=TrainingAttendance.objects.visible_to(user).filter(profile=p).select_related("training"),
            reasons=services.enforcement_reasons(p.user), establishments=rules.ESTABLISHMENTS,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        p = self.get_object()
        try:
            if request.POST.get("action") == "apply":
                services.apply_certificate(p, actor=request.user, reason=request.POST.get("reason") or "新申领")
                messages.success(request, "已提交证件申领，等待县级审核。")
            else:
                org = Org.objects.visible_to(request.user).filter(pk=request.POST.get("org") or p.org_id).first()
                services.save_profile(p.user, actor=request.user, establishment=request.POST.get("establishment", ""),
                                      position=request.POST.get("position", ""), org=org or p.org,
                                      photo=request.FILES.get("photo"))
                messages.success(request, "档案已保存。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("staff:detail", pk=p.pk)


class CertificateListView(ScopedListView):
    model = WorkCertificate
    roles = OFFICERS
    template_name = "staff/certificate_list.html"

    def get_queryset(self):
        qs = super().get_queryset().select_related("profile", "org")
        if self.request.GET.get("status") in rules.STATUS_LABELS:
            qs = qs.filter(status=self.request.GET["status"])
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["statuses"] = rules.STATUSES
        return ctx


def verify_url(request, cert: WorkCertificate) -> str:
    return request.build_absolute_uri(reverse("staff:verify", args=[cert.token]))


class CertificateDetailView(ScopedDetailView):
    model = WorkCertificate
    roles = OFFICERS
    template_name = "staff/certificate_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        c = self.object
        ctx["actions"] = [(code, label, rules.transition_errors(c.status, code, actor_role=self.request.user.role,
                                                                  reason="x"))
                          for code, (_s, _t, _w, label) in rules.TRANSITIONS.items()
                          if c.status in rules.TRANSITIONS[code][0]]
        ctx["needs_reason"] = rules.NEEDS_REASON
        if c.number:
            ctx["qr_svg"] = services.qr_svg(verify_url(self.request, c))
        return ctx

    def post(self, request, *args, **kwargs):
        c = self.get_object()
        version = request.POST.get("version")
        try:
            services.act_on_certificate(c, request.POST.get("action", ""), actor=request.user,
                                        reason=request.POST.get("reason", ""),
                                        expected_version=int(version) if version and version.isdigit() else None)
            messages.success(request, "已办理。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("staff:certificate", pk=c.pk)


class CertificateQrView(LoginRequiredView, ScopedObjectMixin):
    model = WorkCertificate
    roles = OFFICERS

    def get(self, request, pk):
        c = self.get_scoped_object(pk)
        if not c.number:
            raise Http404("证件尚未制发。")
        return HttpResponse(services.qr_png(verify_url(request, c)), content_type="image/png")


class CertificateVerifyView(PublicView, TemplateView):
    """Public page behind the QR code: name, photo, org, status — nothing else; otherwise only “无效”."""

    template_name = "staff/verify.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["card"] = services.verification(self.kwargs["code"])
        return ctx

    def render_to_response(self, context, **kwargs):
        resp = super().render_to_response(context, **kwargs)
        resp["Cache-Control"] = "no-store"
        resp["X-Robots-Tag"] = "noindex"
        return resp


class SquadListView(LoginRequiredView, TemplateView):
    roles = OFFICERS
    template_name = "staff/squad_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(squads=services.squads_visible_to(user).prefetch_related("members", "subjects"),
                   kinds=EnforcementSquad.Kind.choices, users=services.users_visible_to(user)[:300],
                   subjects=Subject.objects.visible_to(user).active().order_by("name")[:500],
                   can_edit=user.role in services.MANAGER_ROLES or user.is_superuser)
        return ctx

    def post(self, request, *args, **kwargs):
        user = request.user
        squad = None
        if request.POST.get("squad"):
            squad = services.squads_visible_to(user).filter(pk=request.POST["squad"]).first()
            if squad is None:
                raise Http404("未找到该中队。")
        members = list(services.users_visible_to(user).filter(pk__in=request.POST.getlist("members")))
        subjects = list(Subject.objects.visible_to(user).filter(pk__in=request.POST.getlist("subjects")))
        org = squad.org if squad else user.org
        try:
            services.save_squad(actor=user, org=org, name=request.POST.get("name", ""),
                                kind=request.POST.get("kind", ""), members=members, subjects=subjects, squad=squad)
            messages.success(request, "已保存。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("staff:squads")


class TrainingListView(ScopedListView):
    model = Training
    roles = OFFICERS
    template_name = "staff/training_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["modes"] = rules.TRAINING_MODES
        return ctx

    def post(self, request, *args, **kwargs):
        p = request.POST
        try:
            t = services.create_training(actor=request.user, org=request.user.org, title=p.get("title", ""),
                                         start_date=date.fromisoformat(p.get("start_date", "")),
                                         end_date=date.fromisoformat(p.get("end_date", "")), hours=p.get("hours") or 0,
                                         organiser=p.get("organiser", ""), mode=p.get("mode", ""),
                                         place=p.get("place", ""))
        except ValueError:
            messages.error(request, "请填写正确的日期。")
            return redirect("staff:trainings")
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("staff:trainings")
        return redirect("staff:training", pk=t.pk)


class TrainingDetailView(ScopedDetailView):
    model = Training
    roles = OFFICERS
    template_name = "staff/training_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["attendances"] = TrainingAttendance.objects.visible_to(self.request.user).filter(
            training=self.object).select_related("profile", "profile__org")
        ctx["profiles"] = StaffProfile.objects.visible_to(self.request.user).filter(is_active=True)
        return ctx

    def post(self, request, *args, **kwargs):
        t = self.get_object()
        if request.POST.get("action") == "certificates":
            try:
                n = services.issue_training_certificates(t, actor=request.user)
                messages.success(request, f"已颁发结业证书 {n} 份。")
            except ServiceError as exc:
                messages.error(request, exc.message)
            return redirect("staff:training", pk=t.pk)
        profiles = list(StaffProfile.objects.visible_to(request.user).filter(pk__in=request.POST.getlist("profiles")))
        try:
            n = services.record_attendance(t, profiles, actor=request.user)
            messages.success(request, f"已登记 {len(profiles)} 人（新增 {n} 人，重复的已合并）。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("staff:training", pk=t.pk)


class TrainingReportView(LoginRequiredView, TemplateView):
    roles = OFFICERS
    template_name = "staff/training_report.html"

    def get(self, request, *args, **kwargs):
        try:
            year = int(request.GET.get("year") or timezone.localdate().year)
        except ValueError:
            year = timezone.localdate().year
        report = services.training_report(request.user, year)
        if request.GET.get("export") == "xlsx":
            return workbook_response(f"培训统计-{year}.xlsx", str(year), ["单位", "人次", "学时"],
                                     [[r["profile__org__name"], r["times"], r["hours"]] for r in report["per_org"]]
                                     + [["合计", report["person_times"], report["hours"]]])
        return self.render_to_response(self.get_context_data(report=report, year=year))
