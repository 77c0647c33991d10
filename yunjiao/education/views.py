"""e矫通 pages: thin views over `education.services`.  Officer pages extend base.html, the subject's
phone pages (/education/m/…) extend portal/base.html."""

from __future__ import annotations

import json
from datetime import date, datetime

from django.contrib import messages
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView

from yunjiao.core.errors import ServiceError
from yunjiao.core.excel import workbook_response
from yunjiao.core.views import LoginRequiredView, ScopedDetailView, ScopedListView, ScopedObjectMixin
from yunjiao.education import rules, services
from yunjiao.education.media import CONTENT_TYPES, LimitedUploadHandler, ranged_file_response
from yunjiao.education.models import (
    Attendance,
    Course,
    CourseKind,
    Event,
    EventKind,
    HoursCredit,
    LevelHours,
    MonthlyHours,
    StudySession,
)
from yunjiao.subjects.models import Subject

OFFICERS = frozenset(services.WRITER_ROLES)


def _month(value: str | None) -> date:
    try:
        return datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


# --- officer: courses ---------------------------------------------------------------------------------

class CourseListView(ScopedListView):
    model = Course
    roles = OFFICERS
    template_name = "education/course_list.html"


@method_decorator(csrf_exempt, name="dispatch")
class CourseCreateView(LoginRequiredView, TemplateView):
    """Upload handlers are replaced before the body is read, so the CSRF check runs afterwards by hand."""

    roles = OFFICERS
    template_name = "education/course_form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(categories=rules.CATEGORIES, audiences=rules.AUDIENCES, kinds=CourseKind.choices,
                   max_mb=services.max_upload_bytes() // (1024 * 1024), form=self.request.POST)
        return ctx

    def get(self, request, *args, **kwargs):
        return csrf_protect(super().get)(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        limit = services.max_upload_bytes()
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > limit + 1024 * 1024:
            # Refused from the header alone: the body is never read (nothing later may parse it either).
            request._post, request._files = QueryDict(), MultiValueDict()
            resp = self._error(request, services.too_large_message(length), status=413, read_body=False)
            resp["Connection"] = "close"
            return resp
        handler = LimitedUploadHandler(request, limit=limit + 1024 * 1024)
        request.upload_handlers = [handler, *request.upload_handlers]
        return csrf_protect(self._post)(request, handler)

    def _error(self, request, message, status=400, read_body=True):
        if read_body:
            messages.error(request, message)
            ctx = self.get_context_data()
        else:
            ctx = {"categories": rules.CATEGORIES, "audiences": rules.AUDIENCES, "kinds": CourseKind.choices,
                   "max_mb": services.max_upload_bytes() // (1024 * 1024), "form": {}, "error": message}
        resp = self.response_class(request=request, template=[self.template_name], context=ctx)
        resp.status_code = status
        return resp

    def _post(self, request, handler):
        post = request.POST
        files = request.FILES
        if handler.exceeded:
            return self._error(request, services.too_large_message(handler.seen), status=413)
        org = request.user.org
        try:
            course = services.create_course(
                actor=request.user, org=org, title=post.get("title", ""), kind=post.get("kind", ""),
                category=post.get("category", ""), hours=post.get("hours") or 0,
                audience=post.get("audience", "all"), audience_value=post.get("audience_value", ""),
                required=post.get("required") == "1", description=post.get("description", ""),
                video=files.get("video"), pdf=files.get("pdf"), body_html=post.get("body_html", ""),
                duration_seconds=int(post.get("duration_seconds") or 0) or None,
                min_read_seconds=int(post.get("min_read_seconds") or 60))
        except (ServiceError, ValueError) as exc:
            return self._error(request, getattr(exc, "message", "请检查填写的数字。"))
        messages.success(request, "课程已保存，可添加测验题后发布。")
        return redirect("education:course", pk=course.pk)


class CourseDetailView(ScopedDetailView):
    model = Course
    roles = OFFICERS
    template_name = "education/course_detail.html"

    def post(self, request, *args, **kwargs):
        course = self.get_object()
        try:
            if request.POST.get("action") == "publish":
                services.publish_course(course, actor=request.user)
                messages.success(request, "课程已发布。")
            else:
                options = [request.POST.get(f"option{i}", "") for i in range(1, 6)]
                correct = [int(v) - 1 for v in request.POST.getlist("correct") if v.isdigit()]
                services.add_question(course, actor=request.user, text=request.POST.get("text", ""),
                                      options=options, correct=correct)
                messages.success(request, "测验题已添加。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("education:course", pk=course.pk)


class CourseMediaView(LoginRequiredView, ScopedObjectMixin):
    model = Course
    roles = OFFICERS

    def get(self, request, pk):
        return _media(request, self.get_scoped_object(pk))


def _media(request, course: Course):
    f = course.video if course.kind == CourseKind.VIDEO else course.pdf if course.kind == CourseKind.PDF else None
    if not f:
        raise Http404("该课程没有媒体文件。")
    ctype = CONTENT_TYPES["pdf"] if course.kind == CourseKind.PDF else CONTENT_TYPES.get(course.video_format, "video/mp4")
    return ranged_file_response(request, f.path, ctype)


# --- officer: offline sessions ------------------------------------------------------------------------

class EventListView(ScopedListView):
    model = Event
    roles = OFFICERS
    template_name = "education/event_list.html"


class EventCreateView(LoginRequiredView, TemplateView):
    roles = OFFICERS
    template_name = "education/event_form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(kinds=EventKind.choices, form=self.request.POST,
                   subjects=Subject.objects.visible_to(self.request.user).active().order_by("name")[:500])
        return ctx

    def post(self, request, *args, **kwargs):
        p = request.POST
        try:
            starts = timezone.make_aware(datetime.fromisoformat(p.get("starts_at", "")))
            ends = timezone.make_aware(datetime.fromisoformat(p.get("ends_at", "")))
        except ValueError:
            messages.error(request, "请填写正确的开始和结束时间。")
            return self.render_to_response(self.get_context_data(), status=400)
        ids = [int(v) for v in p.getlist("subjects") if v.isdigit()]
        subjects = list(Subject.objects.visible_to(request.user).filter(pk__in=ids))
        try:
            event = services.schedule_event(actor=request.user, org=request.user.org, kind=p.get("kind", ""),
                                            topic=p.get("topic", ""), place=p.get("place", ""), starts_at=starts,
                                            ends_at=ends, hours=p.get("hours") or 0, subjects=subjects)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, "活动已安排。")
        return redirect("education:event", pk=event.pk)


class EventDetailView(ScopedDetailView):
    """Officer's on-site page: sign people in (also from a phone), end attendance."""

    model = Event
    roles = OFFICERS
    template_name = "education/event_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["attendances"] = Attendance.objects.visible_to(self.request.user).filter(
            event=self.object).select_related("subject")
        ctx["candidates"] = Subject.objects.visible_to(self.request.user).active().order_by("name")[:500]
        return ctx

    def post(self, request, *args, **kwargs):
        event = self.get_object()
        action = request.POST.get("action", "sign_in")
        try:
            if action == "close":
                r = services.close_event(event, actor=request.user)
                messages.success(request, f"考勤已结束：实到 {r['present']} 人，缺席 {r['absent']} 人（已生成异常信息）。")
            elif action == "excuse":
                att = Attendance.objects.visible_to(request.user).get(pk=request.POST.get("attendance"), event=event)
                services.excuse(att, actor=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, "已登记请假。")
            else:
                subject = Subject.objects.visible_to(request.user).filter(pk=request.POST.get("subject") or 0).first()
                if subject is None:
                    raise ServiceError("请选择要签到的矫正对象。")
                _att, msg = services.sign_in(event, subject, actor=request.user, method="officer")
                (messages.warning if "合并" in msg else messages.success)(request, msg)
        except (ServiceError, Attendance.DoesNotExist) as exc:
            messages.error(request, getattr(exc, "message", "未找到该考勤记录。"))
        return redirect("education:event", pk=event.pk)


