"""Every transition of every process: allowed from each source for each of its roles, refused from
other states, for other roles and across counties (the acceptance table of issue 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.accounts.models import Role
from yunjiao.core.actors import SYSTEM
from yunjiao.core.testing import make_subject, make_user
from yunjiao.subjects import choices as c
from yunjiao.subjects.models import CorrectionPlan, CorrectionTeamMember
from yunjiao.workflows import services
from yunjiao.workflows.engine import all_workflows
from yunjiao.workflows.models import Case, TransitionRecord

# Processes whose steps need their app's record (a Leave, Transfer, …) are tested in that app.
GENERIC = [wf for wf in all_workflows() if not getattr(wf, "record_backed", False)]
ROWS = [(wf.name, t.name, src) for wf in GENERIC for t in wf.transitions for src in t.sources]
STARTS = [(wf.name, t.name) for wf in GENERIC for t in wf.starting()]


def sample(field, cast):
    today = timezone.localdate()
    if field.kind == "date":
        return (today + timedelta(days=5)).isoformat() if field.future_only else today.isoformat()
    if field.kind == "choice":
        return field.choices[0][0]
    if field.kind == "bool":
        return ""
    if field.kind == "org":
        return str(cast.town_a1.pk)
    if field.kind == "int":
        return "1"
    return "测试内容"


def sample_data(transition, cast, subject=None):
    data = {f.name: sample(f, cast) for f in transition.fields}
    if "kind" in data and subject is not None:  # the proposal must fit the category (缓刑 → 撤销缓刑)
        data["kind"] = {"probation": "revocation_probation", "parole": "revocation_parole"}.get(
            subject.category, "committal")
    return data


def actor_for(role, cast, *, county="a"):
    if role == "system":
        return SYSTEM
    if county == "a":
        return {"township_officer": cast.officer_a1, "county_officer": cast.county_a_officer,
                "county_head": cast.county_a_head}[role]
    if role == "county_head":
        return make_user("county_b_head", Role.COUNTY_HEAD, cast.county_b)
    return {"township_officer": cast.officer_b1, "county_officer": cast.county_b_officer}[role]


@pytest.fixture
def ready(cast):
    """subject_a1 with everything the guards want: team, plan, period ended."""
    subject = cast.subject_a1
    CorrectionTeamMember.objects.create(subject=subject, name="组长", sex=c.Sex.MALE, role=c.TeamRole.LEADER)
    CorrectionPlan.objects.create(subject=subject, version=1, supervision_measures="每周报告",
                                  education_measures="每月学习")
    subject.period_end = timezone.localdate() - timedelta(days=1)
    subject.save(update_fields=["period_end"])
    return cast


def make_case(process, state, cast, **extra):
    subject = None if process == "pre_sentence_assessment" else cast.subject_a1
    yesterday = timezone.localdate() - timedelta(days=1)
    return Case.objects.create(
        process=process, state=state, subject=subject, org_path=cast.town_a1.path, title="测试案件",
        due_at=yesterday, data={"documents_received_date": "2026-01-05", "kind": "revocation_probation"},
        **extra)


@pytest.mark.parametrize("process,name,source", ROWS)
def test_allowed_from_each_source_for_each_role(ready, process, name, source):
    wf = next(w for w in all_workflows() if w.name == process)
    t = wf.transition(name)
    for role in sorted(t.roles):
        case = make_case(process, source, ready)
        done = services.fire(case, name, actor=actor_for(role, ready),
                             data=sample_data(t, ready, case.subject),
                             note="说明" if t.needs_note else "", attachment=_file() if t.needs_attachment else None)
        assert done.state == t.target_for(source), (role, done.state)
        assert done.version == case.version + 1
        rec = TransitionRecord.objects.get(case=done, transition=name)
        assert rec.from_state == source and rec.audit_record_id


@pytest.mark.parametrize("process,name,source", ROWS)
def test_refused_from_other_states_other_roles_and_other_counties(ready, process, name, source):
    wf = next(w for w in all_workflows() if w.name == process)
    t = wf.transition(name)
    role = sorted(t.roles - {"system"})[0] if t.roles - {"system"} else "system"
    data = sample_data(t, ready, ready.subject_a1)
    kw = {"note": "说明", "attachment": _file() if t.needs_attachment else None}
    # other states
    for other in [s for s in wf.states.values if s not in t.sources][:3]:
        case = make_case(process, other, ready)
        with pytest.raises(services.TransitionRefused) as exc:
            services.fire(case, name, actor=actor_for(role, ready), data=data, **kw)
        assert any("当前状态为" in r for r in exc.value.reasons)
    # other roles (in scope): a city officer, and whichever officer role the step does not list
    others = [ready.city_officer, ready.social_worker_a1] + [
        actor_for(r, ready) for r in ("township_officer", "county_officer", "county_head") if r not in t.roles]
    for other_actor in others:
        case = make_case(process, source, ready)
        with pytest.raises(services.TransitionRefused) as exc:
            services.fire(case, name, actor=other_actor, data=data, **kw)
        assert any("须由" in r for r in exc.value.reasons), other_actor
    # across counties: the same role in 兖州区
    if role != "system":
        case = make_case(process, source, ready)
        with pytest.raises(services.TransitionRefused) as exc:
            services.fire(case, name, actor=actor_for(role, ready, county="b"), data=data, **kw)
        assert any("管辖范围" in r for r in exc.value.reasons)
        case.refresh_from_db()
        assert case.state == source and case.version == 1


@pytest.mark.parametrize("process,name", STARTS)
def test_starting_steps(ready, process, name):
    wf = next(w for w in all_workflows() if w.name == process)
    t = wf.transition(name)
    needs_subject = process != "pre_sentence_assessment"
    org = None if needs_subject else ready.county_b
    kw = {"note": "说明"}
    for role in sorted(t.roles):
        subject = make_subject(ready.town_b1, name="孙七") if needs_subject else None
        data = sample_data(t, ready, subject)
        actor = actor_for(role, ready, county="b")
        case = services.start_case(process, name, actor=actor, subject=subject, org=org, data=data, **kw)
        assert case.state == t.target and case.records.get().from_state == ""
    # another county may not start a case for this subject / org
    role = sorted(t.roles - {"system"})[0]
    with pytest.raises(services.TransitionRefused) as exc:
        services.start_case(process, name, actor=actor_for(role, ready), subject=subject, org=org,
                            data=data, **kw)
    assert any("管辖范围" in r or "已有未办结" in r for r in exc.value.reasons)
    with pytest.raises(services.TransitionRefused):
        services.start_case(process, name, actor=ready.city_officer, subject=subject, org=org, data=data, **kw)


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("询问笔录.pdf", b"%PDF-1.4 test", content_type="application/pdf")


def test_every_process_is_covered():
    assert {p for p, _, _ in ROWS} == {w.name for w in GENERIC}
    assert len(ROWS) >= 35
