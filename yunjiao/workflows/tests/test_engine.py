"""The declarative engine on a small process of its own (no database)."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.db import models

from yunjiao.core.actors import SYSTEM
from yunjiao.workflows import engine
from yunjiao.workflows.engine import DeadlineSpec, Field, T, Workflow

TODAY = date(2026, 2, 12)


class S(models.TextChoices):
    DRAFT = "draft", "草拟"
    REVIEW = "review", "审核中"
    DONE = "done", "已办结"


def no_weekend_guard(case, user, data):
    return ["测试守卫：不允许"] if (case.data or {}).get("blocked") else []


DEMO = engine.register(Workflow("demo", "演示流程", S, S.DRAFT, final={S.DONE}, transitions=[
    T("open", "新建", (), S.DRAFT, {"county_officer"},
      fields=(Field("received", "收到日期", "date", past_only=True),),
      deadline=DeadlineSpec("D1", start="field:received")),
    T("submit", "提交", S.DRAFT, S.REVIEW, {"township_officer"}, guards=(no_weekend_guard,)),
    T("approve", "批准", S.REVIEW, S.DONE, {"county_officer", "county_head"}, deadline=None),
    T("send_back", "退回", S.REVIEW, S.DRAFT, {"county_officer"}, needs_note=True, style="secondary"),
    T("extend", "延期", (S.DRAFT, S.REVIEW), None, {"county_officer"}, style="secondary",
      fields=(Field("new_due", "新期限", "date", future_only=True),)),
    T("expire", "自动过期", S.DRAFT, S.DONE, {"system"}, automatic=True),
]))


def user(role, path, **kw):
    return SimpleNamespace(role=role, is_authenticated=True, is_active=True, is_superuser=False,
                           org_id=1, org=SimpleNamespace(path=path), **kw)


TOWN_A1 = "370800.370811.370811001"
TOWN_A2 = "370800.370811.370811002"
COUNTY_A = "370800.370811"
COUNTY_B = "370800.370812"


def case(state, path=TOWN_A1, **data):
    return SimpleNamespace(process="demo", state=state, org_path=path, data=data, subject=None)


@pytest.mark.parametrize("transition,state,actor,allowed", [
    ("submit", S.DRAFT, user("township_officer", TOWN_A1), True),
    ("submit", S.REVIEW, user("township_officer", TOWN_A1), False),  # wrong state
    ("submit", S.DRAFT, user("county_officer", COUNTY_A), False),  # wrong role
    ("submit", S.DRAFT, user("township_officer", TOWN_A2), False),  # other township
    ("approve", S.REVIEW, user("county_officer", COUNTY_A), True),
    ("approve", S.REVIEW, user("county_head", COUNTY_A), True),
    ("approve", S.REVIEW, user("county_officer", COUNTY_B), False),  # other county
    ("approve", S.REVIEW, user("city_officer", "370800"), False),  # role not listed
    ("expire", S.DRAFT, SYSTEM, True),
    ("expire", S.DRAFT, user("county_officer", COUNTY_A), False),
])
def test_failure_reasons_table(transition, state, actor, allowed):
    reasons = engine.failure_reasons(case(state), DEMO.transition(transition), actor)
    assert (reasons == []) is allowed, reasons


def test_reasons_are_sentences_naming_state_role_and_scope():
    reasons = engine.failure_reasons(case(S.REVIEW, path=TOWN_A2), DEMO.transition("submit"),
                                     user("county_officer", COUNTY_B))
    assert any("当前状态为“审核中”" in r and "草拟" in r for r in reasons)
    assert any("须由" in r for r in reasons)
    assert any("管辖范围" in r for r in reasons)


def test_guards_run_only_after_state_role_scope_pass():
    actor = user("township_officer", TOWN_A1)
    assert engine.failure_reasons(case(S.DRAFT, blocked=True), DEMO.transition("submit"), actor) == [
        "测试守卫：不允许"]


def test_actions_for_lists_manual_steps_with_reasons():
    actions = engine.actions_for(case(S.DRAFT), user("township_officer", TOWN_A1))
    by_name = {a.name: a for a in actions}
    assert set(by_name) == {"submit", "extend"}  # the automatic step is not a button
    assert by_name["submit"].enabled
    assert not by_name["extend"].enabled and by_name["extend"].reasons


def test_states_for_role_drive_the_todo_list():
    assert DEMO.states_for_role("county_officer") == {"review"}  # side steps are not to-dos
    assert DEMO.states_for_role("township_officer") == {"draft"}


@pytest.mark.parametrize("raw,errors", [
    ({"received": "2026-02-12"}, {}),
    ({}, {"received": "请填写“收到日期”"}),
    ({"received": "2026-02-13"}, {"received": "“收到日期”不能晚于今天（2026-02-12），请填写已经发生的日期"}),
    ({"received": "12/02/2026"}, {"received": "“收到日期”不是有效日期，请按“年-月-日”填写"}),
])
def test_clean_data(raw, errors):
    cleaned, found = engine.clean_data(DEMO.transition("open"), raw, today=TODAY)
    assert found == errors
    if not errors:
        assert cleaned == {"received": date(2026, 2, 12)}


def test_future_only_date():
    _, errors = engine.clean_data(DEMO.transition("extend"), {"new_due": "2026-02-12"}, today=TODAY)
    assert "须晚于今天" in errors["new_due"]


def test_choice_and_bool_fields():
    f = Field("kind", "类型", "choice", choices=(("a", "甲"),))
    assert f.clean("b", today=TODAY)[1] == "“类型”的取值无效，请从列表中选择"
    assert f.clean("a", today=TODAY) == ("a", None)
    b = Field("flag", "标记", "bool", required=False)
    assert b.clean("on", today=TODAY) == (True, None)
    assert b.clean(None, today=TODAY) == (False, None)


def test_deadline_spec_from_a_recorded_date_crosses_spring_festival():
    # D1 (实施办法): 10 working days from 2026-02-12 → 2026-03-04 (春节 2-15…2-23, 调休 2-14, 2-28)
    spec = DEMO.transition("open").deadline
    rule_id, due, warning = spec.compute(case(S.DRAFT), {"received": date(2026, 2, 12)}, today=TODAY)
    assert (rule_id, due, warning) == ("D1", date(2026, 3, 4), "")


def test_deadline_override_applies_by_case_org():
    spec = DEMO.transition("open").deadline
    _, due, _ = spec.compute(case(S.DRAFT, path=TOWN_A1), {"received": date(2026, 2, 12)}, today=TODAY,
                             overrides={"D1": {COUNTY_A: 5}})
    assert due == date(2026, 2, 26)


def test_declaration_errors_are_caught():
    with pytest.raises(ValueError):
        Workflow("bad", "坏", S, S.DRAFT, transitions=[T("x", "x", S.DRAFT, "nowhere", {"a"})])
    with pytest.raises(engine.UnknownTransition):
        DEMO.transition("nope")


def test_every_declared_process_is_consistent():
    for wf in engine.all_workflows():
        assert wf.starting(), f"{wf.name} has no starting step"
        assert wf.final, f"{wf.name} has no final state"
        reachable = {t.target for t in wf.starting()}
        changed = True
        while changed:
            changed = False
            for t in wf.transitions:
                if reachable & set(t.sources) and t.target and t.target not in reachable:
                    reachable.add(t.target)
                    changed = True
        assert reachable == {str(v) for v in wf.states.values}, f"{wf.name}: unreachable states"
        for t in wf.transitions:
            if isinstance(t.deadline, DeadlineSpec) and isinstance(t.deadline.rule, str):
                from yunjiao.workflows.rules import get_rule

                get_rule(t.deadline.rule)
