"""Browser walk (Playwright + Debian chromium): commission → 在矫, and pre-discharge → 已解除, by clicking.

Run: pytest -m browser yunjiao/workflows/tests/test_browser.py
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from yunjiao.core.actors import SYSTEM
from yunjiao.core.testing import build_cast, make_subject
from yunjiao.subjects import choices as c
from yunjiao.subjects.models import CorrectionPlan, CorrectionTeamMember, Subject
from yunjiao.workflows import services

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]

# Playwright's sync API keeps an event loop in this thread; the ORM calls below are plain sync code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class Officer:
    """Switch the browser to a user's session and click through case pages."""

    def __init__(self, page, live_server):
        self.page, self.base = page, live_server.url

    def login(self, user):
        client = Client()
        client.force_login(user)
        self.page.context.clear_cookies()
        self.page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                        "url": self.base}])
        return self

    def goto(self, path):
        self.page.goto(self.base + path)

    def do(self, name, fields=None, *, note="", files=None):
        page = self.page
        box = f'details[data-action="{name}"]'
        page.click(f"{box} > summary")
        for key, value in (fields or {}).items():
            target = f'{box} [name="{key}"]'
            kind = page.get_attribute(target, "type")
            tag = page.eval_on_selector(target, "e => e.tagName")
            if tag == "SELECT":
                page.select_option(target, str(value))
            elif kind == "checkbox":
                page.check(target) if value else page.uncheck(target)
            else:
                page.fill(target, str(value))
        if note:
            page.fill(f'{box} [name="note"]', note)
        for key, path in (files or {}).items():
            page.set_input_files(f'{box} [name="{key}"]', path)
        page.click(f'{box} button[name="confirm"]')
        page.wait_for_load_state()
        text = page.inner_text("main")
        assert "未办理" not in text, text[:600]
        return text

    def state(self):
        return self.page.get_attribute("#case-state", "data-state")

    def documents(self):
        """{title: status} of the case page's document section."""
        rows = self.page.query_selector_all("#case-documents tr[data-document]")
        return {r.query_selector("td a").inner_text(): r.get_attribute("data-status") for r in rows}

    def complete(self, title, fields):
        """Fill the 补全 form of a 待补全 document on the case page and submit it."""
        page = self.page
        row = page.query_selector(f'#case-documents tr[data-document]:has(a:text-is("{title}"))')
        form = f'form.complete-form[data-document="{row.get_attribute("data-document")}"]'
        for key, value in fields.items():
            page.fill(f'{form} [name="{key}"]', value)
        page.click(f'{form} button[name="complete"]')
        page.wait_for_load_state()
        text = page.inner_text("main")
        assert "未补全" not in text, text[:600]
        return text


