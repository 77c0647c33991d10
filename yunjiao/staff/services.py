"""Every write of staff management: profiles, work certificates (申领→县审→市批→省备案→有效, 暂扣/发还,
收回, 注销), the enforcement gate, squads, trainings."""

from __future__ import annotations

import io
import secrets
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError
from yunjiao.core.models import next_value
from yunjiao.core.scoping import path_q, scope_path
from yunjiao.orgs.models import EnforcementSquad, Org
from yunjiao.staff import rules
from yunjiao.staff.models import StaffProfile, Training, TrainingAttendance, WorkCertificate

MANAGER_ROLES = {"city_admin", "city_officer", "county_head", "county_officer"}


def _in_branch(actor, org: Org) -> bool:
    if actor is SYSTEM or getattr(actor, "is_superuser", False):
        return True
    return actor.org is not None and actor.org.contains(org)


def _require_manager(actor, org: Org) -> None:
    if actor is SYSTEM:
        return
    if not actor.is_superuser and getattr(actor, "role", "") not in MANAGER_ROLES:
        raise NotAllowed("队伍管理由县(区)司法局或市司法局办理。")
    if not _in_branch(actor, org):
        raise NotAllowed("该机构不在您的管辖范围内。")


def _city_of(org: Org) -> Org:
    while org.parent_id is not None:
        org = org.parent
    return org


# --- profiles -------------------------------------------------------------------------------------

def save_profile(user, *, actor, establishment: str, position: str = "", org: Org | None = None,
                 name: str = "", photo=None) -> StaffProfile:
    org = org or user.org
    if org is None:
        raise ServiceError("请为该工作人员选择所在机构。")
    _require_manager(actor, org)
    if establishment not in rules.ESTABLISHMENT_LABELS:
        raise ServiceError("请选择编制类型（公务员/事业编/社工/辅助人员）。")
    if getattr(user, "role", "") in ("subject", "police_liaison"):
        raise ServiceError("矫正对象和公安联络账号不建立社区矫正工作人员档案。")
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().filter(user=user).first()
        before = None
        changed_job = False
        if profile is None:
            profile = StaffProfile(user=user)
        else:
            before = {"establishment": profile.establishment, "org": profile.org_id, "position": profile.position}
            changed_job = profile.org_id != org.pk or profile.establishment != establishment
        profile.name = name or user.display_name or user.username
        profile.establishment = establishment
        profile.position = position
        profile.org = org
        profile.org_path = org.path
        if photo is not None:
            profile.photo = photo
        profile.save()
        audit.record(actor, Action.UPDATE if before else Action.CREATE, profile, org_path=org.path,
                     summary=f"工作人员档案：{profile.name}（{rules.ESTABLISHMENT_LABELS[establishment]}）",
                     before=before, after={"establishment": establishment, "org": org.pk, "position": position})
        if changed_job:
            # A job change recalls the card (Shandong 2024 rules, domain.md §6.4).
            for cert in WorkCertificate.objects.select_for_update().filter(profile=profile,
                                                                            status__in=["active", "withheld"]):
                _apply(cert, "recall", actor=SYSTEM if actor is SYSTEM else actor,
                       reason="岗位变动，证件依规收回", check_role=False)
    return profile


# --- certificates ---------------------------------------------------------------------------------

def apply_certificate(profile: StaffProfile, *, actor, reason: str = "新申领") -> WorkCertificate:
    _require_manager(actor, profile.org)
    with transaction.atomic():
        open_ = WorkCertificate.objects.select_for_update().filter(
            profile=profile, status__in=["applied", "county_reviewed", "city_approved", "filed", "active",
                                         "withheld"]).first()
        if open_ is not None:
            raise ServiceError(f"{profile.name} 已有一张“{rules.STATUS_LABELS[open_.status]}”的证件，不能重复申领。",
                               code="duplicate")
        cert = WorkCertificate.objects.create(
            profile=profile, card_type=rules.card_type_for(profile.establishment), token=secrets.token_urlsafe(16),
            status="applied", reason=reason, org=profile.org, org_path=profile.org_path,
            history=[_entry(actor, "apply", "申领", reason)])
        audit.record(actor, Action.CREATE, cert, org_path=cert.org_path,
                     summary=f"申领{rules.CARD_TYPE_LABELS[cert.card_type]}：{profile.name}")
    return cert


def _entry(actor, action, label, note) -> dict:
    return {"at": timezone.now().isoformat(timespec="seconds"), "action": action, "label": label,
            "by": "系统" if actor is SYSTEM else str(actor), "note": note}