class EventFaceSignInView(LoginRequiredView, ScopedObjectMixin):
    """JSON: step=begin → challenge (or 'unavailable'); step=submit with JPEG frames → verify and sign in."""

    model = Event
    roles = OFFICERS

    def post(self, request, pk):
        event = self.get_scoped_object(pk)
        subject = Subject.objects.visible_to(request.user).filter(pk=request.POST.get("subject") or 0).first()
        if subject is None:
            return JsonResponse({"error": "请选择要签到的矫正对象。"}, status=400)
        try:
            if request.POST.get("step") == "submit":
                frames = [f.read() for f in request.FILES.getlist("frames")]
                times = [float(x) for x in request.POST.get("capture_times", "").split(",") if x]
                _att, msg = services.face_sign_in(event, subject, actor=request.user, frames=frames,
                                                  capture_times=times)
                return JsonResponse({"ok": True, "message": msg})
            return JsonResponse(services.begin_face_sign_in(event, subject, actor=request.user))
        except ServiceError as exc:
            return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status)
        except ValueError:
            return JsonResponse({"error": "人脸数据格式错误，请重试。"}, status=400)


# --- officer: hours ---------------------------------------------------------------------------------

class HoursReportView(LoginRequiredView, TemplateView):
    roles = OFFICERS
    template_name = "education/hours_report.html"
    HEADER = ["单位", "对象人数", "应学时", "实学时", "应公益时长", "实公益时长", "学时不足人数"]

    def get(self, request, *args, **kwargs):
        month = _month(request.GET.get("month"))
        level = request.GET.get("level", "township")
        if level not in ("city", "county", "township"):
            level = "township"
        rows = services.hours_report(request.user, month, level=level)
        if request.GET.get("export") == "xlsx":
            return workbook_response(f"学时统计-{month:%Y-%m}.xlsx", f"{month:%Y-%m}", self.HEADER,
                                     [[r["org"], r["subjects"], r["required_edu"], r["credited_edu"],
                                       r["required_service"], r["credited_service"], r["short"]] for r in rows])
        ctx = self.get_context_data(rows=rows, month=month, level=level,
                                    table=services.requirement_table(), LEVEL_LABELS={
                                        "strict": "严管", "normal": "普管", "lenient": "宽管"})
        return self.render_to_response(ctx)


