"""Every write of e矫通: courses, online study (heartbeats, face checks, quizzes), offline sessions and
community service, monthly hours accounting."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal

import nh3
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from yunjiao.anomalies.services import raise_anomaly
from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, NotFound, ServiceError
from yunjiao.core.scoping import can_see
from yunjiao.education import rules
from yunjiao.education.models import (
    Attendance,
    AttendanceStatus,
    Course,
    CourseKind,
    Event,
    EventKind,
    FaceCheck,
    FaceStatus,
    HoursCredit,
    HoursKind,
    LevelHours,
    MonthlyHours,
    QuizQuestion,
    StudySession,
)
from yunjiao.subjects.choices import Status
from yunjiao.subjects.models import Subject

WRITER_ROLES = {"city_admin", "city_officer", "county_head", "county_officer", "township_officer",
                "social_worker"}
DEFAULT_MAX_UPLOAD = 500 * 1024 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "EDUCATION_VIDEO_MAX_BYTES", DEFAULT_MAX_UPLOAD))


def too_large_message(size: int | None = None) -> str:
    limit_mb = max_upload_bytes() // (1024 * 1024)
    got = f"（本次约 {size / 1024 / 1024:.0f} MB）" if size else ""
    return f"上传的文件超过 {limit_mb} MB 的上限{got}，请压缩视频（建议 720p、H.264 MP4）后重新上传。"


def _require_officer(actor, org=None) -> None:
    if actor is SYSTEM:
        return
    if getattr(actor, "role", "") not in WRITER_ROLES and not getattr(actor, "is_superuser", False):
        raise NotAllowed("只有社区矫正工作人员可以办理此事项。")
    if org is not None and not (actor.is_superuser or (actor.org and actor.org.contains(org))):
        raise NotAllowed("该机构不在您的管辖范围内。")


def _require_subject_actor(subject: Subject, actor) -> None:
    if actor is SYSTEM:
        return
    if getattr(actor, "role", "") != "subject" or actor.subject_id != subject.pk:
        raise NotAllowed("只能由矫正对象本人在手机上学习。")


# --- courses ------------------------------------------------------------------------------------------

def sanitize_html(html: str) -> str:
    """Rich text keeps formatting, pictures and links; scripts, event handlers and styles are removed."""
    return nh3.clean(html or "", tags={"p", "br", "b", "strong", "i", "em", "u", "h2", "h3", "h4", "ul", "ol",
                                       "li", "blockquote", "a", "img", "span", "table", "thead", "tbody",
                                       "tr", "td", "th"},
                     attributes={"a": {"href", "title"}, "img": {"src", "alt"}},
                     url_schemes={"http", "https"}, link_rel="noopener noreferrer")


def check_video(upload) -> str:
    """Container by magic bytes ('mp4'/'webm'); refuses other formats and oversized files."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_upload_bytes():
        raise ServiceError(too_large_message(size), code="too_large")
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    fmt = rules.sniff_video(head)
    if fmt is None:
        raise ServiceError(f"不支持的视频格式（{rules.describe_unsupported(head)}）：手机只能播放 MP4（H.264）或 WebM，"
                           "请转换格式后再上传。文件名后缀不作为判断依据。", code="bad_format")
    return fmt


def probe_duration(path: str) -> int | None:
    """Video duration by ffprobe (Debian package); None when ffprobe is missing or cannot read it."""
    exe = shutil.which("ffprobe")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "-v", "error", "-show_entries", "format=duration", "-of", "json", path],
                             capture_output=True, timeout=30, check=False)
        return int(float(json.loads(out.stdout or b"{}")["format"]["duration"]) + 0.5)
    except (KeyError, ValueError, subprocess.TimeoutExpired, json.JSONDecodeError):
        return None


