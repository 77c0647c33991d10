"""Effects of the 表扬/训诫/警告 processes (run inside workflows.services.fire)."""

from __future__ import annotations


def record_decision(case, data, actor):
    from yunjiao.discipline.models import DisciplineRecord

    DisciplineRecord.objects.filter(case_id=case.pk).update(decided_on=data["decision_date"])


def after_delivery(case, data, actor):
    """A delivered sanction counts for the escalation ladder: recompute the suggestions."""
    from yunjiao.discipline import services
    from yunjiao.discipline.models import DisciplineRecord

    DisciplineRecord.objects.filter(case_id=case.pk).update(delivered_on=data["delivered_on"])
    if case.subject_id:
        services.refresh_proposals(case.subject, actor=actor)