class LevelHoursView(LoginRequiredView, TemplateView):
    roles = frozenset({"city_admin"})
    template_name = "education/level_hours.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        table = services.requirement_table()
        ctx["rows"] = [(code, label, table.get(code)) for code, label in
                       [("strict", "严管"), ("normal", "普管"), ("lenient", "宽管")]]
        ctx["stored"] = LevelHours.objects.visible_to(self.request.user)
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            services.set_level_hours(request.POST.get("level", ""), actor=request.user,
                                     education_hours=request.POST.get("education_hours") or 0,
                                     service_hours=request.POST.get("service_hours") or 0,
                                     note=request.POST.get("note", ""))
            messages.success(request, "学时标准已保存。")
        except (ServiceError, ArithmeticError) as exc:
            messages.error(request, getattr(exc, "message", "请填写正确的小时数。"))
        return redirect("education:standards")


class SubjectEducationTabView(ScopedDetailView):
    """Subject record tab 教育学习: credited hours (immediately after a session), monthly accounting."""

    model = Subject
    roles = OFFICERS
    template_name = "education/subject_tab.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.object
        user = self.request.user
        today = timezone.localdate()
        ctx.update(
            credits=HoursCredit.objects.visible_to(user).filter(subject=s)[:100],
            sessions=StudySession.objects.visible_to(user).filter(subject=s).select_related("course")[:50],
            monthly=MonthlyHours.objects.visible_to(user).filter(subject=s)[:24],
            current=services.month_account(s, today), month=today,
        )
        return ctx


# --- the subject's phone pages ----------------------------------------------------------------------