def create_course(*, actor, org, title: str, kind: str, category: str, hours, audience: str = "all",
                  audience_value: str = "", required: bool = True, description: str = "", video=None,
                  body_html: str = "", pdf=None, duration_seconds: int | None = None,
                  min_read_seconds: int = 60) -> Course:
    _require_officer(actor, org)
    errors = []
    if not title.strip():
        errors.append("请填写课程名称。")
    if kind not in CourseKind.values:
        errors.append("请选择课程形式。")
    if category not in dict(rules.CATEGORIES):
        errors.append("请选择课程类别。")
    if audience not in dict(rules.AUDIENCES):
        errors.append("请选择面向对象。")
    elif audience in ("category", "charge") and not audience_value.strip():
        errors.append("按类别或罪名推送时，请填写对象范围。")
    hours = Decimal(str(hours or 0))
    if hours <= 0 or hours > 24:
        errors.append("计入学时应在 0 到 24 小时之间。")
    fmt = ""
    if kind == CourseKind.VIDEO:
        if video is None:
            errors.append("请上传视频文件。")
        else:
            fmt = check_video(video)
    elif kind == CourseKind.PDF:
        if pdf is None:
            errors.append("请上传 PDF 文件。")
        else:
            pdf.seek(0)
            if pdf.read(5) != b"%PDF-":
                errors.append("上传的文件不是 PDF 文档，请重新选择。")
            pdf.seek(0)
    elif kind == CourseKind.RICHTEXT and not sanitize_html(body_html).strip():
        errors.append("请填写图文内容。")
    if errors:
        raise ServiceError(" ".join(errors))
    with transaction.atomic():
        course = Course(title=title.strip(), kind=kind, category=category, audience=audience,
                        audience_value=audience_value.strip(), required=required, hours=hours,
                        description=description, body_html=sanitize_html(body_html), org=org, org_path=org.path,
                        created_by=None if actor is SYSTEM else actor, video_format=fmt,
                        min_read_seconds=max(10, int(min_read_seconds or 60)))
        if video is not None and kind == CourseKind.VIDEO:
            course.video.save(f"course.{fmt}", video, save=False)
            course.duration_seconds = probe_duration(course.video.path) or int(duration_seconds or 0)
            if not course.duration_seconds:
                course.video.delete(save=False)
                raise ServiceError("无法读取视频时长：文件可能已损坏，请重新导出后上传。", code="bad_video")
        if pdf is not None and kind == CourseKind.PDF:
            course.pdf.save("course.pdf", pdf, save=False)
        course.save()
        audit.record(actor, Action.CREATE, course, org_path=org.path, summary=f"新建课程：{course.title}")
    return course


def add_question(course: Course, *, actor, text: str, options: list[str], correct: list[int]) -> QuizQuestion:
    _require_officer(actor, course.org)
    options = [o.strip() for o in options if o and o.strip()]
    errors = rules.question_errors(text, options, correct)
    if errors:
        raise ServiceError(" ".join(errors), code="bad_question")
    with transaction.atomic():
        q = QuizQuestion.objects.create(course=course, text=text.strip(), options=options,
                                        correct=sorted(set(correct)), order=course.questions.count())
        audit.record(actor, Action.UPDATE, course, org_path=course.org_path, summary=f"添加测验题：{q.text[:40]}")
    return q


def publish_course(course: Course, *, actor) -> Course:
    _require_officer(actor, course.org)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        course.published = True
        course.save(update_fields=["published"])
        audit.record(actor, Action.UPDATE, course, org_path=course.org_path, summary=f"发布课程：{course.title}")
    return course


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def courses_for(subject: Subject) -> list[Course]:
    """Published courses of the subject's township, county or city whose audience covers the subject."""
    qs = Course.objects.filter(published=True, org_path__in=_ancestor_paths(subject.org_path))
    return [c for c in qs.order_by("-required", "-created_at")
            if rules.audience_matches(c.audience, c.audience_value, category=subject.category,
                                      charges=subject.charges, juvenile=subject.is_juvenile)]


def course_for_subject(subject: Subject, pk: int) -> Course:
    for c in courses_for(subject):
        if c.pk == int(pk):
            return c
    raise NotFound("没有找到这门课程，或它不面向您。")


# --- online study ---------------------------------------------------------------------------------

def face_checks_enabled() -> bool:
    return bool(getattr(settings, "EDUCATION_FACE_CHECKS", True))


def start_session(subject: Subject, course: Course, *, actor) -> StudySession:
    """Open (or resume) the subject's session for a course; picks the random face-check moment."""
    _require_subject_actor(subject, actor)
    course_for_subject(subject, course.pk)
    with transaction.atomic():
        session = (StudySession.objects.select_for_update()
                   .filter(subject=subject, course=course, completed_at__isnull=True, voided=False).first())
        if session is not None:
            return session
        check_at = None
        if face_checks_enabled():
            span = course.duration_seconds if course.kind == CourseKind.VIDEO else course.min_read_seconds
            check_at = round(random.uniform(0.15, 0.75) * span, 1) if span else None
        session = StudySession.objects.create(subject=subject, course=course, face_check_at=check_at,
                                              last_heartbeat_at=timezone.now())
        audit.record(actor, Action.CREATE, session, subject=subject, summary=f"开始学习：{course.title}")
    return session


