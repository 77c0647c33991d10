from datetime import date

import pytest

from yunjiao.anomalies import services as anomalies
from yunjiao.audit.models import AuditRecord
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.testing import make_subject
from yunjiao.risk import adapters, rules, services
from yunjiao.risk.models import Proposal, RiskAssessment, RuleSetVersion
from yunjiao.subjects.models import Subject, SupervisionLevelChange

TODAY = date(2026, 11, 28)


def pending(subject, kind):
    return Proposal.objects.filter(subject=subject, kind=kind, state="pending").first()


def test_sanctions_adapter_returns_nothing_without_discipline_app(cast):
    assert adapters.sanctions_available() is False
    assert adapters.sanctions_of(cast.subject_a1, TODAY) == []


def test_daily_evaluation_proposes_key_subject_and_level(cast):
    violent = make_subject(cast.town_a1, name="孙刚", charges="故意伤害罪", employment="unemployed",
                           supervision_level="normal")
    services.set_risk_factors(violent, actor=cast.officer_a1, family_conflict=True, mental_health_flag=False,
                              officer_judgement="none")
    assert services.evaluate_all(today=TODAY) == 4
    a = RiskAssessment.objects.get(subject=violent)
    assert (a.score, a.is_key) == (70, True)
    key = pending(violent, "key")
    assert key.new_value == "yes" and any("暴力犯罪" in r for r in key.reasons)
    assert pending(violent, "level").new_value == "strict"
    # subject_a1: strict since 2026-03-01 without incidents → step down to 普管 proposed
    assert pending(cast.subject_a1, "level").new_value == "normal"
    # a second run does not duplicate pending proposals
    services.evaluate_all(today=TODAY)
    assert Proposal.objects.filter(subject=violent, state="pending").count() == 2


def test_approve_changes_subject_with_history_and_audit(cast):
    services.evaluate_subject(cast.subject_a1, today=TODAY)
    p = pending(cast.subject_a1, "level")
    services.decide_proposal(p, actor=cast.officer_a1, approve=True)
    s = Subject.objects.get(pk=cast.subject_a1.pk)
    assert s.supervision_level == "normal"
    change = SupervisionLevelChange.objects.get(subject=s)
    assert (change.old_level, change.new_level, change.decided_by) == ("strict", "normal", cast.officer_a1)
    assert AuditRecord.objects.filter(subject_id=s.pk, summary__startswith="调整管控").exists()
    assert AuditRecord.objects.filter(object_type="risk.Proposal", object_id=str(p.pk),
                                      summary__startswith="采纳").exists()
    with pytest.raises(ServiceError):
        services.decide_proposal(p, actor=cast.officer_a1, approve=True)


def test_override_needs_reason_and_is_counted_per_org(cast):
    services.evaluate_subject(cast.subject_a1, today=TODAY)
    services.evaluate_subject(cast.subject_a2, today=TODAY)
    p1, p2 = pending(cast.subject_a1, "level"), pending(cast.subject_a2, "level")
    with pytest.raises(ServiceError, match="理由"):
        services.decide_proposal(p1, actor=cast.officer_a1, approve=False)
    services.decide_proposal(p1, actor=cast.officer_a1, approve=False, reason="近期家庭变故，暂不降级")
    services.decide_proposal(p2, actor=cast.officer_a2, approve=True)
    assert Subject.objects.get(pk=cast.subject_a1.pk).supervision_level == "strict"
    report = {r["org"].pk: r for r in services.override_report(cast.county_a_officer)}
    assert (report[cast.town_a1.pk]["overridden"], report[cast.town_a1.pk]["rate"]) == (1, 100.0)
    assert (report[cast.town_a2.pk]["overridden"], report[cast.town_a2.pk]["approved"]) == (0, 1)
    city = {r["org"].pk: r for r in services.override_report(cast.city_officer)}
    assert city[cast.county_a.pk]["total"] == 2 and city[cast.county_b.pk]["total"] == 0


def test_officer_of_other_township_cannot_decide(cast):
    services.evaluate_subject(cast.subject_a1, today=TODAY)
    with pytest.raises(NotAllowed):
        services.decide_proposal(pending(cast.subject_a1, "level"), actor=cast.officer_a2, approve=True)
    with pytest.raises(NotAllowed):
        services.decide_proposal(pending(cast.subject_a1, "level"), actor=cast.police_a, approve=True)


