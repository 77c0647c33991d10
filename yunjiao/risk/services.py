"""Key-subject criteria: rule-set versions, evaluation, proposals and the officer's decision on them.

Writes go through here with an explicit `actor`; every write is in the audit chain.  The level change
itself (Subject.is_key_subject / supervision_level + SupervisionLevelChange history) is
`change_supervision`, the one place the risk app changes a subject.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from yunjiao.anomalies.models import Anomaly, AnomalyState
from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.orgs.models import Org
from yunjiao.risk import adapters, rules
from yunjiao.risk.models import Proposal, RiskAssessment, RiskFactors, RuleSet, RuleSetVersion
from yunjiao.subjects.choices import Employment, Status
from yunjiao.subjects.models import Subject, SupervisionLevelChange

RULE_EDITORS = frozenset({"city_admin", "city_officer", "county_head"})
DECIDERS = frozenset({"city_admin", "city_officer", "county_head", "county_officer", "township_officer"})
ANOMALY_WINDOW_DAYS = 180


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _require_role(actor, roles, message: str) -> None:
    if actor is SYSTEM or getattr(actor, "is_superuser", False):
        return
    if getattr(actor, "role", None) not in roles:
        raise NotAllowed(message)


# ------------------------------------------------------------------------------------------ rule sets

def default_ruleset() -> RuleSet:
    """The rule set for everyone without a local one; created with version 1 = the defaults."""
    with transaction.atomic():
        rs, created = RuleSet.objects.get_or_create(org=None, defaults={"name": "判断危险重点管控对象标准（默认）"})
        if created or not rs.versions.exists():
            v = RuleSetVersion.objects.create(ruleset=rs, number=1, config=rules.DEFAULT_CONFIG,
                                              state=RuleSetVersion.State.ACTIVE, note="系统默认标准",
                                              activated_at=timezone.now())
            audit.record(SYSTEM, Action.CONFIG, v, summary="建立默认重点管控对象认定标准 v1", org_path="")
    return rs


def version_resolver():
    """A function org_path -> governing active version, reading the rule sets once (for batch runs)."""
    default = default_ruleset().active_version()
    local = []
    for v in RuleSetVersion.objects.filter(state=RuleSetVersion.State.ACTIVE, ruleset__org__isnull=False
                                           ).select_related("ruleset__org"):
        local.append((v.ruleset.org.path, v))
    local.sort(key=lambda pv: -len(pv[0]))

    def resolve(org_path: str) -> RuleSetVersion:
        for path, v in local:
            if org_path == path or org_path.startswith(path + "."):
                return v
        return default

    return resolve


def version_for(subject: Subject) -> RuleSetVersion:
    """The active version of the most local rule set that covers the subject's org."""
    return version_resolver()(subject.org_path)


def ruleset_for_org(org: Org | None, *, actor) -> RuleSet:
    if org is None:
        return default_ruleset()
    with transaction.atomic():
        rs, created = RuleSet.objects.get_or_create(org=org, defaults={"name": f"{org.name}重点管控对象认定标准"})
        if created:
            audit.record(actor, Action.CONFIG, rs, summary=f"建立{org.name}本地认定标准", org_path=org.path)
    return rs