def _lock_session(session: StudySession, actor) -> StudySession:
    locked = StudySession.objects.select_for_update().select_related("course", "subject").get(pk=session.pk)
    _require_subject_actor(locked.subject, actor)
    return locked


def heartbeat(session: StudySession, *, actor, start: float, end: float, visible: bool,
              now: datetime | None = None) -> dict:
    """One playback heartbeat: the segment [start, end) of the video was played since the last one.

    Hidden-tab segments, skips and segments faster than possible earn nothing.  Heartbeats of one session
    are serialised by the row lock, and the clock is read once the lock is held, so two heartbeats sent
    at the same moment are judged one after the other on the same clock.  Plausibility is judged on the
    whole session (union of watched segments vs time since the start), so an honest heartbeat arriving
    right after another one is credited.  Returns what the page needs: watched seconds, progress, and
    whether the face check or the quiz is due."""
    with transaction.atomic():
        s = _lock_session(session, actor)
        now = now or timezone.now()
        if s.voided:
            raise ServiceError("本次学习因人脸核验未通过不予计时，请联系司法所。", code="voided")
        if s.completed_at:
            return _state(s, note="本课程已完成。")
        if s.face_status == FaceStatus.PENDING:
            return _state(s, note="请先完成人脸核验，再继续学习。")
        wall = max(0.0, (now - (s.last_heartbeat_at or s.started_at)).total_seconds())
        s.last_heartbeat_at = max(now, s.last_heartbeat_at) if s.last_heartbeat_at else now
        note = ""
        course = s.course
        if course.kind == CourseKind.VIDEO:
            seg = rules.accept_segment(float(start), float(end), duration=course.duration_seconds)
            if not visible:
                s.rejected_seconds += max(0.0, float(end) - float(start))
                note = "页面在后台时的播放不计入学时。"
            elif seg is not None:
                merged = rules.merge_intervals([tuple(i) for i in s.intervals] + [seg])
                covered = rules.covered_seconds(merged)
                if rules.plausible_total(covered, (now - s.started_at).total_seconds()):
                    s.intervals = [[round(a, 2), round(b, 2)] for a, b in merged]
                    s.watched_seconds = round(covered, 2)
                else:
                    s.rejected_seconds += max(0.0, float(end) - float(start))
                    note = "拖动跳过的部分、超过实际经过的时间上报的播放不计入学时。"
            total = course.duration_seconds
        else:
            if visible:
                s.watched_seconds = round(s.watched_seconds + min(wall, max(0.0, float(end) - float(start)), 60.0), 2)
            else:
                note = "页面在后台时的阅读不计入学时。"
            total = course.min_read_seconds
        if (s.face_check_at is not None and s.face_status == FaceStatus.NONE
                and s.watched_seconds >= s.face_check_at):
            s.face_status = FaceStatus.PENDING
        s.version += 1
        s.save()
        if s.face_status != FaceStatus.PENDING and rules.study_complete(s.watched_seconds, total):
            if not course.has_quiz:
                _finish(s, actor=actor)
    return _state(s, note=note)


def _state(s: StudySession, note: str = "") -> dict:
    total = s.course.duration_seconds if s.course.kind == CourseKind.VIDEO else s.course.min_read_seconds
    watched_enough = rules.study_complete(s.watched_seconds, total)
    return {
        "watched": s.watched_seconds, "total": total, "progress": min(100, int(s.watched_seconds * 100 / total))
        if total else 0, "intervals": s.intervals, "face_check": s.face_status == FaceStatus.PENDING,
        "face_status": s.face_status, "quiz": watched_enough and not s.completed_at and s.course.has_quiz
        and s.face_status != FaceStatus.PENDING and not s.voided,
        "completed": bool(s.completed_at), "credited_hours": str(s.credited_hours), "voided": s.voided,
        "note": note,
    }


def session_state(session: StudySession) -> dict:
    return _state(session)


def _finish(s: StudySession, *, actor) -> None:
    """Credit a completed session (inside the caller's transaction, session locked)."""
    if s.completed_at or s.voided or s.face_status in (FaceStatus.PENDING, FaceStatus.FAILED):
        return
    s.completed_at = timezone.now()
    s.credited_hours = s.course.hours
    s.save(update_fields=["completed_at", "credited_hours"])
    HoursCredit.objects.create(subject=s.subject, kind=HoursKind.EDUCATION, day=timezone.localdate(s.completed_at),
                               hours=s.course.hours, source=f"云课堂：{s.course.title}", session=s)
    audit.record(actor, Action.UPDATE, s, subject=s.subject,
                 summary=f"完成在线学习《{s.course.title}》，计入 {s.course.hours} 小时"
                         f"（人脸核验：{s.get_face_status_display()}）")