def _apply(cert: WorkCertificate, action: str, *, actor, reason: str = "", check_role: bool = True) -> WorkCertificate:
    role = "system" if (actor is SYSTEM or getattr(actor, "is_superuser", False) or not check_role) \
        else getattr(actor, "role", "")
    errors = rules.transition_errors(cert.status, action, actor_role=role, reason=reason)
    if errors:
        raise ServiceError(" ".join(errors), code="not_allowed_now")
    _sources, target, _who, label = rules.TRANSITIONS[action]
    before = cert.status
    cert.status = target
    if action == "activate":
        city = _city_of(cert.org)
        year = timezone.localdate().year
        serial = next_value(rules.counter_key(cert.card_type, city.code, year))
        cert.number = rules.certificate_number(cert.card_type, city.code, year, serial)
        cert.issued_at = timezone.now()
        cert.valid_until = date(year + 5, 12, 31)  # UNVERIFIED validity (5 years) — project default
    cert.history = [*cert.history, _entry(actor, action, label, reason)]
    cert.version += 1
    cert.save()
    audit.record(actor, Action.TRANSITION, cert, org_path=cert.org_path,
                 summary=f"工作证件{label}：{cert.profile.name} {cert.number}".strip(),
                 before={"status": before}, after={"status": target}, data={"reason": reason})
    return cert


def act_on_certificate(cert: WorkCertificate, action: str, *, actor, reason: str = "",
                       expected_version: int | None = None) -> WorkCertificate:
    """One step of the certificate process; the actor's level (county/city) is checked by the rules."""
    if actor is not SYSTEM and not _in_branch(actor, cert.org):
        raise NotAllowed("该证件不在您的管辖范围内。")
    with transaction.atomic():
        locked = WorkCertificate.objects.select_for_update().select_related("profile", "org").get(pk=cert.pk)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict("该证件已被他人办理，请刷新后再试。")
        return _apply(locked, action, actor=actor, reason=reason)


def active_certificate(user) -> WorkCertificate | None:
    return (WorkCertificate.objects.filter(profile__user=user).exclude(status__in=["rejected", "cancelled",
                                                                                    "recalled"])
            .order_by("-applied_at").first())


def enforcement_reasons(user) -> list[str]:
    """Why `user` may not carry out an enforcement action (warning decisions, sanction interviews, searches,
    宣告).  Empty list: may enforce.  Auxiliaries and social workers may only co-sign."""
    if user is SYSTEM:
        return []
    profile = StaffProfile.objects.filter(user=user).first()
    if profile is None:
        return rules.enforcement_errors(establishment=None, card_status=None)
    cert = active_certificate(user)
    return rules.enforcement_errors(establishment=profile.establishment, card_status=cert.status if cert else None,
                                    profile_active=profile.is_active)


def enforcement_guard(case, user, data=None) -> list[str]:
    """Workflow guard (engine signature `guard(case, user, data) -> reasons`) for enforcement transitions:
    warning decisions, interview records for sanctions, searches, 宣告."""
    del case, data
    return enforcement_reasons(user)


def may_cosign(user) -> bool:
    return StaffProfile.objects.filter(user=user, is_active=True).exists()


def verification(number_or_token: str) -> dict | None:
    """What the public page may show for a QR code: name, photo, org, status.  None → “无效”."""
    key = (number_or_token or "").strip()
    if not key:
        return None
    cert = (WorkCertificate.objects.select_related("profile", "org").filter(Q(token=key) | Q(number=key))
            .order_by("-applied_at").first())
    if cert is None or not cert.number or cert.status in ("cancelled", "rejected", "applied", "county_reviewed",
                                                          "city_approved", "filed"):
        return None
    return {"name": cert.profile.name, "photo": cert.profile.photo.url if cert.profile.photo else "",
            "org": cert.org.name, "status": rules.STATUS_LABELS[cert.status], "valid": cert.status == "active",
            "number": cert.number}


def qr_svg(url: str) -> str:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, xmldecl=False, svgns=True)
    return buf.getvalue().decode("utf-8")


def qr_png(url: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=6)
    return buf.getvalue()


# --- squads (执法中队 / 矩阵式) ---------------------------------------------------------------------

def users_visible_to(user):
    from yunjiao.accounts.models import User

    path = scope_path(user)
    if path is None:
        return User.objects.none()
    qs = User.objects.filter(is_active=True).exclude(role__in=["subject", "police_liaison"]).select_related("org")
    return qs if path == "" else qs.filter(path_q("org__path", path))


def squads_visible_to(user):
    path = scope_path(user)
    if path is None:
        return EnforcementSquad.objects.none()
    qs = EnforcementSquad.objects.select_related("org")
    return qs if path == "" else qs.filter(path_q("org__path", path))


