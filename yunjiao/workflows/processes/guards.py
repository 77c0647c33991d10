"""Guards shared by the process declarations.

A guard is `guard(case, user, data) -> list[str]`: the reasons (in Chinese, telling the person what
to do) why the step may not happen.  `data` is None when the case page asks whether to enable a
button; guards about submitted values then return [].  Guards read the database through the
subject's related rows and the Case table; they never write.
"""

from __future__ import annotations

from django.utils import timezone

from yunjiao.subjects.choices import Category, Sex

# Processes whose open cases block discharge (司办通〔2021〕94号; domain.md §2.8, D18).
BLOCKING = {
    "termination": {"proposed"},
    "coercive_measure": {"in_effect"},
}


def _subject(case):
    return getattr(case, "subject", None)


def township_in_case_county(case, user, data):
    if not data or "township" not in data:
        return []
    from yunjiao.orgs.models import Org, OrgLevel

    org = Org.objects.filter(pk=data["township"], level=OrgLevel.TOWNSHIP, is_active=True).first()
    if org is None:
        return ["请选择一个有效的司法所"]
    county_path = case.org_path.split(".")[:2]
    if org.path.split(".")[:2] != county_path:
        return [f"“{org.name}”不属于本案件所在的县(区)，只能指派本县(区)的司法所"]
    return []


def documents_received(case, user, data):
    if (case.data or {}).get("documents_received_date"):
        return []
    return ["决定机关的法律文书尚未收到，请先办理“登记补齐的法律文书”再登记建档"]


def juvenile_announcement_not_public(case, user, data):
    subject = _subject(case)
    if data and data.get("public") and subject is not None and subject.is_juvenile:
        return ["未成年社区矫正对象的入矫宣告不得公开进行，请取消“公开宣告”"]
    return []


def team_formed(case, user, data):
    """LAW art.25: a correction team per subject; a female subject's team must include a woman."""
    subject = _subject(case)
    if subject is None:
        return ["案件未关联社区矫正对象"]
    members = subject.team_members.filter(is_active=True)
    reasons = []
    if not members.exists():
        reasons.append("尚未确定矫正小组，请先在对象档案中添加矫正小组成员（社区矫正法第25条）")
    elif subject.sex == Sex.FEMALE and not members.filter(sex=Sex.FEMALE).exists():
        reasons.append("社区矫正对象为女性，矫正小组中应当有女性成员（社区矫正法第25条），请先添加")
    return reasons


def plan_drawn_up(case, user, data):
    """LAW art.24: an individual correction plan."""
    subject = _subject(case)
    if subject is not None and not subject.plans.exists():
        return ["尚未制定矫正方案，请先在对象档案中制定矫正方案（社区矫正法第24条）"]
    return []


def open_blockers(subject) -> list[str]:
    """Open revocation/收监 proposals and coercive measures of `subject`, as sentences."""
    from yunjiao.workflows.engine import get_workflow
    from yunjiao.workflows.models import Case

    reasons = []
    for process, states in BLOCKING.items():
        for case in Case.objects.filter(subject=subject, process=process, state__in=states):
            wf = get_workflow(process)
            reasons.append(f"该对象有未结的“{wf.label}”案件（{case.title or case.pk}，"
                           f"{wf.state_label(case.state)}），期满不得自动解除，请待其办结后再解除或转人工决定")
    return reasons


def no_open_blockers(case, user, data):
    subject = _subject(case)
    return open_blockers(subject) if subject is not None else []


def period_ended(case, user, data):
    subject = _subject(case)
    today = timezone.localdate()
    if subject is not None and subject.period_end > today:
        return [f"矫正期限至{subject.period_end.isoformat()}届满，期满之日起方可解除（社区矫正法第44条）"]
    return []


def report_deadline_passed(case, user, data):
    if case.due_at is None or case.due_at >= timezone.localdate():
        return ["报到期限尚未届满"]
    return []


def category_matches_kind(case, user, data):
    """Revocation of probation only for 缓刑, of parole only for 假释, 收监 only for 暂予监外执行."""
    subject = _subject(case)
    if not data or subject is None:
        return []
    expected = {"revocation_probation": Category.PROBATION, "revocation_parole": Category.PAROLE,
                "committal": Category.TEMPORARY_RELEASE}.get(data.get("kind"))
    if expected and subject.category != expected:
        return [f"该对象矫正类别为“{subject.get_category_display()}”，不能提请此类事项"]
    return []


def needs_subject(case, user, data):
    return [] if _subject(case) is not None else ["请先选择社区矫正对象"]