def submit_quiz(session: StudySession, *, actor, answers: dict[int, list[int]]) -> dict:
    with transaction.atomic():
        s = _lock_session(session, actor)
        if s.voided:
            raise ServiceError("本次学习因人脸核验未通过不予计时，请联系司法所。", code="voided")
        total = s.course.duration_seconds if s.course.kind == CourseKind.VIDEO else s.course.min_read_seconds
        if not rules.study_complete(s.watched_seconds, total):
            raise ServiceError("请先学完课程内容再答题。", code="not_watched")
        if s.face_status == FaceStatus.PENDING:
            raise ServiceError("请先完成人脸核验。", code="face_pending")
        keys = {q.pk: q.correct for q in s.course.questions.all()}
        right, n, passed = rules.quiz_score(answers, keys)
        s.quiz_right, s.quiz_total, s.quiz_passed = right, n, passed
        s.save(update_fields=["quiz_right", "quiz_total", "quiz_passed"])
        audit.record(actor, Action.UPDATE, s, subject=s.subject, summary=f"课后测验 {right}/{n}")
        if passed:
            _finish(s, actor=actor)
    return {**_state(s), "right": right, "total_questions": n, "passed": passed}


def record_face_check(session: StudySession, *, passed: bool, scores: dict, actor=SYSTEM,
                      unavailable: bool = False) -> FaceCheck:
    """The interface between study sessions and the check-in face verification.

    A failed check voids the session (no credit, credit withdrawn if any) and raises `study_face_failed`.
    `unavailable=True` records that verification could not run (the session stays creditable, flagged)."""
    with transaction.atomic():
        s = StudySession.objects.select_for_update().select_related("course", "subject").get(pk=session.pk)
        check = FaceCheck.objects.create(session=s, passed=passed, scores=scores or {})
        if unavailable:
            s.face_status = FaceStatus.UNAVAILABLE
        elif passed:
            s.face_status = FaceStatus.PASSED
        else:
            s.face_status = FaceStatus.FAILED
            s.voided = True
            s.void_reason = "学习过程中人脸抽查未通过"
            credit = HoursCredit.objects.filter(session=s).first()
            if credit is not None:
                credit.delete()
                s.credited_hours = 0
        s.version += 1
        s.save()
        audit.record(actor, Action.UPDATE, s, subject=s.subject,
                     summary=f"学习人脸抽查：{s.get_face_status_display()}（《{s.course.title}》）",
                     data={"scores": scores or {}})
        if s.face_status == FaceStatus.FAILED:
            raise_anomaly(s.subject, kind="study_face_failed", actor=actor, source="education",
                          summary=f"在线学习《{s.course.title}》人脸抽查未通过，疑似代学，本次学习不计学时。",
                          evidence={"session": s.pk, "scores": _small(scores)}, related=s,
                          episode=f"study:{s.pk}")
        total = s.course.duration_seconds if s.course.kind == CourseKind.VIDEO else s.course.min_read_seconds
        if s.face_status in (FaceStatus.PASSED, FaceStatus.UNAVAILABLE) and not s.course.has_quiz \
                and rules.study_complete(s.watched_seconds, total):
            _finish(s, actor=actor)
    return check


def _small(scores) -> dict:
    if not isinstance(scores, dict):
        return {}
    return {k: v for k, v in scores.items() if k in ("outcome", "reasons", "best_match", "matched_frames", "error")}


def face_backend():
    """(verify_burst, active_enrolment, random_challenge, challenge_text) from the check-in module, or None."""
    try:
        from yunjiao.checkins.face.burst import BurstRejected, verify_burst
        from yunjiao.checkins.face.liveness import challenge_text, random_challenge
        from yunjiao.checkins.services import active_enrolment
    except ImportError:
        return None
    return {"verify_burst": verify_burst, "active_enrolment": active_enrolment, "rejected": BurstRejected,
            "random_challenge": random_challenge, "challenge_text": challenge_text}


FACE_UNAVAILABLE = "人脸核验功能在本系统中不可用（未安装信息化核查的人脸模块），本次抽查无法进行，已记录；学习照常计时。"


