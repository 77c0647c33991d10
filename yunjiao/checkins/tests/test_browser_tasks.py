"""Browser walk (Playwright + Debian chromium): an officer of 许庄 orders a point-to-point spot check for
李明 from the spot-check page and sees it in the task list; the subject gets the message.

Run: pytest -m browser yunjiao/checkins/tests/test_browser_tasks.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from yunjiao.checkins.models import CheckTask
from yunjiao.core.testing import build_cast
from yunjiao.notifications.models import Message

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls while the sync Playwright loop runs


def login(page, base, user):
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])


def test_officer_orders_spot_check_and_sees_it_in_the_task_list(page, live_server):
    """Uses pytest-playwright's one Playwright instance (`page`), like every browser test on main."""
    cast = build_cast()
    base = live_server.url
    login(page, base, cast.officer_a1)
    _walk(page, base, cast)


def _walk(page, base, cast):
    page.goto(base + "/checkins/tasks/")
    page.click("text=点对点抽查")
    # only the officer's own township is offered
    options = page.locator("#subjects option").all_inner_texts()
    assert any("李明" in o for o in options) and not any("赵强" in o or "王芳" in o for o in options)
    page.select_option("#subjects", [str(cast.subject_a1.pk)])
    page.fill("#minutes", "20")
    page.fill("#reason", "走访前核实在家")
    page.click("#order-btn")
    page.wait_for_load_state()
    assert "已向 1 名对象下达核查" in page.inner_text("main")
    row = page.locator("#task-table tr", has_text="李明")
    assert row.count() == 1
    text = row.inner_text()
    assert "点对点抽查" in text and "待签到" in text and "走访前核实在家" in text
    task = CheckTask.objects.get()
    assert (task.deadline - task.window_start).total_seconds() == 20 * 60 and task.ordered_by == cast.officer_a1
    assert Message.objects.filter(recipient=cast.portal_a1, category="checkin").exists()
    # the subject page has the tab with the task history
    page.goto(base + f"/checkins/subjects/{cast.subject_a1.pk}/tasks/")
    assert "走访前核实在家" in page.inner_text("main")