def save_squad(*, actor, org: Org, name: str, kind: str, members=(), subjects=(), squad=None) -> EnforcementSquad:
    _require_manager(actor, org)
    if org.level == "township":
        raise ServiceError("执法中队/矩阵式小组由县(区)司法局组建。")
    if not name.strip():
        raise ServiceError("请填写名称。")
    if kind not in EnforcementSquad.Kind.values:
        raise ServiceError("请选择类型。")
    for u in members:
        if u.org is None or not org.contains(u.org):
            raise ServiceError(f"{u} 不在 {org.name} 的范围内，不能加入。")
    for s in subjects:
        if not (s.org_path == org.path or s.org_path.startswith(org.path + ".")):
            raise ServiceError(f"矫正对象 {s.name} 不在 {org.name} 的范围内。")
    with transaction.atomic():
        if squad is None:
            squad = EnforcementSquad.objects.create(org=org, name=name.strip(), kind=kind)
        else:
            squad = EnforcementSquad.objects.select_for_update().get(pk=squad.pk)
            squad.name, squad.kind = name.strip(), kind
            squad.save()
        squad.members.set(members)
        squad.subjects.set(subjects)
        audit.record(actor, Action.UPDATE, squad, org_path=org.path,
                     summary=f"{squad.get_kind_display()}“{squad.name}”：成员 {len(members)} 人，负责对象 {len(subjects)} 人")
    return squad


def team_subjects(user, *, viewer):
    """Subjects whose 矫正小组 includes `user` (from CorrectionTeamMember.user), visible to `viewer`."""
    from yunjiao.subjects.models import Subject

    return (Subject.objects.visible_to(viewer).filter(team_members__user=user, team_members__is_active=True)
            .distinct().order_by("name"))


# --- trainings ------------------------------------------------------------------------------------

def create_training(*, actor, org: Org, title: str, start_date: date, end_date: date, hours, organiser: str,
                    mode: str, place: str = "") -> Training:
    _require_manager(actor, org)
    errors = []
    if not title.strip():
        errors.append("请填写培训名称。")
    if end_date < start_date:
        errors.append("结束日期不能早于开始日期。")
    if mode not in dict(rules.TRAINING_MODES):
        errors.append("请选择“请进来”或“走出去”。")
    hours = Decimal(str(hours or 0))
    if hours <= 0:
        errors.append("请填写学时。")
    if not organiser.strip():
        errors.append("请填写主办单位。")
    if errors:
        raise ServiceError(" ".join(errors))
    with transaction.atomic():
        t = Training.objects.create(title=title.strip(), start_date=start_date, end_date=end_date, hours=hours,
                                    organiser=organiser.strip(), mode=mode, place=place, org=org, org_path=org.path)
        audit.record(actor, Action.CREATE, t, org_path=org.path, summary=f"培训：{t.title}")
    return t


def record_attendance(training: Training, profiles, *, actor, hours=None, certificates: dict | None = None) -> int:
    """Attendance of staff at a training; repeated names are merged (one row per person)."""
    _require_manager(actor, training.org)
    n = 0
    with transaction.atomic():
        for p in profiles:
            if actor is not SYSTEM and not _in_branch(actor, p.org) and not training.org.contains(p.org):
                raise NotAllowed(f"{p.name} 不在您的管辖范围内。")
            _row, created = TrainingAttendance.objects.update_or_create(
                training=training, profile=p, defaults={
                    "hours": Decimal(str(hours)) if hours is not None else training.hours,
                    "certificate_number": (certificates or {}).get(p.pk, "")})
            n += created
        audit.record(actor, Action.UPDATE, training, org_path=training.org_path, summary=f"登记参训人员 {n} 人")
    return n


def issue_training_certificates(training: Training, *, actor) -> int:
    """结业证书: a number for every attendee who has none yet (one counter per org and year)."""
    _require_manager(actor, training.org)
    n = 0
    with transaction.atomic():
        for row in TrainingAttendance.objects.select_for_update().filter(training=training, certificate_number=""):
            year = training.end_date.year
            serial = next_value(f"staff.training_cert.{training.org.code}.{year}")
            row.certificate_number = f"{training.org.short_name or training.org.code}培训〔{year}〕{serial:04d}号"
            row.save(update_fields=["certificate_number"])
            n += 1
        audit.record(actor, Action.UPDATE, training, org_path=training.org_path, summary=f"颁发结业证书 {n} 份")
    return n


def training_report(user, year: int) -> dict:
    """Person-times (人次), hours per person and per org for one year, from scoped querysets."""
    rows = TrainingAttendance.objects.visible_to(user).filter(training__start_date__year=year)
    per_person = list(rows.values("profile_id", "profile__name", "profile__org__name")
                      .annotate(times=Count("id"), hours=Sum("hours")).order_by("-hours"))
    per_org = list(rows.values("profile__org__name").annotate(times=Count("id"), hours=Sum("hours"))
                   .order_by("profile__org__name"))
    trainings = Training.objects.visible_to(user).filter(start_date__year=year)
    by_mode = dict(trainings.values_list("mode").annotate(n=Count("id")))
    return {"year": year, "person_times": rows.count(), "people": len(per_person), "hours": rows.aggregate(
        h=Sum("hours"))["h"] or 0, "per_person": per_person, "per_org": per_org,
        "trainings": trainings.count(), "invite_in": by_mode.get("invite_in", 0), "go_out": by_mode.get("go_out", 0)}