def begin_face_check(session: StudySession, *, actor) -> dict:
    """Start the due face check: a challenge for the camera, or a clear 'unavailable'."""
    with transaction.atomic():
        s = _lock_session(session, actor)
    if s.face_status != FaceStatus.PENDING:
        raise ServiceError("当前不需要人脸核验。", code="not_due")
    backend = face_backend()
    if backend is None:
        record_face_check(s, passed=False, scores={"error": "face_module_missing"}, actor=actor, unavailable=True)
        return {"available": False, "message": FACE_UNAVAILABLE}
    if backend["active_enrolment"](s.subject) is None:
        record_face_check(s, passed=False, scores={"error": "not_enrolled"}, actor=actor, unavailable=True)
        return {"available": False, "message": "您尚未登记人脸，无法进行抽查，已记录；请尽快到司法所登记人脸。"}
    challenge = list(backend["random_challenge"]())
    with transaction.atomic():
        s = _lock_session(s, actor)
        s.face_challenge = challenge  # kept server-side: the burst is judged against this, not the client's
        s.save(update_fields=["face_challenge"])
    return {"available": True, "challenge": challenge, "text": backend["challenge_text"](challenge)}


def submit_face_check(session: StudySession, *, actor, frames: list[bytes], capture_times: list[float],
                      challenge: list[str] | None = None) -> FaceCheck:
    """Run the check-in face verification (`verify_burst`) on a burst from the study page, against the
    challenge issued by `begin_face_check` (a challenge sent by the page is ignored)."""
    del challenge
    with transaction.atomic():
        s = _lock_session(session, actor)
    if s.face_status != FaceStatus.PENDING:
        raise ServiceError("当前不需要人脸核验。", code="not_due")
    backend = face_backend()
    if backend is None:
        return record_face_check(s, passed=False, scores={"error": "face_module_missing"}, actor=actor,
                                 unavailable=True)
    enrolment = backend["active_enrolment"](s.subject)
    if enrolment is None:
        return record_face_check(s, passed=False, scores={"error": "not_enrolled"}, actor=actor, unavailable=True)
    if not s.face_challenge:
        raise ServiceError("请先点击“开始核验”获取动作提示。", code="no_challenge")
    try:
        result = backend["verify_burst"](frames, capture_times, list(s.face_challenge), enrolment.templates())
    except backend["rejected"] as exc:
        raise ServiceError(f"{exc.reason}请重新拍摄。", code=exc.code)
    return record_face_check(s, passed=result.passed, scores=result.as_dict(), actor=actor)


# --- offline sessions and community service ----------------------------------------------------------

def schedule_event(*, actor, org, kind: str, topic: str, place: str, starts_at: datetime, ends_at: datetime,
                   hours, subjects=()) -> Event:
    _require_officer(actor, org)
    errors = []
    if kind not in EventKind.values:
        errors.append("请选择活动类型。")
    if not topic.strip():
        errors.append("请填写主题。")
    if not place.strip():
        errors.append("请填写地点。")
    if not starts_at or not ends_at or ends_at <= starts_at:
        errors.append("结束时间应晚于开始时间。")
    hours = Decimal(str(hours or 0))
    if hours <= 0 or hours > 24:
        errors.append("计入时长应在 0 到 24 小时之间。")
    if errors:
        raise ServiceError(" ".join(errors))
    with transaction.atomic():
        event = Event.objects.create(kind=kind, topic=topic.strip(), place=place.strip(), starts_at=starts_at,
                                     ends_at=ends_at, hours=hours, org=org, org_path=org.path,
                                     created_by=None if actor is SYSTEM else actor)
        for subject in subjects:
            _expect(event, subject, actor)
        audit.record(actor, Action.CREATE, event, org_path=org.path,
                     summary=f"安排{event.get_kind_display()}：{event.topic}（{len(list(subjects))} 人）")
    return event


def _expect(event: Event, subject: Subject, actor) -> Attendance:
    if actor is not SYSTEM and not can_see(actor, subject):
        raise NotAllowed(f"矫正对象 {subject.name} 不在您的管辖范围内。")
    att, _ = Attendance.objects.get_or_create(event=event, subject=subject)
    return att


