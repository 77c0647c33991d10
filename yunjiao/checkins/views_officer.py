"""Officer pages of 信息化核查: face enrolment per subject, the check-in list, the review page, the scoped and
audited biometric image views, and the 信息化核查 tab of the subject's record.  Views stay thin: every write
and every image read goes through yunjiao.checkins.review_services (scope check + audit there)."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from yunjiao.anomalies import services as anomaly_services
from yunjiao.checkins import review_services
from yunjiao.checkins.face.config import get_config
from yunjiao.checkins.face.recognition import check_enrolment_photo
from yunjiao.checkins.forms import CheckinFilterForm, EnrolmentForm, ReviewForm
from yunjiao.checkins.models import Checkin, FaceEnrolment, ReviewDecision
from yunjiao.checkins.services import active_enrolment
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.views import LoginRequiredView, ScopedDetailView, ScopedListView, ScopedObjectMixin
from yunjiao.subjects.models import Subject

OFFICERS = frozenset(
    {"city_admin", "city_officer", "county_head", "county_officer", "township_officer", "social_worker"}
)
THUMB = 160
LARGE = 640


def pending_review_count(user) -> int | None:
    """Menu badge: check-ins in the user's scope waiting for review."""
    n = review_services.pending_reviews(user).count()
    return n or None


def _image_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _size(request) -> int:
    return THUMB if request.GET.get("size") == "thumb" else LARGE


# --- enrolment -----------------------------------------------------------------------------------------


