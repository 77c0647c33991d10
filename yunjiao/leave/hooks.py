"""Guards and effects of the leave, business_travel and transfer processes.

Guards: `guard(case, user, data) -> [reasons]` (read only).  Effects: `effect(case, data, actor)`,
run by `workflows.services.fire` inside its transaction after the checks; an effect may add keys to
`data` (they are stored on the case and may feed the step's deadline).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from yunjiao.leave import rules

ROLE_LEVEL = {"township_officer": rules.TOWNSHIP, "county_officer": rules.COUNTY, "county_head": rules.COUNTY,
              "city_officer": rules.CITY, "city_admin": rules.CITY}


def _leave(case):
    from yunjiao.leave.models import Leave

    return Leave.objects.filter(case_id=case.pk).first() if getattr(case, "pk", None) else None


# ------------------------------------------------------------------ leave guards
def authority_for(leave, *, rules_=None):
    """The required authority of a leave (or of its extension, counted on the total)."""
    from yunjiao.leave import services

    r = rules_ or services.leave_rules()
    end = leave.pending_end or leave.end_date
    days = rules.leave_days(leave.start_date, end)
    others = services.other_windows(leave.subject, exclude_leave=leave.pk)
    cumulative = rules.cumulative_days(leave.start_date, end, others, rules=r)
    return rules.required_authority(days, cumulative, rules=r), cumulative


def approver_has_authority(case, user, data):
    leave = _leave(case)
    if leave is None:
        return ["未找到外出申请记录"]
    required, _ = authority_for(leave)
    level = ROLE_LEVEL.get(getattr(user, "role", ""), "")
    return rules.authority_refusal(level, required)


def needs_higher_level(level):
    def guard(case, user, data):
        leave = _leave(case)
        if leave is None:
            return ["未找到外出申请记录"]
        required, _ = authority_for(leave)
        if rules.LEVEL_RANK[required.level] <= rules.LEVEL_RANK[level]:
            return [f"{required.reason}，本级可直接审批，无需上报"]
        return []
    guard.__name__ = f"needs_above_{level}"
    return guard


def is_extension(case, user, data):
    leave = _leave(case)
    return [] if leave is not None and leave.pending_end else ["这不是延期申请"]


def not_extension(case, user, data):
    leave = _leave(case)
    return ["这是延期申请：不批准延期时请用“不批准延期”，原批准的外出仍然有效"] \
        if leave is not None and leave.pending_end else []


def extension_allowed(case, user, data):
    leave = _leave(case)
    if leave is None:
        return ["未找到外出申请记录"]
    if not data or not data.get("new_end"):
        return []
    from yunjiao.leave import services

    new_end = data["new_end"]
    if leave.approved_end and new_end <= leave.approved_end:
        return [f"延长后的结束日期须晚于原批准的{leave.approved_end.isoformat()}"]
    pairs = [(code, "") for code in leave.destination_codes]
    return (rules.period_refusal(new_end, leave.subject.period_end)
            + rules.prohibition_refusal(pairs, leave.approved_end or leave.start_date, new_end,
                                        services.prohibited_areas(leave.subject)))


def window_ended(case, user, data):
    from yunjiao.leave import services

    leave = _leave(case)
    if leave is None or leave.approved_end is None:
        return ["外出尚未批准"]
    if timezone.now() < services.overdue_moment(leave):
        return [f"批准的外出至{leave.approved_end.isoformat()}，尚未逾期"]
    return []


# ------------------------------------------------------------------ leave effects
def approve(case, data, actor):
    from yunjiao.leave.models import Leave

    leave = Leave.objects.select_for_update().get(case_id=case.pk)
    required, cumulative = authority_for(leave)
    if leave.pending_end:
        leave.end_date = leave.pending_end
        leave.approved_end, leave.pending_end = leave.pending_end, None
    else:
        leave.approved_start, leave.approved_end = leave.start_date, leave.end_date
    leave.required_level, leave.authority_reason = required.level, required.reason[:300]
    leave.cumulative_days = cumulative
    leave.save()
    data["approved_start"] = leave.approved_start
    data["approved_end"] = leave.approved_end
    data["procuratorate_copy"] = required.procuratorate_copy
    from yunjiao.checkins.tasks_services import plan_leave_checks
    from yunjiao.leave.services import notify_subject

    plan_leave_checks(leave, actor=actor)  # 出发/到达/返回核查; an extension moves the 返回核查
    notify_subject(leave.subject, title="外出申请已批准",
                   body=f"准予外出至{leave.destination_names}，{leave.approved_start}至{leave.approved_end}，"
                        "请按时返回并到司法所销假", link=f"/leave/m/{leave.pk}/")


def reject_extension(case, data, actor):
    from yunjiao.leave.models import Leave

    Leave.objects.filter(case_id=case.pk).update(pending_end=None)
    leave = Leave.objects.get(case_id=case.pk)
    data["approved_end"] = leave.approved_end


def request_extension(case, data, actor):
    from yunjiao.leave.models import Leave

    leave = Leave.objects.select_for_update().get(case_id=case.pk)
    leave.pending_end = data["new_end"]
    leave.save(update_fields=["pending_end"])
    required, cumulative = authority_for(leave)
    data["required_level"] = required.level
    data["authority_reason"] = required.reason


def record_departure(case, data, actor):
    from yunjiao.leave.models import Leave

    Leave.objects.filter(case_id=case.pk).update(departed_at=timezone.now())


def mark_overdue(case, data, actor):
    from yunjiao.anomalies.services import raise_anomaly

    leave = _leave(case)
    raise_anomaly(leave.subject, kind="leave_overdue", actor=actor, related=leave, source="leave",
                  episode=f"leave-{leave.pk}",
                  summary=f"批准外出至{leave.approved_end.isoformat()}，逾期未返回销假，请联系本人并责令返回",
                  evidence={"leave": leave.pk, "case": case.pk, "approved_end": leave.approved_end.isoformat()})


def register_return(case, data, actor):
    from yunjiao.anomalies.services import close_automatically
    from yunjiao.leave.models import Leave

    leave = Leave.objects.select_for_update().get(case_id=case.pk)
    returned = data["return_date"]
    leave.returned_at = timezone.make_aware(datetime.combine(returned, time(12, 0)))
    leave.return_late_days = max(0, (returned - leave.approved_end).days) if leave.approved_end else 0
    leave.pending_end = None
    leave.save(update_fields=["returned_at", "return_late_days", "pending_end"])
    data["late_days"] = leave.return_late_days
    close_automatically(leave.subject, kind="leave_overdue", episode=f"leave-{leave.pk}",
                        reason=f"已于{returned.isoformat()}销假")
    from yunjiao.checkins.tasks_services import drop_leave_checks

    drop_leave_checks(leave, actor=actor, reason=f"已于{returned.isoformat()}销假")


def drop_checks(case, data, actor):
    """Rejected or withdrawn: no 外出核查 may stay pending for a leave that will not happen."""
    from yunjiao.checkins.tasks_services import drop_leave_checks

    leave = _leave(case)
    if leave is not None:
        drop_leave_checks(leave, actor=actor, reason="外出申请未获批准或已撤回")


def refer_for_sanction(case, data, actor):
    from yunjiao.discipline import services as discipline

    leave = _leave(case)
    discipline.refresh_proposals(leave.subject, actor=actor)


# ------------------------------------------------------------------ business travel
def _permit(case):
    from yunjiao.leave.models import BusinessTravelPermit

    return BusinessTravelPermit.objects.filter(case_id=case.pk).first()


def link_verified(case, user, data):
    permit = _permit(case)
    if permit is None:
        return ["未找到经营性外出申请"]
    if permit.link.verified_at is None:
        return [f"涉企关系“{permit.link.company}”尚未核实，请先核实企业信息和证明材料"]
    return []


def approve_permit(case, data, actor):
    from yunjiao.leave.models import BusinessTravelPermit

    BusinessTravelPermit.objects.filter(case_id=case.pk).update(approved_at=timezone.now())
    permit = _permit(case)
    data["valid_until"] = permit.valid_until


def permit_expired(case, user, data):
    permit = _permit(case)
    if permit is not None and permit.valid_until >= timezone.localdate():
        return [f"许可有效期至{permit.valid_until.isoformat()}，尚未届满"]
    return []


# ------------------------------------------------------------------ transfer
def _transfer(case):
    from yunjiao.leave.models import Transfer

    return Transfer.objects.filter(case_id=case.pk).first() if getattr(case, "pk", None) else None


def external_only(case, user, data):
    t = _transfer(case)
    if t is not None and t.in_system:
        return [f"新执行地“{t.to_county_name}”使用本系统，须由该县(区)社区矫正机构在系统内回复"]
    return []


def notify_receiving_county(case, data, actor):
    from yunjiao.leave.services import notify_officers

    t = _transfer(case)
    if t is not None and t.in_system:
        notify_officers(t.to_county, title=f"执行地变更征求意见：{t.subject.name}",
                        body=f"{t.from_county.name}拟将社区矫正对象{t.subject.name}变更至本地执行（新居住地：{t.new_address}），"
                             "请核实后回复", link="/leave/transfers/")


def reply_accepted(case, user, data):
    if (case.data or {}).get("reply") != "accept":
        return ["新执行地社区矫正机构未同意接收，不能决定变更"]
    return []


def set_report_due(case, data, actor):
    """D12_REPORT: the subject reports to the new agency within 7 days of receiving the decision."""
    from yunjiao.leave.models import Transfer
    from yunjiao.workflows import rules as wf_rules
    from yunjiao.workflows import services as wf

    t = Transfer.objects.select_for_update().get(case_id=case.pk)
    t.report_due = wf_rules.compute_deadline(
        "D12_REPORT", data["decision_delivered_on"], org_path=case.org_path,
        overrides=wf.overrides_map().get("D12_REPORT"), roll_forward=wf.roll_forward()).due_date
    t.save(update_fields=["report_due"])
    data["report_due"] = t.report_due


def hand_over(case, data, actor):
    """Files handed over: the subject now belongs to the new agency (the only place it changes)."""
    from yunjiao.leave import services

    services.move_subject(_transfer(case), case=case, actor=actor)


def report_due_passed(case, user, data):
    t = _transfer(case)
    if t is None or t.report_due is None or t.report_due >= timezone.localdate():
        return ["报到期限尚未届满"]
    return []


def raise_not_reported(case, data, actor):
    from yunjiao.anomalies.services import raise_anomaly

    t = _transfer(case)
    raise_anomaly(t.subject, kind="report_overdue", actor=actor, related=t, source="leave",
                  episode=f"transfer-{t.pk}",
                  summary=f"执行地变更后应于{t.report_due.isoformat()}前到{t.to_county_name}报到，逾期未报到，"
                          "请立即组织查找并通知决定机关",
                  evidence={"transfer": t.pk, "case": case.pk})


def today() -> date:
    return timezone.localdate()