def sign_in(event: Event, subject: Subject, *, actor, method: str = "officer", at: datetime | None = None
            ) -> tuple[Attendance, str]:
    """On-site sign-in.  A second sign-in of the same person is merged into the first (clear message)."""
    _require_officer(actor)
    at = at or timezone.now()
    if actor is not SYSTEM and not can_see(actor, subject):
        raise NotAllowed("该矫正对象不在您的管辖范围内。")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.closed_at:
            raise ServiceError("考勤已结束，不能再签到；如需更正请联系组织单位。", code="closed")
        if at < event.starts_at - timedelta(hours=2) or at > event.ends_at + timedelta(hours=2):
            raise ServiceError("不在签到时间内（开始前 2 小时至结束后 2 小时）。", code="not_open")
        att, _ = Attendance.objects.select_for_update().get_or_create(event=event, subject=subject)
        if att.status == AttendanceStatus.PRESENT:
            att.duplicate_count += 1
            att.save(update_fields=["duplicate_count"])
            msg = (f"{subject.name} 已于 {timezone.localtime(att.signed_in_at):%H:%M} 签到，本次重复签到已合并，"
                   "不重复计时。")
            audit.record(actor, Action.UPDATE, att, subject=subject, summary=f"重复签到已合并：{event.topic}")
            return att, msg
        att.status = AttendanceStatus.PRESENT
        att.signed_in_at = at
        att.signed_in_by = None if actor is SYSTEM else actor
        att.method = method
        att.save()
        audit.record(actor, Action.UPDATE, att, subject=subject, summary=f"签到：{event}")
    return att, f"{subject.name} 签到成功。"


def begin_face_sign_in(event: Event, subject: Subject, *, actor) -> dict:
    """On-site sign-in by face (officer's phone or the centre's kiosk page): issue a liveness challenge kept
    on the attendance row; or say clearly that face verification is unavailable."""
    _require_officer(actor)
    if actor is not SYSTEM and not can_see(actor, subject):
        raise NotAllowed("该矫正对象不在您的管辖范围内。")
    backend = face_backend()
    if backend is None:
        return {"available": False, "message": "人脸核验功能在本系统中不可用（未安装信息化核查的人脸模块），"
                                               "请改用人工核对身份后签到。"}
    if backend["active_enrolment"](subject) is None:
        return {"available": False, "message": f"{subject.name} 尚未登记人脸，请人工核对身份后签到。"}
    challenge = list(backend["random_challenge"]())
    with transaction.atomic():
        att, _ = Attendance.objects.select_for_update().get_or_create(event=event, subject=subject)
        att.face_challenge = challenge
        att.save(update_fields=["face_challenge"])
    return {"available": True, "challenge": challenge, "text": backend["challenge_text"](challenge)}


def face_sign_in(event: Event, subject: Subject, *, actor, frames: list[bytes], capture_times: list[float]
                 ) -> tuple[Attendance, str]:
    """Verify the burst with the check-in verifier against the issued challenge, then sign in."""
    _require_officer(actor)
    backend = face_backend()
    if backend is None:
        raise ServiceError("人脸核验功能不可用，请人工核对身份后签到。", code="face_unavailable")
    att = Attendance.objects.filter(event=event, subject=subject).first()
    if att is None or not att.face_challenge:
        raise ServiceError("请先点击“人脸签到”获取动作提示。", code="no_challenge")
    enrolment = backend["active_enrolment"](subject)
    if enrolment is None:
        raise ServiceError(f"{subject.name} 尚未登记人脸。", code="not_enrolled")
    try:
        result = backend["verify_burst"](frames, capture_times, list(att.face_challenge), enrolment.templates())
    except backend["rejected"] as exc:
        raise ServiceError(f"{exc.reason}请重新拍摄。", code=exc.code)
    scores = result.as_dict()
    with transaction.atomic():
        locked = Attendance.objects.select_for_update().get(pk=att.pk)
        locked.face_challenge = []
        locked.face_scores = _small(scores)
        locked.save(update_fields=["face_challenge", "face_scores"])
        audit.record(actor, Action.UPDATE, locked, subject=subject, data={"scores": _small(scores)},
                     summary=f"人脸签到{'通过' if result.passed else '未通过'}：{event.topic}")
    if not result.passed:
        reasons = "；".join(scores.get("reasons") or []) or "人脸比对未通过"
        raise ServiceError(f"人脸签到未通过（{reasons}），请重试或人工核对身份。", code="face_failed")
    return sign_in(event, subject, actor=actor, method="face")