def test_commission_to_in_correction_by_clicking(page, live_server, tmp_path):
    cast = build_cast()
    today = timezone.localdate().isoformat()
    ui = Officer(page, live_server)

    # 调查评估: the county registers the commission
    ui.login(cast.county_a_officer).goto("/cases/start/pre_sentence_assessment/receive/")
    page.fill('[name="commissioning_body"]', "任城区人民法院")
    page.select_option('[name="commissioning_type"]', "court")
    page.fill('[name="commission_number"]', "（2026）鲁0811刑初88号")
    page.fill('[name="person_name"]', "周十")
    page.select_option('[name="person_type"]', "defendant")
    page.select_option('[name="proposed_category"]', "probation")
    page.fill('[name="received_date"]', today)
    page.click('#start-form button[type="submit"]')
    page.wait_for_url("**/cases/*/")
    case_url = page.url.replace(live_server.url, "")
    assert ui.state() == "received"
    ui.do("assign", {"township": cast.town_a1.pk})
    assert ui.state() == "assigned"
    # the assignment notice has every field from the commission: issued with its 文号, not waiting
    assert ui.documents() == {"调查评估指派通知书": "normal"}
    assert "济任司矫调字〔" in page.inner_text("#case-documents")

    ui.login(cast.officer_a1).goto(case_url)
    ui.do("begin_investigation")
    record = tmp_path / "询问笔录.pdf"
    record.write_bytes(b"%PDF-1.4\n% interview record\n")
    ui.do("submit_findings", {"interviewed_on": today, "residence_situation": "有固定住所",
                              "family_relations": "家庭和睦", "past_behaviour": "一贯表现良好",
                              "committee_opinion": "同意社区矫正", "opinion": "suitable"},
          files={"attachment": str(record)})
    # the interview record needs what only the officer knows (place, recorder, content): it waits for them
    assert ui.documents()["调查评估询问笔录"] == "incomplete"
    ui.complete("调查评估询问笔录", {"record_place": "许庄街道司法所", "recorder": "许庄所员",
                                    "interviewee_relation": "本人", "record_content": "问：你的居住地？\n答：许庄。"})
    assert ui.documents()["调查评估询问笔录"] == "normal"
    ui.do("submit_for_review")
    assert ui.state() == "county_review"

    ui.login(cast.county_a_head).goto(case_url)
    ui.do("approve")
    ui.do("send_opinion", {"sent_date": today})
    assert ui.state() == "opinion_sent"
    assert 'class="state current" data-state="opinion_sent"' in page.content()

    # the court sentences 周十 to probation; the registry holds him as 待接收
    subject = make_subject(cast.town_a1, name="周十", status=c.Status.PENDING_INTAKE)
    CorrectionTeamMember.objects.create(subject=subject, name="许庄所员", sex=c.Sex.MALE, role=c.TeamRole.LEADER)
    CorrectionPlan.objects.create(subject=subject, version=1, supervision_measures="每周报告",
                                  education_measures="每月集中教育")

    ui.login(cast.county_a_officer).goto(f"/cases/start/intake/receive_notice/?subject={subject.pk}")
    page.fill('[name="notice_date"]', today)
    page.fill('[name="judgment_effective_date"]', today)
    page.click('#start-form button[type="submit"]')
    page.wait_for_url("**/cases/*/")
    intake_url = page.url.replace(live_server.url, "")
    assert "待接收" in page.inner_text("main")
    ui.do("receive_documents", {"documents_received_date": today})

    ui.login(cast.officer_a1).goto(intake_url)
    ui.do("report", {"report_date": today, "reception_method": "self"})
    ui.login(cast.county_a_officer).goto(intake_url)
    ui.do("register", {"file_number": "任矫2026-088"})
    ui.login(cast.officer_a1).goto(intake_url)
    ui.do("announce", {"announcement_date": today, "attendees": "司法所、村委会、家属"})
    ui.login(cast.county_a_officer).goto(intake_url)
    text = ui.do("start_correction", {"initial_level": "strict"})
    assert ui.state() == "in_correction"
    assert "（在矫）" in text
    subject.refresh_from_db()
    assert subject.status == c.Status.IN_CORRECTION


def test_pre_discharge_to_discharged_by_clicking(page, live_server):
    cast = build_cast()
    today = timezone.localdate()
    subject = Subject.objects.get(pk=cast.subject_a1.pk)
    subject.period_end = today
    subject.save(update_fields=["period_end"])
    [case] = services.open_due_discharges(actor=SYSTEM, today=today - timedelta(days=1))
    ui = Officer(page, live_server)

    ui.login(cast.officer_a1).goto(f"/cases/{case.pk}/")
    assert ui.state() == "preparing"
    ui.do("evaluate", {"summary_received_on": today.isoformat(), "evaluation": "认罪悔罪，遵纪守法"})
    assert ui.documents() == {"社区矫正对象个人总结": "incomplete", "社区矫正期满鉴定表": "incomplete"}
    ui.complete("社区矫正对象个人总结", {"summary_content": "矫正期间遵守规定，按时报告，积极参加学习。"})
    assert ui.documents()["社区矫正对象个人总结"] == "normal"
    ui.do("announce", {"announcement_date": today.isoformat()})
    ui.login(cast.county_a_officer).goto(f"/cases/{case.pk}/")
    text = ui.do("discharge", {"discharge_date": today.isoformat()})
    assert ui.state() == "discharged" and "（已解除）" in text
    ui.do("notify_authorities", {"notified_on": today.isoformat()})
    ui.do("archive")
    assert ui.state() == "archived"
    assert "该案件已办结" in page.inner_text("#actions")
    docs = ui.documents()
    assert docs["解除社区矫正证明书"] == "normal" and docs["解除社区矫正通知书"] == "normal"
    if os.environ.get("WF_SHOT"):
        page.goto(live_server.url + f"/cases/{case.pk}/")
        page.screenshot(path=os.environ["WF_SHOT"], full_page=True)
