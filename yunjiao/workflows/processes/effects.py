"""Writes that belong to a step (run by services.fire inside its transaction, after the checks).

`effect(case, data, actor)`; `case` is the locked row, `data` the cleaned step data.  The step's
audit row records the data, so these writes are covered by it.
"""

from __future__ import annotations


def move_to_township(case, data, actor):
    """调查评估 assigned: the case moves from the county to the 司法所 that investigates."""
    from yunjiao.orgs.models import Org

    org = Org.objects.get(pk=data["township"])
    case.org_path = org.path
    case.data["township_name"] = org.name


def record_documents_received(case, data, actor):
    subject = case.subject
    subject.documents_received_date = data["documents_received_date"]
    subject.save(update_fields=["documents_received_date", "updated_at"])


def record_report(case, data, actor):
    """报到: date, method and whether it was within the D6 period (LAW art.21)."""
    from datetime import date

    from yunjiao.subjects.choices import ReportType
    from yunjiao.workflows import rules, services

    subject = case.subject
    effective = (case.data or {}).get("judgment_effective_date")
    due = None
    if effective:
        due = rules.compute_deadline("D6", date.fromisoformat(effective), org_path=case.org_path,
                                     overrides=services.overrides_map().get("D6"),
                                     roll_forward=services.roll_forward()).due_date
    subject.report_date = data["report_date"]
    subject.reception_method = data["reception_method"]
    subject.report_type = ReportType.ON_TIME if due is None or data["report_date"] <= due else ReportType.LATE
    subject.save(update_fields=["report_date", "reception_method", "report_type", "updated_at"])
    case.data["report_type"] = subject.report_type


def set_initial_level(case, data, actor):
    from yunjiao.core.actors import actor_user_id
    from yunjiao.subjects.models import SupervisionLevelChange

    subject = case.subject
    old = subject.supervision_level
    subject.supervision_level = data["initial_level"]
    subject.save(update_fields=["supervision_level", "updated_at"])
    SupervisionLevelChange.objects.create(
        subject=subject, old_level="", new_level=data["initial_level"], reason="入矫初始管理等级",
        effective_date=data.get("effective_date") or _today(), decided_by_id=actor_user_id(actor))
    case.data["previous_level"] = old


def _today():
    from django.utils import timezone

    return timezone.localdate()


def raise_report_overdue(case, data, actor):
    """D6 passed without a report: a 未按时报到 anomaly in the shared queue (LAW art.21, art.30)."""
    from yunjiao.anomalies.services import raise_anomaly

    raise_anomaly(case.subject, kind="report_overdue", actor=actor, related=case, episode=f"intake-{case.pk}",
                  summary=f"报到期限{case.due_at.isoformat() if case.due_at else ''}已届满仍未报到，"
                          "请立即组织查找并通知决定机关",
                  evidence={"case": case.pk, "due_at": case.due_at.isoformat() if case.due_at else None})