def close_event(event: Event, *, actor) -> dict:
    """End attendance: credit hours to those present; the expected who did not come become anomalies."""
    if actor is not SYSTEM:
        _require_officer(actor, event.org)
    absent = []
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.closed_at:
            raise ServiceError("考勤已结束。", code="closed")
        event.closed_at = timezone.now()
        event.save(update_fields=["closed_at"])
        kind = HoursKind.SERVICE if event.is_service else HoursKind.EDUCATION
        present = 0
        for att in Attendance.objects.select_for_update().filter(event=event).select_related("subject"):
            if att.status == AttendanceStatus.PRESENT:
                att.hours = event.hours
                att.save(update_fields=["hours"])
                HoursCredit.objects.create(subject=att.subject, kind=kind, day=timezone.localdate(event.starts_at),
                                           hours=event.hours, source=f"{event.get_kind_display()}：{event.topic}",
                                           attendance=att)
                present += 1
            elif att.status == AttendanceStatus.EXPECTED:
                att.status = AttendanceStatus.ABSENT
                att.save(update_fields=["status"])
                absent.append(att)
        audit.record(actor, Action.UPDATE, event, org_path=event.org_path,
                     summary=f"结束考勤：实到 {present} 人，缺席 {len(absent)} 人")
        for att in absent:
            raise_anomaly(att.subject, kind="education_absent", actor=actor, source="education", related=event,
                          summary=f"未参加{event.get_kind_display()}“{event.topic}”"
                                  f"（{timezone.localtime(event.starts_at):%m月%d日 %H:%M}，{event.place}）",
                          evidence={"event": event.pk}, episode=f"event:{event.pk}")
    return {"present": present, "absent": len(absent)}


def excuse(attendance: Attendance, *, actor, reason: str) -> Attendance:
    _require_officer(actor, attendance.event.org)
    if not reason.strip():
        raise ServiceError("请填写请假事由。")
    with transaction.atomic():
        att = Attendance.objects.select_for_update().get(pk=attendance.pk)
        if att.status != AttendanceStatus.EXPECTED:
            raise ServiceError("只有尚未签到的人员可以登记请假。")
        att.status = AttendanceStatus.EXCUSED
        att.save(update_fields=["status"])
        audit.record(actor, Action.UPDATE, att, subject=att.subject, summary=f"登记请假：{reason[:60]}")
    return att


def close_finished_events(*, actor=SYSTEM, now: datetime | None = None) -> int:
    """Job: events that ended more than 12 hours ago and are still open are closed automatically."""
    now = now or timezone.now()
    n = 0
    for event in Event.objects.filter(closed_at__isnull=True, ends_at__lt=now - timedelta(hours=12)):
        close_event(event, actor=actor)
        n += 1
    return n


# --- monthly accounting ------------------------------------------------------------------------------

def requirement_table() -> dict[str, rules.Requirement]:
    table = dict(rules.DEFAULT_HOURS)
    for row in LevelHours.objects.all():
        table[row.level] = rules.Requirement(row.education_hours, row.service_hours, True, row.note or "本市配置")
    return table


def set_level_hours(level: str, *, actor, education_hours, service_hours, note: str = "") -> LevelHours:
    if actor is not SYSTEM and getattr(actor, "role", "") not in ("city_admin",) and not actor.is_superuser:
        raise NotAllowed("学时标准由市局管理员配置。")
    with transaction.atomic():
        row, _ = LevelHours.objects.update_or_create(level=level, defaults=dict(
            education_hours=Decimal(str(education_hours)), service_hours=Decimal(str(service_hours)), note=note))
        audit.record(actor, Action.CONFIG, row, org_path="", summary=f"学时标准 {level}：教育 {education_hours} h，"
                                                                     f"公益 {service_hours} h")
    return row


def level_timeline(subject: Subject, month: date) -> dict[str, int]:
    first, last = rules.month_bounds(month)
    changes = list(subject.level_changes.order_by("effective_date", "id").values_list("effective_date", "old_level",
                                                                                      "new_level"))
    before = [c for c in changes if c[0] <= first]
    if before:
        initial = before[-1][2]
    else:
        later = [c for c in changes if c[0] > first and c[1]]
        initial = later[0][1] if later else subject.supervision_level
    inside = [(d, new) for d, _old, new in changes if first < d <= last]
    return rules.level_days(month, initial, inside, start=subject.period_start, end=subject.period_end)


def credited(subject: Subject, month: date) -> tuple[Decimal, Decimal]:
    first, last = rules.month_bounds(month)
    sums = {row["kind"]: row["h"] for row in HoursCredit.objects.filter(subject=subject, day__gte=first, day__lte=last)
            .values("kind").annotate(h=Sum("hours"))}
    return rules.q(sums.get(HoursKind.EDUCATION) or 0), rules.q(sums.get(HoursKind.SERVICE) or 0)


