"""Every transition of the 电子定位 process: allowed from each source for each of its roles (with the data
its guards need), refused for a social worker, for roles the step does not list and across counties."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.accounts.models import Role
from yunjiao.core.actors import SYSTEM
from yunjiao.core.testing import make_user
from yunjiao.geo.models import Device
from yunjiao.workflows import services as wf
from yunjiao.workflows.engine import get_workflow
from yunjiao.workflows.models import Case, TransitionRecord
from yunjiao.workflows.services import TransitionRefused

WF = get_workflow("monitoring")
ROWS = [(t.name, s) for t in WF.transitions for s in t.sources]
TODAY = timezone.localdate
ACTOR = {"township_officer": "officer_a1", "county_officer": "county_a_officer", "county_head": "county_a_head"}
_n = iter(range(1, 10**6))


def actor_for(role, cast):
    return SYSTEM if role == "system" else getattr(cast, ACTOR[role])


def data_for(t):
    end = TODAY() + timedelta(days=20)
    values = {"ground": "left_without_approval", "facts": "2026年5月未经批准前往济南", "start_date": TODAY(),
              "end_date": TODAY() + timedelta(days=60), "device_id": f"WB-{next(_n):05d}", "fitted_on": TODAY(),
              "assessment": "期间两次越界", "conclusion": "continue", "extension_reason": "仍有脱管风险",
              "new_end": end + timedelta(days=60), "removal_reason": "期满评估无需继续使用", "removed_on": TODAY()}
    return {f.name: values[f.name].isoformat() if hasattr(values[f.name], "isoformat") else values[f.name]
            for f in t.fields}


def make_case(cast, name, source):
    data = {"ground": "left_without_approval", "facts": "事实", "start_date": TODAY().isoformat(),
            "end_date": (TODAY() + timedelta(days=20)).isoformat()}
    due = TODAY() + timedelta(days=20)
    if name == "mark_expiring":
        due = TODAY() + timedelta(days=5)
    if name in ("propose_extension",):
        data["conclusion"] = "continue"
    if name in ("remove", "remove_early"):
        data["conclusion"] = "end"
        dev = Device.objects.create(device_id=f"WB-R{next(_n):05d}", subject=cast.subject_a1, kind="wristband")
        data["device_pk"] = dev.pk
    return Case.objects.create(process="monitoring", state=source, subject=cast.subject_a1,
                               org_path=cast.subject_a1.org_path, title="电子定位", data=data, due_at=due)


@pytest.mark.parametrize("name,source", ROWS)
def test_each_transition(cast, name, source):
    t = WF.transition(name)
    for role in sorted(t.roles):
        case = make_case(cast, name, source)
        done = wf.fire(case, name, actor=actor_for(role, cast), data=data_for(t), note="说明")
        assert done.state == t.target_for(source), (role, done.state)
        assert done.version == case.version + 1
        assert TransitionRecord.objects.get(case=done, transition=name).audit_record_id
        if name in ("remove", "remove_early"):
            assert not Device.objects.get(pk=case.data["device_pk"]).is_active
        if name == "fit_device":
            dev = Device.objects.get(pk=done.data["device_pk"])
            assert dev.kind == "wristband" and dev.subject_id == cast.subject_a1.pk and dev.is_active
    # refused: a social worker, a role the step does not list, the same role in 兖州区
    case = make_case(cast, name, source)
    data = data_for(t)
    others = [cast.social_worker_a1, cast.city_officer] + [actor_for(r, cast) for r in ACTOR if r not in t.roles]
    for other in others:
        with pytest.raises(TransitionRefused) as exc:
            wf.fire(case, name, actor=other, data=data, note="说明")
        assert any("须由" in r for r in exc.value.reasons), other
    officer_roles = sorted(t.roles - {"system"})
    if officer_roles:
        other = {"township_officer": cast.officer_b1, "county_officer": cast.county_b_officer}.get(
            officer_roles[0]) or make_user("county_b_head", Role.COUNTY_HEAD, cast.county_b)
        with pytest.raises(TransitionRefused) as exc:
            wf.fire(case, name, actor=other, data=data, note="说明")
        assert any("管辖范围" in r for r in exc.value.reasons)
    # refused from another state
    wrong = next(s for s in WF.states.values if s not in t.sources)
    case = make_case(cast, name, wrong)
    role = sorted(t.roles)[0]
    with pytest.raises(TransitionRefused) as exc:
        wf.fire(case, name, actor=actor_for(role, cast), data=data, note="说明")
    assert any("当前状态为" in r for r in exc.value.reasons)
    case.refresh_from_db()
    assert case.state == wrong and case.version == 1


def test_propose_starts_a_case_for_township_and_county_only(cast):
    t = WF.transition("propose")
    for role in ("township_officer", "county_officer", "county_head"):
        case = wf.start_case("monitoring", "propose", actor=actor_for(role, cast), subject=cast.subject_a1,
                             data=data_for(t))
        assert case.state == "proposed" and case.due_at is None
        Case.objects.filter(pk=case.pk).update(is_closed=True)
    for other in (cast.social_worker_a1, cast.city_officer, cast.officer_b1):
        with pytest.raises(TransitionRefused):
            wf.start_case("monitoring", "propose", actor=other, subject=cast.subject_a1, data=data_for(t))


def test_every_transition_is_covered():
    assert {n for n, _ in ROWS} == {t.name for t in WF.transitions if not t.starts_case}
    assert getattr(WF, "record_backed", False)
