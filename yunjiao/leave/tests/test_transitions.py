"""Every transition of the leave, business_travel and transfer processes: allowed from each source for
each of its roles (with the record its guards need), refused for a social worker and across counties."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.core.actors import SYSTEM
from yunjiao.leave import services
from yunjiao.leave.models import Leave, Transfer
from yunjiao.leave.tests.conftest import proof
from yunjiao.workflows import services as wf
from yunjiao.workflows.engine import get_workflow
from yunjiao.workflows.models import Case
from yunjiao.workflows.services import TransitionRefused

TODAY = timezone.localdate
ACTOR = {"township_officer": "officer_a1", "county_officer": "county_a_officer", "county_head": "county_a_head",
         "city_officer": "city_officer", "city_admin": "city_admin"}
ROWS = [(p, t.name, s) for p in ("leave", "business_travel", "transfer") for t in get_workflow(p).transitions
        for s in t.sources]
DAYS = {"township": 3, "county": 10, "city": 35}
LEVEL = {"township_officer": "township", "county_officer": "county", "county_head": "county",
         "city_officer": "city", "city_admin": "city"}


def actor_for(role, cast):
    return SYSTEM if role == "system" else getattr(cast, ACTOR[role])


def data_for(t):
    out = {}
    for f in t.fields:
        if f.kind == "date":
            out[f.name] = (TODAY() + timedelta(days=60)).isoformat() if f.name == "new_end" else TODAY().isoformat()
        elif f.kind == "choice":
            out[f.name] = f.choices[0][0]
        else:
            out[f.name] = "内容"
    return out


def leave_case(cast, name, source, role):
    days = DAYS[LEVEL.get(role, "township")] if name.startswith("approve") else 3
    if name == "forward_county":
        days = 10
    if name == "forward_city":
        days = 35
    start = TODAY() + timedelta(days=5)
    leave = services.apply_leave(cast.subject_a1, actor=cast.officer_a1, idempotency_key=f"{name}{source}{role}",
                                 destination_codes=["370102"], destination_names="历下区", start=start,
                                 end=start + timedelta(days=days - 1), reason_kind="work", reason="出差")
    fields = {}
    if source in ("approved", "overdue", "ordered_to_return") or name == "reject_extension":
        fields.update(approved_start=leave.start_date, approved_end=leave.end_date)
    if name == "reject_extension":
        fields["pending_end"] = leave.end_date + timedelta(days=1)
    if name == "mark_overdue":
        fields.update(approved_start=TODAY() - timedelta(days=5), approved_end=TODAY() - timedelta(days=2))
    Leave.objects.filter(pk=leave.pk).update(**fields)
    Case.objects.filter(pk=leave.case_id).update(state=source)
    return Case.objects.get(pk=leave.case_id)


def permit_case(cast, name, source, role):
    link = services.add_enterprise_link(cast.subject_a1, actor=cast.officer_a1, company="某公司",
                                        credit_code="91350100M000100Y43", role="owner", proof=proof())
    services.verify_enterprise_link(link, actor=cast.officer_a1)
    valid_from = TODAY() - timedelta(days=200) if name == "expire" else TODAY()
    permit = services.apply_permit(cast.subject_a1, actor=cast.officer_a1, link=link, valid_from=valid_from,
                                   destination_codes=["370102"], destination_names="历下区")
    Case.objects.filter(pk=permit.case_id).update(state=source)
    return Case.objects.get(pk=permit.case_id)


def transfer_case(cast, name, source, role):
    external = name == "record_reply"
    t = services.apply_transfer(cast.subject_a1, actor=cast.officer_a1,
                                to_county_code="320506" if external else "370812", to_county_name="吴中区",
                                new_address="新址", reason="迁居", proof=proof())
    fields = {"to_township": cast.town_b1} if not external else {}
    if name == "mark_not_reported":
        fields["report_due"] = TODAY() - timedelta(days=1)
    Transfer.objects.filter(pk=t.pk).update(**fields)
    data = {"reply": "accept"} if name == "approve" else {}
    Case.objects.filter(pk=t.case_id).update(state=source, data=data)
    return Case.objects.get(pk=t.case_id)


MAKE = {"leave": leave_case, "business_travel": permit_case, "transfer": transfer_case}


def close_open_cases(cast):
    Case.objects.filter(subject=cast.subject_a1).update(is_closed=True)


@pytest.mark.parametrize("process,name,source", ROWS)
def test_each_transition(cast, process, name, source):
    t = get_workflow(process).transition(name)
    for role in sorted(t.roles):
        close_open_cases(cast)
        case = MAKE[process](cast, name, source, role)
        done = wf.fire(case, name, actor=actor_for(role, cast), data=data_for(t), note="说明")
        assert done.state == t.target_for(source), (role, done.state)
        if name == "hand_over":  # the subject moved: move it back for the next role
            from yunjiao.subjects.models import Subject

            Subject.objects.filter(pk=cast.subject_a1.pk).update(
                execution_org=cast.county_a, township=cast.town_a1, org_path=cast.town_a1.path)
    # refused for a role the step does not list, and across counties
    close_open_cases(cast)
    case = MAKE[process](cast, name, source, sorted(t.roles)[0])
    with pytest.raises(TransitionRefused):
        wf.fire(case, name, actor=cast.social_worker_a1, data=data_for(t), note="说明")
    officer_roles = sorted(t.roles - {"system"} - {"city_officer", "city_admin"})
    if officer_roles:
        other = {"township_officer": cast.officer_b1}.get(officer_roles[0], cast.county_b_officer)
        with pytest.raises(TransitionRefused) as exc:
            wf.fire(case, name, actor=other, data=data_for(t), note="说明")
        assert any("管辖范围" in r for r in exc.value.reasons)