def month_account(subject: Subject, month: date, table=None) -> dict:
    days = level_timeline(subject, month)
    req_edu, req_svc = rules.required_hours(month, days, table or requirement_table())
    cr_edu, cr_svc = credited(subject, month)
    return {"subject": subject, "levels": days, "required_edu": req_edu, "credited_edu": cr_edu,
            "required_service": req_svc, "credited_service": cr_svc,
            "shortfall": rules.shortfall(req_edu, cr_edu, req_svc, cr_svc)}


def _subjects_in_month(month: date):
    first, last = rules.month_bounds(month)
    return (Subject.objects.filter(period_start__lte=last, period_end__gte=first)
            .exclude(status=Status.PENDING_INTAKE))


def close_month(month: date, *, actor=SYSTEM) -> int:
    """Month-end record for the assessment module; shortfalls become `education_shortfall` anomalies."""
    first, _ = rules.month_bounds(month)
    table = requirement_table()
    n = 0
    for subject in _subjects_in_month(first):
        acc = month_account(subject, first, table)
        with transaction.atomic():
            row, _ = MonthlyHours.objects.update_or_create(subject=subject, month=first, defaults=dict(
                required_edu=acc["required_edu"], credited_edu=acc["credited_edu"],
                required_service=acc["required_service"], credited_service=acc["credited_service"],
                shortfall=acc["shortfall"], levels=acc["levels"], org_path=subject.org_path,
                closed_at=timezone.now()))
            audit.record(actor, Action.UPDATE, row, subject=subject,
                         summary=f"{first:%Y年%m月}学时结算：教育 {acc['credited_edu']}/{acc['required_edu']} h，"
                                 f"公益 {acc['credited_service']}/{acc['required_service']} h")
            if acc["shortfall"] > 0:
                raise_anomaly(subject, kind="education_shortfall", actor=actor, source="education", related=row,
                              summary=f"{first:%Y年%m月}学时不足：教育 {acc['credited_edu']}/{acc['required_edu']} 小时，"
                                      f"公益活动 {acc['credited_service']}/{acc['required_service']} 小时",
                              episode=f"month:{first:%Y-%m}")
        n += 1
    return n


def warn_shortfalls(*, actor=SYSTEM, today: date | None = None) -> int:
    """During the month: tell the subject and the responsible township when hours lag behind."""
    from yunjiao.notifications.services import notify, officers_of

    today = today or timezone.localdate()
    table = requirement_table()
    n = 0
    for subject in _subjects_in_month(today).select_related("township", "execution_org"):
        acc = month_account(subject, today, table)
        lag_edu = rules.warn_during_month(today, acc["required_edu"], acc["credited_edu"])
        lag_svc = rules.warn_during_month(today, acc["required_service"], acc["credited_service"])
        if not (lag_edu or lag_svc):
            continue
        body = (f"本月已学 {acc['credited_edu']}/{acc['required_edu']} 小时，公益活动 "
                f"{acc['credited_service']}/{acc['required_service']} 小时。")
        recipients = list(officers_of(subject.responsible_org))
        from yunjiao.accounts.models import User

        recipients += list(User.objects.filter(subject=subject, is_active=True))
        notify(recipients, title=f"{subject.name} 本月学时进度落后", body=body, category="education", actor=actor)
        n += 1
    return n


def hours_report(user, month: date, *, level: str = "township") -> list[dict]:
    """Rows per township / county / city: subjects, required and credited hours, shortfalls."""
    from yunjiao.orgs.models import Org

    first, _ = rules.month_bounds(month)
    rows = MonthlyHours.objects.visible_to(user).filter(month=first)
    buckets: dict[str, dict] = {}
    depth = {"city": 1, "county": 2, "township": 3}[level]
    for r in rows.values("org_path", "required_edu", "credited_edu", "required_service", "credited_service",
                         "shortfall"):
        key = ".".join(r["org_path"].split(".")[:depth])
        b = buckets.setdefault(key, {"path": key, "subjects": 0, "required_edu": Decimal(0), "credited_edu": Decimal(0),
                                     "required_service": Decimal(0), "credited_service": Decimal(0), "short": 0})
        b["subjects"] += 1
        for f in ("required_edu", "credited_edu", "required_service", "credited_service"):
            b[f] += r[f]
        b["short"] += 1 if r["shortfall"] > 0 else 0
    names = dict(Org.objects.filter(path__in=list(buckets)).values_list("path", "name"))
    out = []
    for key in sorted(buckets):
        b = buckets[key]
        b["org"] = names.get(key, key)
        out.append(b)
    return out


def previous_month(today: date | None = None) -> date:
    first = (today or timezone.localdate()).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)