class PortalMixin(LoginRequiredView):
    portal = True

    def subject(self) -> Subject:
        s = Subject.objects.visible_to(self.request.user).filter(pk=self.request.user.subject_id).first()
        if s is None:
            raise Http404("未找到您的档案。")
        return s

    def course(self, pk) -> Course:
        try:
            return services.course_for_subject(self.subject(), pk)
        except ServiceError:
            raise Http404("没有找到这门课程。")

    def session(self, pk) -> StudySession:
        s = StudySession.objects.visible_to(self.request.user).select_related("course", "subject").filter(pk=pk).first()
        if s is None:
            raise Http404("没有找到该学习记录。")
        return s


class PortalCourseListView(PortalMixin, TemplateView):
    template_name = "education/m_courses.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        subject = self.subject()
        done = set(StudySession.objects.visible_to(self.request.user).filter(completed_at__isnull=False)
                   .values_list("course_id", flat=True))
        courses = services.courses_for(subject)
        ctx.update(required=[c for c in courses if c.required], optional=[c for c in courses if not c.required],
                   done=done, account=services.month_account(subject, timezone.localdate()))
        return ctx


class PortalCourseView(PortalMixin, TemplateView):
    template_name = "education/m_course.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        course = self.course(self.kwargs["pk"])
        session = services.start_session(self.subject(), course, actor=self.request.user)
        state = services.session_state(session)
        ctx.update(course=course, session=session, state=state, state_json=json.dumps(state),
                   questions=course.questions.all())
        return ctx

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("education:m_courses")


class PortalMediaView(PortalMixin):
    def get(self, request, pk):
        return _media(request, self.course(pk))


class PortalJsonMixin(PortalMixin):
    def _json(self, request):
        try:
            return json.loads(request.body or b"{}")
        except ValueError:
            raise ServiceError("请求格式错误。")

    def post(self, request, pk):
        session = self.session(pk)
        try:
            return JsonResponse(self.act(request, session))
        except ServiceError as exc:
            return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status)


class PortalHeartbeatView(PortalJsonMixin):
    def act(self, request, session):
        d = self._json(request)
        try:
            start, end = float(d.get("start", 0)), float(d.get("end", 0))
        except (TypeError, ValueError):
            raise ServiceError("进度数据无效。")
        return services.heartbeat(session, actor=request.user, start=start, end=end, visible=bool(d.get("visible")))


class PortalQuizView(PortalJsonMixin):
    def act(self, request, session):
        d = self._json(request)
        answers = {}
        for k, v in (d.get("answers") or {}).items():
            if str(k).isdigit():
                answers[int(k)] = [int(x) for x in (v if isinstance(v, list) else [v]) if str(x).isdigit()]
        return services.submit_quiz(session, actor=request.user, answers=answers)


class PortalFaceCheckView(PortalJsonMixin):
    """begin: challenge or 'unavailable'; submit: multipart burst of JPEG frames → verify_burst."""

    def post(self, request, pk):
        session = self.session(pk)
        try:
            if request.POST.get("step") == "submit" or request.FILES:
                frames = [f.read() for f in request.FILES.getlist("frames")]
                times = [float(x) for x in request.POST.get("capture_times", "").split(",") if x]
                check = services.submit_face_check(session, actor=request.user, frames=frames,
                                                   capture_times=times)
                session.refresh_from_db()
                return JsonResponse({"passed": check.passed, **services.session_state(session)})
            return JsonResponse({**services.begin_face_check(session, actor=request.user),
                                 **services.session_state(StudySession.objects.get(pk=session.pk))})
        except ServiceError as exc:
            return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status)
        except ValueError:
            return JsonResponse({"error": "人脸数据格式错误，请重试。"}, status=400)



def todays_events_widget(request):
    """Workbench card: offline sessions and community service today in the user's scope."""
    user = request.user
    if getattr(user, "role", "") not in OFFICERS and not user.is_superuser:
        return None
    today = timezone.localdate()
    n = Event.objects.visible_to(user).filter(starts_at__date=today).count()
    from django.urls import reverse

    return {"label": "今日教育/公益活动", "value": n, "url": reverse("education:events")}
