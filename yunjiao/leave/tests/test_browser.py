"""Browser walk (Playwright + Debian chromium): the subject applies for an 8-day leave on the phone page,
the 司法所 cannot approve it (the rule is shown) and reports it, the county approves, the subject
registers departure, the 司法所 registers the return (销假) and the case closes.

Run: pytest -m browser yunjiao/leave/tests/test_browser.py
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from yunjiao.core.testing import build_cast
from yunjiao.leave.models import Leave

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]



def login(page, base, user):
    client = Client()
    client.force_login(user)
    device = [c for c in page.context.cookies() if c["name"] == "yj_device"]  # the phone stays bound (portal)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
                             + device)


def do(page, name, fields=None, note=""):
    box = f'details[data-action="{name}"]'
    page.click(f"{box} > summary")
    for key, value in (fields or {}).items():
        page.fill(f'{box} [name="{key}"]', str(value))
    if note:
        page.fill(f'{box} [name="note"]', note)
    page.click(f'{box} button[name="confirm"]')
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "未办理" not in text, text[:600]
    return text


def test_eight_day_leave_from_phone_to_return_registration(page, live_server, tmp_path):
    cast = build_cast()
    base = live_server.url
    today = timezone.localdate()
    start, end = today + timedelta(days=5), today + timedelta(days=12)
    proof = tmp_path / "诊断证明.pdf"
    proof.write_bytes(b"%PDF-1.4 proof")

    # the subject applies on the phone page
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, base, cast.portal_a1)
    page.goto(base + "/leave/m/")
    page.click("text=申请外出")
    page.fill('[name="destination_codes"]', "370102")
    page.fill('[name="destination_names"]', "济南市历下区")
    page.fill('[name="start_date"]', start.isoformat())
    page.fill('[name="end_date"]', end.isoformat())
    page.select_option('[name="reason_kind"]', "medical")
    page.fill('[name="reason"]', "到省立医院复查")
    page.set_input_files('[name="proof"]', str(proof))
    page.click("#submit-leave")
    page.wait_for_load_state()
    assert "待司法所审核" in page.inner_text("#leave-state")
    assert "超过7日，须由县级社区矫正机构批准" in page.inner_text("main")
    leave = Leave.objects.get(subject=cast.subject_a1)
    assert leave.days == 8 and leave.attachments.count() == 1

    # the 司法所 reviews: it may not approve (the rule is shown) and reports to the county
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, base, cast.officer_a1)
    page.goto(f"{base}/cases/{leave.case_id}/")
    disabled = page.inner_text('div.action.disabled[data-action="approve_township"]')
    assert "超出司法所的审批权限" in disabled
    do(page, "forward_county", note="经核实，就医事由属实，同意外出，报县局审批")
    assert "待县级机构审批" in page.inner_text("#case-state")

    # the county approves the 8-day leave
    login(page, base, cast.county_a_officer)
    page.goto(f"{base}/cases/{leave.case_id}/")
    do(page, "approve_county")
    assert "已批准外出" in page.inner_text("#case-state")

    # the subject sees the approval, registers departure on the phone
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, base, cast.portal_a1)
    page.goto(f"{base}/leave/m/{leave.pk}/")
    assert "已批准外出" in page.inner_text("#leave-state")
    page.click("text=登记出发")
    page.wait_for_load_state()
    leave.refresh_from_db()
    assert leave.departed_at is not None

    # back home: the 司法所 registers the return (销假) and the case closes
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, base, cast.officer_a1)
    page.goto(f"{base}/cases/{leave.case_id}/")
    do(page, "register_return", {"return_date": today.isoformat()})
    assert "已销假" in page.inner_text("#case-state")
    leave.refresh_from_db()
    assert leave.returned_at is not None and leave.case.is_closed

    login(page, base, cast.portal_a1)
    page.goto(f"{base}/leave/m/{leave.pk}/")
    assert "已销假" in page.inner_text("#leave-state")