def test_rule_change_is_a_new_version_previewed_before_activation(cast):
    thief = make_subject(cast.town_a1, name="钱多", charges="盗窃罪", is_recidivist=True, employment="unemployed")
    services.evaluate_all(today=TODAY)
    base = services.default_ruleset().active_version()
    config = {**base.config, "criteria": [c for c in base.config["criteria"]] + [
        {"code": "theft", "name": "盗窃", "kind": "charges", "weight": 40, "params": {"keywords": ["盗窃"]}}]}
    with pytest.raises(NotAllowed):
        services.create_version(base.ruleset, config=config, note="加盗窃", actor=cast.officer_a1)
    with pytest.raises(ServiceError, match="阈值"):
        services.create_version(base.ruleset, config={**config, "threshold": -1}, note="x", actor=cast.city_officer)
    draft = services.create_version(base.ruleset, config=config, note="盗窃多发，纳入标准", actor=cast.city_officer)
    assert draft.number == 2 and draft.state == "draft"
    # nothing changed yet
    assert RiskAssessment.objects.get(subject=thief).is_key is False
    preview = services.preview_version(draft, actor=cast.city_officer, today=TODAY)
    changed = {r["subject"].pk: r for r in preview if r["changes_key"]}
    assert thief.pk in changed and changed[thief.pk]["new_score"] == 70  # 40 + 20 prior + 10 unemployed
    assert cast.subject_b1.pk in {r["subject"].pk for r in preview}  # 盗窃罪 too, score 0 → 40
    # a township officer previewing sees only their own branch
    assert {r["subject"].pk for r in services.preview_version(draft, actor=cast.officer_b1, today=TODAY)} == {
        cast.subject_b1.pk}
    services.activate_version(draft, actor=cast.city_officer, today=TODAY)
    base.refresh_from_db()
    assert base.state == RuleSetVersion.State.RETIRED
    assert RiskAssessment.objects.get(subject=thief).is_key is True
    assert pending(thief, "key").version_id == draft.pk
    assert AuditRecord.objects.filter(action="config", summary__contains="启用认定标准").exists()


def test_county_local_rule_set_governs_only_its_county(cast):
    rs = services.ruleset_for_org(cast.county_a, actor=cast.county_a_head)
    config = {**rules.DEFAULT_CONFIG, "threshold": 10}
    v = services.create_version(rs, config=config, note="任城区从严", actor=cast.county_a_head)
    with pytest.raises(NotAllowed):
        services.create_version(services.default_ruleset(), config=config, note="x", actor=cast.county_a_head)
    services.activate_version(v, actor=cast.county_a_head, today=TODAY)
    assert services.version_for(cast.subject_a1).pk == v.pk
    assert services.version_for(cast.subject_b1).ruleset.org is None


def test_anomaly_listener_reevaluates_subject(cast, django_capture_on_commit_callbacks):
    s = cast.subject_a1
    with django_capture_on_commit_callbacks(execute=True):
        anomalies.raise_anomaly(s, kind="lost_contact", summary="电话无法接通，住处无人")
    assert pending(s, "key").new_value == "yes"
    assert RiskAssessment.objects.get(subject=s).is_key is True


def test_risk_factors_scope_and_reason(cast):
    with pytest.raises(NotAllowed):
        services.set_risk_factors(cast.subject_b1, actor=cast.officer_a1, family_conflict=True,
                                  mental_health_flag=False, officer_judgement="none")
    with pytest.raises(ServiceError, match="理由"):
        services.set_risk_factors(cast.subject_a1, actor=cast.officer_a1, family_conflict=False,
                                  mental_health_flag=False, officer_judgement="high")


def test_change_supervision_by_system_is_audited(cast):
    services.change_supervision(cast.subject_a1, actor=SYSTEM, reason="测试", is_key=True, level="normal")
    s = Subject.objects.get(pk=cast.subject_a1.pk)
    assert s.is_key_subject and s.supervision_level == "normal"
    assert AuditRecord.objects.filter(subject_id=s.pk, actor_label="系统", summary="调整管控：测试").exists()


def test_batch_evaluation_reads_facts_per_batch_not_per_subject(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(20):
        s = make_subject(cast.town_a1, name=f"批量{i}")
        anomalies.raise_anomaly(s, kind="checkin_missed", summary="未核查")
    services.evaluate_all(today=TODAY)  # first run creates the proposals
    with CaptureQueriesContext(connection) as ctx:
        assert services.evaluate_all(today=TODAY) == 23
    per_subject = [q["sql"] for q in ctx.captured_queries if "risk_riskassessment" in q["sql"]
                   or "risk_proposal" in q["sql"]]
    assert len(per_subject) == 2 * 23  # one assessment update + one pending-proposal read each
    assert sum("anomalies_anomaly" in q["sql"] for q in ctx.captured_queries) == 2  # per batch
    assert len(ctx.captured_queries) <= 4 * 23 + 15