def create_version(ruleset: RuleSet, *, config: dict, note: str, actor) -> RuleSetVersion:
    """A rule change is a new draft version; it changes nothing until activated."""
    _require_role(actor, RULE_EDITORS, "只有市局或县(区)局负责人可以修订认定标准。")
    if ruleset.org is not None and actor is not SYSTEM and not actor.is_superuser:
        if not actor.org or not actor.org.contains(ruleset.org):
            raise NotAllowed("不能修订其他机构的认定标准。")
    elif ruleset.org is None and actor is not SYSTEM and not actor.is_superuser and actor.role == "county_head":
        raise NotAllowed("默认认定标准由市局修订；县(区)局可建立本地标准。")
    errors = rules.parse_config(config)
    if errors:
        raise ServiceError("；".join(errors), code="validation")
    if not note.strip():
        raise ServiceError("请填写修订说明（为什么修改标准）。", code="validation")
    with transaction.atomic():
        RuleSet.objects.select_for_update().get(pk=ruleset.pk)
        number = (ruleset.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        v = RuleSetVersion.objects.create(ruleset=ruleset, number=number, config=config, note=note.strip(),
                                          created_by=None if actor is SYSTEM else actor)
        audit.record(actor, Action.CONFIG, v, summary=f"新建认定标准草稿 {ruleset.name} v{number}：{note[:80]}",
                     after={"config": config}, org_path=ruleset.org.path if ruleset.org else "")
    return v


def _governed_subjects(version: RuleSetVersion, actor):
    qs = Subject.objects.visible_to(actor).active()
    if version.ruleset.org is not None:
        qs = qs.in_org(version.ruleset.org)
    return [s for s in qs if _would_govern(version, s)]


def _would_govern(version: RuleSetVersion, subject: Subject) -> bool:
    current = version_for(subject)
    if current.ruleset_id == version.ruleset_id:
        return True
    org = version.ruleset.org
    cur_org = current.ruleset.org
    return org is not None and (cur_org is None or len(org.path) >= len(cur_org.path))


def preview_version(version: RuleSetVersion, *, actor, today: date | None = None) -> list[dict]:
    """Which subjects would enter or leave the key-subject list if this version were active."""
    today = _today(today)
    out = []
    for s in _governed_subjects(version, actor):
        facts = collect_facts(s, today)
        old = rules.evaluate(version_for(s).config, facts)
        new = rules.evaluate(version.config, facts)
        if old.is_key != new.is_key or old.score != new.score:
            out.append({"subject": s, "old_score": old.score, "new_score": new.score, "old_key": old.is_key,
                        "new_key": new.is_key, "changes_key": old.is_key != new.is_key,
                        "reasons": new.reasons})
    out.sort(key=lambda r: (not r["changes_key"], -r["new_score"]))
    return out


def activate_version(version: RuleSetVersion, *, actor, today: date | None = None) -> RuleSetVersion:
    _require_role(actor, RULE_EDITORS, "只有市局或县(区)局负责人可以启用认定标准。")
    with transaction.atomic():
        v = RuleSetVersion.objects.select_for_update().get(pk=version.pk)
        if v.state != RuleSetVersion.State.DRAFT:
            raise ServiceError("只能启用草稿状态的版本。", code="invalid_state")
        prev = v.ruleset.active_version()
        if prev is not None:
            prev.state = RuleSetVersion.State.RETIRED
            prev.save(update_fields=["state"])
        v.state, v.activated_at = RuleSetVersion.State.ACTIVE, timezone.now()
        v.activated_by = None if actor is SYSTEM else actor
        v.save(update_fields=["state", "activated_at", "activated_by"])
        audit.record(actor, Action.CONFIG, v, summary=f"启用认定标准 {v.ruleset.name} v{v.number}"
                     + (f"（停用 v{prev.number}）" if prev else ""),
                     org_path=v.ruleset.org.path if v.ruleset.org else "")
    evaluate_many(Subject.objects.active().in_org(v.ruleset.org) if v.ruleset.org else Subject.objects.active(),
                  today=today)
    return v


# ------------------------------------------------------------------------------------------ facts

class _Prefetched:
    """The facts of a batch of subjects read in three queries instead of three per subject."""

    def __init__(self, subject_ids, today: date):
        since = today - timedelta(days=ANOMALY_WINDOW_DAYS)
        self.anomalies: dict[int, list] = {i: [] for i in subject_ids}
        for sid, k, t, fa in Anomaly.objects.filter(subject_id__in=subject_ids, last_seen_at__gte=_start_of(since)
                                                   ).values_list("subject_id", "kind", "last_seen_at", "is_false_alarm"):
            self.anomalies[sid].append((k, (today - timezone.localtime(t).date()).days, fa))
        self.factors = {f.subject_id: f for f in RiskFactors.objects.filter(subject_id__in=subject_ids)}
        self.lost = set(Anomaly.objects.filter(subject_id__in=subject_ids, kind="lost_contact", state__in=[
            AnomalyState.OPEN, AnomalyState.ACKNOWLEDGED, AnomalyState.VERIFIED]).values_list("subject_id", flat=True))


def _start_of(day: date):
    return timezone.make_aware(datetime.combine(day, time.min))


def collect_facts(subject: Subject, today: date, prefetched: _Prefetched | None = None) -> rules.SubjectFacts:
    pre = prefetched or _Prefetched([subject.pk], today)
    anomalies = pre.anomalies.get(subject.pk, [])
    sanctions = adapters.sanctions_of(subject, today)
    factors = pre.factors.get(subject.pk)
    lost = subject.status == Status.LOST_CONTACT or subject.pk in pre.lost
    started = subject.report_date or subject.period_start
    days_in = max(0, (today - started).days)
    incident_days = [d for _, d, fa in anomalies if not fa] + [d for _, d in sanctions]
    return rules.SubjectFacts(
        subject_id=subject.pk, name=subject.name, category=subject.category, charges=subject.charges,
        status=subject.status, supervision_level=subject.supervision_level, is_key_subject=subject.is_key_subject,
        days_in_correction=days_in, anomalies=anomalies, sanctions=sanctions, lost_contact=lost,
        family_conflict=bool(factors and factors.family_conflict),
        unemployed=subject.employment == Employment.UNEMPLOYED,
        mental_health=bool((factors and factors.mental_health_flag) or subject.mental_health_note.strip()),
        prior_record=bool(subject.is_recidivist or subject.prior_record.strip()),
        officer_judgement=factors.officer_judgement if factors else "none",
        days_since_incident=min(incident_days + [days_in]),
    )


def set_risk_factors(subject: Subject, *, actor, family_conflict: bool, mental_health_flag: bool,
                     officer_judgement: str, note: str = "") -> RiskFactors:
    _require_role(actor, DECIDERS | {"social_worker"}, "您的角色不能登记风险因素。")
    if not Subject.objects.visible_to(actor).filter(pk=subject.pk).exists():
        raise NotAllowed("该矫正对象不在您的管辖范围内。")
    if officer_judgement not in RiskFactors.Judgement.values:
        raise ServiceError("研判意见无效。", code="validation")
    if officer_judgement == "high" and not note.strip():
        raise ServiceError("研判为高风险时请写明理由。", code="validation")
    with transaction.atomic():
        row, _ = RiskFactors.objects.select_for_update().get_or_create(subject=subject)
        before = {"family_conflict": row.family_conflict, "mental_health_flag": row.mental_health_flag,
                  "officer_judgement": row.officer_judgement}
        row.family_conflict, row.mental_health_flag = family_conflict, mental_health_flag
        row.officer_judgement, row.note = officer_judgement, note.strip()
        row.updated_by = None if actor is SYSTEM else actor
        row.save()
        audit.record(actor, Action.UPDATE, row, subject=subject, before=before,
                     after={"family_conflict": family_conflict, "mental_health_flag": mental_health_flag,
                            "officer_judgement": officer_judgement}, summary="登记风险因素")
    transaction.on_commit(lambda: evaluate_subject(Subject.objects.get(pk=subject.pk)))
    return row


# ------------------------------------------------------------------------------------------ evaluation

def evaluate_subject(subject: Subject, *, today: date | None = None, version: RuleSetVersion | None = None,
                     prefetched: _Prefetched | None = None) -> list[Proposal]:
    """Evaluate one subject (as SYSTEM); keep one pending proposal per kind, replacing stale ones."""
    today = _today(today)
    if subject.status in (Status.DISCHARGED, Status.TERMINATED, Status.PENDING_INTAKE):
        return []
    version = version or version_for(subject)
    facts = collect_facts(subject, today, prefetched)
    ev, wanted = rules.proposals_for(version.config, facts)
    now = timezone.now()
    created = []
    with transaction.atomic():
        values = dict(version=version, score=ev.score, is_key=ev.is_key, reasons=ev.reasons, evaluated_at=now)
        if not RiskAssessment.objects.filter(subject=subject).update(**values):
            RiskAssessment.objects.create(subject=subject, **values)
        pending = {p.kind: p for p in Proposal.objects.select_for_update().filter(
            subject=subject, state=Proposal.State.PENDING)}
        wanted_by_kind = {p.kind: p for p in wanted}
        for kind, p in pending.items():
            w = wanted_by_kind.get(kind)
            if w is None or w.new != p.new_value or w.old != p.old_value:
                p.state, p.decided_at, p.decision_reason = Proposal.State.SUPERSEDED, now, "情况变化，建议自动失效"
                p.save(update_fields=["state", "decided_at", "decision_reason"])
                audit.record(SYSTEM, Action.UPDATE, p, subject=subject, summary=f"管控建议失效：{p.label}")
        for w in wanted:
            p = pending.get(w.kind)
            if p is not None and p.state == Proposal.State.PENDING:
                continue
            row = Proposal.objects.create(subject=subject, org_path=subject.org_path, kind=w.kind, old_value=w.old,
                                          new_value=w.new, reasons=list(w.reasons), score=ev.score, version=version)
            audit.record(SYSTEM, Action.CREATE, row, subject=subject,
                         summary=f"系统建议：{row.label}（{'；'.join(w.reasons)[:150]}）",
                         data={"ruleset_version": version.pk, "score": ev.score})
            created.append(row)
    return created


def evaluate_many(subjects, *, today: date | None = None, chunk: int = 200) -> int:
    """Evaluate many subjects: one transaction per chunk (one commit, not one per subject), the governing
    rule-set version looked up once per org."""
    n = 0
    resolve = version_resolver()
    rows = subjects.iterator(chunk_size=chunk) if hasattr(subjects, "iterator") else iter(subjects)
    while True:
        batch = [s for _, s in zip(range(chunk), rows, strict=False)]
        if not batch:
            return n
        pre = _Prefetched([s.pk for s in batch], _today(today))
        with transaction.atomic():
            for s in batch:
                evaluate_subject(s, today=today, version=resolve(s.org_path), prefetched=pre)
                n += 1


def evaluate_all(*, today: date | None = None) -> int:
    """The daily job."""
    return evaluate_many(Subject.objects.active().exclude(status=Status.PENDING_INTAKE), today=today)


# ------------------------------------------------------------------------------------------ decisions

def change_supervision(subject: Subject, *, actor, reason: str, is_key: bool | None = None,
                       level: str | None = None, effective_date: date | None = None) -> Subject:
    """Change the key-subject flag and/or the management level, with history and audit."""
    if not reason.strip():
        raise ServiceError("请填写调整原因。", code="validation")
    with transaction.atomic():
        s = Subject.objects.select_for_update().get(pk=subject.pk)
        before = {"is_key_subject": s.is_key_subject, "supervision_level": s.supervision_level}
        fields = ["version", "updated_at"]
        if is_key is not None and is_key != s.is_key_subject:
            s.is_key_subject = is_key
            fields.append("is_key_subject")
        if level is not None and level != s.supervision_level:
            if level not in rules.LEVEL_LABELS:
                raise ServiceError("管理等级无效。", code="validation")
            SupervisionLevelChange.objects.create(
                subject=s, old_level=s.supervision_level, new_level=level, reason=reason.strip()[:200],
                effective_date=effective_date or timezone.localdate(), decided_by=None if actor is SYSTEM else actor)
            s.supervision_level = level
            fields.append("supervision_level")
        if len(fields) == 2:
            return s
        s.version += 1
        s.save(update_fields=fields)
        audit.record(actor, Action.UPDATE, s, before=before,
                     after={"is_key_subject": s.is_key_subject, "supervision_level": s.supervision_level},
                     summary=f"调整管控：{reason[:120]}")
    return s


def decide_proposal(proposal: Proposal, *, actor, approve: bool, reason: str = "") -> Proposal:
    """Approve (apply the change) or override (keep as is) — an override needs a reason and is counted."""
    _require_role(actor, DECIDERS, "您的角色不能审核管控建议。")
    if actor is not SYSTEM and not Proposal.objects.visible_to(actor).filter(pk=proposal.pk).exists():
        raise NotAllowed("该建议不在您的管辖范围内。")
    if not approve and not reason.strip():
        raise ServiceError("不采纳系统建议时必须写明理由。", code="validation")
    with transaction.atomic():
        p = Proposal.objects.select_for_update().select_related("subject").get(pk=proposal.pk)
        if p.state != Proposal.State.PENDING:
            raise ServiceError("该建议已处理或已失效，请刷新页面。", code="invalid_state")
        p.state = Proposal.State.APPROVED if approve else Proposal.State.OVERRIDDEN
        p.decided_by, p.decided_at = actor, timezone.now()
        p.decision_reason = (reason.strip() or "同意系统建议")[:300]
        p.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        audit.record(actor, Action.UPDATE, p, subject=p.subject,
                     summary=f"{'采纳' if approve else '否决'}管控建议：{p.label}（{p.decision_reason[:100]}）",
                     after={"state": p.state})
        if approve:
            why = f"采纳系统建议：{'；'.join(p.reasons)[:120]}" + (f"。{reason.strip()}" if reason.strip() else "")
            if p.kind == Proposal.Kind.KEY:
                change_supervision(p.subject, actor=actor, reason=why, is_key=p.new_value == "yes")
            else:
                change_supervision(p.subject, actor=actor, reason=why, level=p.new_value)
    return p


def override_report(actor, *, since: date | None = None) -> list[dict]:
    """Per org below the actor's (or per county for the city): decided proposals and how many overridden."""
    qs = Proposal.objects.visible_to(actor).filter(state__in=[Proposal.State.APPROVED, Proposal.State.OVERRIDDEN])
    if since:
        qs = qs.filter(decided_at__date__gte=since)
    org = getattr(actor, "org", None)
    if org is not None and org.level == "township":
        children = [org]
    elif org is not None:
        children = list(Org.objects.filter(parent=org).order_by("code"))
    else:
        children = list(Org.objects.filter(level="county").order_by("code"))
    rows = []
    for child in children:
        agg = qs.in_org(child).aggregate(total=Count("id"), overridden=Count("id", filter=Q(
            state=Proposal.State.OVERRIDDEN)))
        total, over = agg["total"], agg["overridden"]
        rows.append({"org": child, "total": total, "overridden": over, "approved": total - over,
                     "rate": round(100 * over / total, 1) if total else None})
    return rows
