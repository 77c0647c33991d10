"""Pages: officers' lists/forms, the subject's phone pages, the subject tab; every lookup scoped (404)."""

from datetime import timedelta

from django.utils import timezone

from yunjiao.core.testing import assert_hidden, assert_visible
from yunjiao.discipline.models import Proposal
from yunjiao.leave.models import Leave, Transfer
from yunjiao.leave.tests.conftest import proof

TODAY = timezone.localdate


def test_officer_pages_render_and_are_scoped(cast, apply, client):
    leave = apply(3)
    att = leave.attachments.get()
    for url in ("/leave/", "/leave/travel/", "/leave/transfers/", "/leave/new/", "/leave/transfers/new/",
                f"/leave/{leave.pk}/", f"/leave/subject/{cast.subject_a1.pk}/", "/discipline/",
                f"/leave/attachments/{att.pk}/"):
        assert_visible(client, cast.officer_a1, url)
    for url in (f"/leave/{leave.pk}/", f"/leave/subject/{cast.subject_a1.pk}/", f"/leave/attachments/{att.pk}/"):
        assert_hidden(client, cast.officer_b1, url)
        assert_hidden(client, cast.officer_a2, url)
    client.force_login(cast.officer_b1)
    assert "李明" not in client.get("/leave/").content.decode()


def test_officer_enters_a_leave_and_double_post_makes_one(cast, client):
    client.force_login(cast.officer_a1)
    start = TODAY() + timedelta(days=4)
    form = {"subject": cast.subject_a1.pk, "idempotency_key": "form-1", "destination_codes": "370102",
            "destination_names": "济南市历下区", "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=2)).isoformat(), "reason_kind": "study", "reason": "参加考试"}
    r1 = client.post("/leave/new/", form)
    r2 = client.post("/leave/new/", form)
    assert r1.status_code == r2.status_code == 302 and r1["Location"] == r2["Location"]
    assert Leave.objects.count() == 1


def test_refusal_reasons_are_shown(cast, client):
    client.force_login(cast.portal_a1)
    start = TODAY() + timedelta(days=1)
    r = client.post("/leave/m/new/", {"idempotency_key": "x", "destination_codes": "370102", "start_date":
                                       start.isoformat(), "end_date": start.isoformat(), "reason_kind": "family",
                                       "reason": "家事"}, follow=True)
    assert "应当至少提前3日提出外出申请" in r.content.decode()
    assert not Leave.objects.exists()


def test_portal_pages_only_for_the_subject(cast, apply, client):
    leave = apply(3)
    client.force_login(cast.portal_a1)
    assert client.get("/leave/m/").status_code == 200
    assert client.get("/leave/m/new/").status_code == 200
    page = client.get(f"/leave/m/{leave.pk}/").content.decode()
    assert "撤回申请" in page and "value=\"approve_township\"" not in page
    client.force_login(cast.officer_a1)
    assert client.get("/leave/m/").status_code == 403
    client.force_login(cast.portal_a1)
    assert client.get("/leave/").status_code == 302  # officers' pages send the subject to the phone pages


def test_portal_withdraw(cast, apply, client):
    leave = apply(3)
    client.force_login(cast.portal_a1)
    client.post(f"/leave/m/{leave.pk}/", {"step": "withdraw"})
    leave.refresh_from_db()
    assert leave.case.state == "withdrawn"


def test_transfer_form_and_reply_page(cast, client):
    client.force_login(cast.officer_a1)
    r = client.post("/leave/transfers/new/", {"subject": cast.subject_a1.pk, "to_county_code": "370812",
                                              "new_address": "兖州区", "reason": "迁居", "proof": proof()})
    assert r.status_code == 302
    t = Transfer.objects.get()
    # the receiving county only sees it once consulted, and only on its consultation list
    client.force_login(cast.county_b_officer)
    assert client.post(f"/leave/transfers/{t.pk}/reply/", {"reply": "accept"}).status_code == 404


def test_proposal_decision_page(cast, client):
    p = Proposal.objects.create(subject=cast.subject_a1, measure="admonition", fingerprint="f",
                                grounds=[{"code": "late_or_lost_le_10", "text": "失联3日", "article": "第28条"}],
                                author_org_path=cast.subject_a1.org_path)
    client.force_login(cast.officer_b1)
    assert client.post(f"/discipline/proposals/{p.pk}/", {"decision": "dismiss", "note": "x"}).status_code == 404
    client.force_login(cast.officer_a1)
    assert "失联3日" in client.get("/discipline/").content.decode()
    client.post(f"/discipline/proposals/{p.pk}/", {"decision": "dismiss", "note": "经核实系手机故障"})
    p.refresh_from_db()
    assert p.state == "dismissed" and p.decided_by == cast.officer_a1


def test_workbench_cards(cast, apply, client):
    leave = apply(3)
    Leave.objects.filter(pk=leave.pk).update(approved_start=leave.start_date, approved_end=leave.end_date)
    from yunjiao.workflows.models import Case

    Case.objects.filter(pk=leave.case_id).update(state="approved")
    Proposal.objects.create(subject=cast.subject_a1, measure="warning", fingerprint="w", grounds=[],
                            author_org_path=cast.subject_a1.org_path)
    client.force_login(cast.officer_a1)
    page = client.get("/").content.decode()
    assert "外出中/逾期未归" in page and "待决定的处罚建议" in page
    client.force_login(cast.officer_b1)
    page = client.get("/").content.decode()
    assert "待决定的处罚建议" not in page

