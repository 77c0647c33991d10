import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from yunjiao.anomalies import services as anomalies
from yunjiao.audit.models import AuditRecord
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.core.testing import assert_hidden, assert_visible
from yunjiao.risk import meetings, services, warnings
from yunjiao.risk.models import MeetingDecision, RiskMeeting


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


@pytest.fixture
def prepared(cast):
    services.change_supervision(cast.subject_a1, actor=SYSTEM, reason="测试", is_key=True)
    services.set_risk_factors(cast.subject_a1, actor=cast.officer_a1, family_conflict=False, mental_health_flag=False,
                              officer_judgement="high", note="扬言报复被害人")
    services.evaluate_all()
    a = anomalies.raise_anomaly(cast.subject_a2, kind="checkin_missed", summary="未按时核查",
                                at=timezone.now() - timedelta(days=2))
    anomalies.dispose(a, actor=cast.officer_a2, text="手机没电，已补核查")
    anomalies.raise_anomaly(cast.subject_a1, kind="boundary_exit", summary="越界", at=timezone.now() - timedelta(days=1))
    anomalies.raise_anomaly(cast.subject_b1, kind="boundary_exit", summary="兖州越界")
    warnings.raise_warning(level="yellow", kind="other", title="任城预警", subject=cast.subject_a1, actor=SYSTEM)
    return cast


def test_meeting_pack_contents_are_scoped_to_the_org_and_period(prepared):
    cast = prepared
    today = timezone.localdate()
    m = meetings.create_meeting(org=cast.county_a, period_start=today - timedelta(days=30), period_end=today,
                                actor=cast.county_a_officer)
    p = m.pack
    assert [k["name"] for k in p["key_subjects"]] == ["李明"]
    assert any("工作人员研判为高风险" in r for r in p["key_subjects"][0]["reasons"])
    assert {a["subject"] for a in p["anomalies"]} == {"李明", "王芳"}  # not 赵强 (兖州区)
    assert any(a["disposition"] == "手机没电，已补核查" for a in p["anomalies"])
    assert [w["title"] for w in p["warnings"]] == ["任城预警"]
    assert p["sanctions_available"] is False
    assert p["counts"]["proposals"] == len(p["proposals"]) >= 1
    text = docx_text(meetings.build_meeting_pack_docx(m))
    assert "李明" in text and "手机没电，已补核查" in text and "考核奖惩模块尚未启用" in text
    assert "会议纪要" not in text


def test_minutes_and_decisions_are_linked_to_subjects(prepared):
    cast = prepared
    today = timezone.localdate()
    m = meetings.create_meeting(org=cast.town_a1, period_start=today - timedelta(days=7), period_end=today,
                                actor=cast.officer_a1)
    with pytest.raises(NotAllowed):
        meetings.create_meeting(org=cast.town_a2, period_start=today, period_end=today, actor=cast.officer_a1)
    with pytest.raises(ServiceError):
        meetings.create_meeting(org=cast.town_a1, period_start=today, period_end=today - timedelta(1),
                                actor=cast.officer_a1)
    meetings.record_minutes(m, actor=cast.officer_a1, minutes="研判李明风险上升。\n决定加密走访。",
                            held_on=date(2026, 11, 27), attendees="所长、社工")
    d = meetings.add_decision(m, actor=cast.officer_a1, text="每周实地走访一次", subject=cast.subject_a1,
                              responsible="许庄所员", due_date=date(2026, 12, 31))
    with pytest.raises(NotAllowed):
        meetings.add_decision(m, actor=cast.officer_a1, text="x", subject=cast.subject_a2)
    with pytest.raises(NotAllowed):
        meetings.add_decision(m, actor=cast.officer_a2, text="x")
    assert list(cast.subject_a1.risk_meeting_decisions.all()) == [d]
    assert AuditRecord.objects.filter(subject_id=cast.subject_a1.pk, summary__startswith="矫情分析会决定").exists()
    text = docx_text(meetings.build_meeting_pack_docx(RiskMeeting.objects.get(pk=m.pk)))
    assert "决定加密走访。" in text and "每周实地走访一次" in text


def test_meeting_pages_and_docx_download(client, prepared):
    cast = prepared
    client.force_login(cast.county_a_officer)
    r = client.post(reverse("risk:meetings"), {"org": cast.county_a.pk, "period_start": "2026-11-01",
                                               "period_end": "2026-11-30"})
    m = RiskMeeting.objects.get()
    assert r.status_code == 302 and m.org == cast.county_a
    page = client.get(reverse("risk:meeting", args=[m.pk])).content.decode()
    assert "李明" in page and "任城预警" in page
    client.post(reverse("risk:meeting", args=[m.pk]), {"action": "decision", "text": "加强教育",
                                                       "subject": cast.subject_a2.pk})
    assert MeetingDecision.objects.get().subject == cast.subject_a2
    r = client.get(reverse("risk:meeting_docx", args=[m.pk]))
    assert r["Content-Type"].startswith("application/vnd.openxmlformats") and "加强教育" in docx_text(r.content)
    assert AuditRecord.objects.filter(action="export", object_type="risk.RiskMeeting", object_id=str(m.pk)).exists()
    assert_hidden(client, cast.county_b_officer, reverse("risk:meeting", args=[m.pk]))
    assert_hidden(client, cast.officer_b1, reverse("risk:meeting_docx", args=[m.pk]))


@pytest.mark.parametrize("name", ["risk:board", "risk:key_subjects", "risk:proposals", "risk:meetings",
                                  "risk:warning_new"])
def test_list_pages_render_for_officers(client, prepared, name):
    assert_visible(client, prepared.officer_a1, reverse(name))
    assert_visible(client, prepared.city_admin, reverse(name))


def test_subject_tab_and_proposal_pages(client, prepared):
    cast = prepared
    url = reverse("risk:subject_tab", args=[cast.subject_a1.pk])
    assert_visible(client, cast.officer_a1, url)
    assert_hidden(client, cast.officer_a2, url)
    client.force_login(cast.police_a)
    assert client.get(url).status_code == 403  # the risk tab is not for the police liaison
    client.force_login(cast.officer_a2)
    page = client.get(reverse("risk:proposals")).content.decode()
    assert "王芳" in page and "李明" not in page
    p = cast.subject_a2.risk_proposals.filter(state="pending").first()
    client.post(reverse("risk:proposals"), {"proposal": p.pk, "action": "override", "reason": ""})
    p.refresh_from_db()
    assert p.state == "pending"
    client.post(reverse("risk:proposals"), {"proposal": p.pk, "action": "override", "reason": "另有考虑"})
    p.refresh_from_db()
    assert p.state == "overridden"
    # another township's proposal cannot be decided through the page
    other = cast.subject_b1.risk_proposals.filter(state="pending").first()
    assert client.post(reverse("risk:proposals"), {"proposal": other.pk, "action": "approve"}).status_code == 404


def test_rule_pages_create_preview_and_activate(client, cast):
    client.force_login(cast.city_officer)
    assert client.get(reverse("risk:rulesets")).status_code == 200
    r = client.post(reverse("risk:rulesets"), {"org": "default", "note": "试修订"})
    draft_url = r["Location"]
    page = client.get(draft_url).content.decode()
    assert "启用前影响预览" in page
    r = client.post(draft_url, {"action": "save", "config": "{bad json", "note": "x"})
    assert r["Location"] == draft_url
    r = client.post(draft_url, {"action": "activate"})
    assert "生效中" in client.get(draft_url).content.decode()
    client.force_login(cast.officer_a1)
    assert client.get(reverse("risk:rulesets")).status_code == 403