class EnrolmentView(LoginRequiredView, ScopedObjectMixin, TemplateView):
    """人脸采集: webcam capture or upload of 1–5 photos, current enrolment with thumbnails, history."""

    model = Subject
    template_name = "checkins/officer/enrol.html"
    roles = OFFICERS

    def get_subject(self) -> Subject:
        return self.get_scoped_object(self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        subject = kwargs.get("subject") or self.get_subject()
        current = active_enrolment(subject)
        history = list(review_services.enrolment_history(subject))
        for e in history + ([current] if current else []):
            e.photos_kept = review_services.photos_kept(e)
        ctx.update(
            subject=subject,
            current=current,
            history=history,
            form=kwargs.get("form") or EnrolmentForm(reenrolment=current is not None),
            photo_results=kwargs.get("photo_results"),
            can_enrol=self.request.user.can_write_subjects,
            max_images=get_config().enrol_max_images,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        subject = self.get_subject()
        if not request.user.can_write_subjects:
            messages.error(request, "您的角色无权登记人脸。")
            return redirect("checkins:enrol", pk=subject.pk)
        current = active_enrolment(subject)
        form = EnrolmentForm(request.POST, request.FILES, reenrolment=current is not None)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(subject=subject, form=form), status=400)
        named = form.images()
        try:
            enrolment = review_services.enrol_with_photos(
                subject, images=[data for _, data in named], actor=request.user, note=form.cleaned_data["note"]
            )
        except ServiceError as exc:
            results = None
            if exc.code == "photo_quality":
                # Refused: check each photo again to show its reason next to its file name in a table (the
                # service's message lists the reasons in one sentence); only a refusal pays this second pass.
                cfg = get_config()
                results = [
                    {"index": i + 1, "name": name, "ok": c.ok, "reasons": c.reasons}
                    for i, (name, c) in enumerate((n, check_enrolment_photo(d, cfg)) for n, d in named)
                ]
                form.add_error(None, "有照片未通过质量检查，未保存任何照片，请按提示重拍后重新提交。")
            else:
                form.add_error(None, exc.message)
            return self.render_to_response(
                self.get_context_data(subject=subject, form=form, photo_results=results), status=400
            )
        messages.success(request, f"人脸登记成功（第 {enrolment.version} 版，{enrolment.photo_count} 张照片）。")
        return redirect("checkins:enrol", pk=subject.pk)


class EnrolmentPhotoView(LoginRequiredView, ScopedObjectMixin):
    """One enrolment photo (thumbnail or 640 px), scoped (404 outside the branch) and audited per view."""

    model = FaceEnrolment
    roles = OFFICERS

    def get(self, request, pk, index):
        enrolment = self.get_scoped_object(pk)
        try:
            data = review_services.enrolment_photo(enrolment, index, actor=request.user, size=_size(request))
        except (ServiceError, NotAllowed) as exc:
            raise Http404(getattr(exc, "message", "未找到该照片。"))
        return _image_response(data)


# --- check-ins -----------------------------------------------------------------------------------------


class CheckinListView(ScopedListView):
    """核查记录: check-ins in scope with filters (date, outcome, org, needs review)."""

    model = Checkin
    template_name = "checkins/officer/checkin_list.html"
    roles = OFFICERS
    paginate_by = 30

    def get_queryset(self):
        qs = super().get_queryset().select_related("subject", "reviewed_by")
        self.filter_form = CheckinFilterForm(self.request.GET or None, user=self.request.user)
        if self.filter_form.is_valid():
            f = self.filter_form.cleaned_data
            tz = timezone.get_current_timezone()
            if f.get("date_from"):
                qs = qs.filter(submitted_at__gte=datetime.combine(f["date_from"], time.min, tzinfo=tz))
            if f.get("date_to"):
                qs = qs.filter(submitted_at__lte=datetime.combine(f["date_to"], time.max, tzinfo=tz))
            if f.get("outcome"):
                qs = qs.filter(outcome=f["outcome"])
            if f.get("org"):
                from yunjiao.core.scoping import path_q

                qs = qs.filter(path_q("subject__org_path", f["org"].path))
            if f.get("review") == "pending":
                qs = qs.filter(review_services.pending_review_q())
            elif f.get("review") == "reviewed":
                qs = qs.exclude(review_decision="")
            if f.get("q"):
                term = f["q"].strip()
                qs = qs.filter(subject__name__startswith=term) | qs.filter(subject__number__startswith=term.upper())
        elif self.filter_form.is_bound:
            qs = qs.none()  # a filter that cannot apply must not silently show everything
        return qs.order_by("-submitted_at", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(
            filter_form=self.filter_form,
            querystring_no_page=params.urlencode(),
            pending=review_services.pending_reviews(self.request.user).count(),
            review_mode=self.request.GET.get("review") == "pending",
        )
        return ctx


class PendingReviewListView(CheckinListView):
    """待复核: the same list, pre-filtered to check-ins waiting for an officer (the left-menu entry)."""

    def get(self, request, *args, **kwargs):
        if request.GET.get("review") != "pending":
            q = request.GET.copy()
            q["review"] = "pending"
            return redirect(f"{reverse('checkins:list')}?{q.urlencode()}")
        return super().get(request, *args, **kwargs)


class CheckinReviewView(ScopedDetailView):
    """One check-in: all kept frames with their scores, the enrolment photo side by side, the decision."""

    model = Checkin
    template_name = "checkins/officer/review.html"
    roles = OFFICERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        c = self.object
        scores = c.scores or {}
        frames = {f.get("index"): f for f in scores.get("frames", []) if isinstance(f, dict)}
        liveness = scores.get("liveness") or {}
        events = liveness.get("events") or []
        event_frames = {e for e in events if e is not None}
        ctx.update(
            frame_rows=[
                {"index": i, "score": frames.get(i, {}), "event": i in event_frames}
                for i in range(max(c.frames_stored, c.frame_count))
            ],
            liveness=liveness,
            challenge=list(zip(liveness.get("challenge") or [], events + [None] * 4, strict=False)),
            enrolment=c.enrolment,
            enrolment_photos_kept=review_services.photos_kept(c.enrolment),
            reviewable=review_services.is_reviewable(c),
            pending=not c.review_decision and review_services.is_reviewable(c),
            anomalies=review_services.related_anomalies(c),
            form=kwargs.get("form")
            or ReviewForm(escalations=[(k, label) for k, (label, _) in anomaly_services.ESCALATIONS.items()]),
            decisions=ReviewDecision,
            can_decide=self.request.user.can_write_subjects,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = checkin = self.get_object()
        escalations = [(k, label) for k, (label, _) in anomaly_services.ESCALATIONS.items()]
        form = ReviewForm(request.POST, escalations=escalations)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            review_services.decide_review(
                checkin,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                escalate_to=form.cleaned_data["escalate_to"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            if exc.code == "conflict":
                return redirect("checkins:review", pk=checkin.pk)
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=exc.status)
        messages.success(request, "复核结论已保存，相关异常已同步处理。")
        return redirect("checkins:review", pk=checkin.pk)


class CheckinFrameView(LoginRequiredView, ScopedObjectMixin):
    """One kept frame of a check-in burst, scoped (404 outside the branch) and audited per view."""

    model = Checkin
    roles = OFFICERS

    def get(self, request, pk, index):
        checkin = self.get_scoped_object(pk)
        try:
            data = review_services.checkin_frame(checkin, index, actor=request.user, size=_size(request))
        except (ServiceError, NotAllowed) as exc:
            raise Http404(getattr(exc, "message", "未找到该画面。"))
        return _image_response(data)


class SubjectCheckinTabView(ScopedDetailView):
    """The 信息化核查 tab of the subject's record (一人一档): enrolment status and recent check-ins."""

    model = Subject
    template_name = "checkins/officer/subject_tab.html"
    roles = OFFICERS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.object
        recent = Checkin.objects.visible_to(self.request.user).filter(subject=s).select_related("reviewed_by")
        ctx.update(
            current=active_enrolment(s),
            enrolment_count=FaceEnrolment.objects.filter(subject=s).count(),
            checkins=recent.order_by("-submitted_at")[:20],
            pending=recent.filter(review_services.pending_review_q()).count(),
        )
        return ctx


def register_officer_pages() -> None:
    """Called from CheckinsConfig.ready(): left-menu entries (with the pending-review count) and the tab on
    the subject's record.  人脸采集 is reached from that tab, not from the menu."""
    from yunjiao.core.menu import MenuItem, register
    from yunjiao.subjects.views import register_tab

    register(MenuItem(label="核查记录", url_name="checkins:list", icon="✓", order=26, group="信息化核查",
                      roles=OFFICERS))
    register(MenuItem(label="待复核", url_name="checkins:pending", icon="◐", order=27, group="信息化核查",
                      roles=OFFICERS, badge=pending_review_count))
    register_tab("checkins", "信息化核查", "checkins:subject_tab")

    from yunjiao.core.views_workbench import register_widget

    def pending_reviews_widget(request):
        if request.user.role not in OFFICERS and not request.user.is_superuser:
            return None
        return {"label": "待人工复核的核查", "value": review_services.pending_reviews(request.user).count(),
                "url": reverse("checkins:pending")}

    register_widget(pending_reviews_widget)


def checkin_links(anomaly, user) -> list[tuple[str, str]]:
    """Anomaly page → the check-in it was raised for (all kept frames, scores, location verdict); the review page
    itself checks scope and audits every image read."""
    if not anomaly.related_id.isdigit() or not Checkin.objects.visible_to(user).filter(pk=anomaly.related_id).exists():
        return []
    return [("查看核查记录（画面、评分、定位）", reverse("checkins:review", args=[int(anomaly.related_id)]))]


def task_links(anomaly, user) -> list[tuple[str, str]]:
    if not Subject.objects.visible_to(user).filter(pk=anomaly.subject_id).exists():
        return []
    return [("查看该对象的核查任务", reverse("checkins:subject_tasks", args=[anomaly.subject_id]))]
