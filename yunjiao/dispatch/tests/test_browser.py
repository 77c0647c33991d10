"""A dispatch order goes through its whole life in a real browser, driven by two users."""

import os

import pytest

from yunjiao.core.testing import PASSWORD
from yunjiao.dispatch.models import DispatchOrder

CHROMIUM = "/usr/bin/chromium"


def login(browser, base, user):
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium (/usr/bin/chromium) is not installed")
def test_dispatch_order_whole_life_by_township_officer_and_police_liaison(live_server, cast, browser):
    base = live_server.url
    officer = login(browser, base, cast.officer_a1)
    police = login(browser, base, cast.police_a)

    # township officer: request officers to search for a subject
    officer.goto(f"{base}/dispatch/new/?subject={cast.subject_a1.pk}")
    officer.select_option("#order_type", "search")
    officer.select_option("#urgency", "urgent")
    officer.fill("#place", "许庄街道某某村三组")
    officer.fill("#requested_time", "2026-12-01T09:30")
    officer.fill("#description", "对象失联，请协助查找")
    officer.click("#save-order")
    officer.wait_for_selector("#order-state:has-text('已提交')")
    order = DispatchOrder.objects.get()
    detail = f"{base}/dispatch/{order.pk}/"
    assert officer.url == detail

    # police liaison: sees it in the list, accepts, names officers, arrives, completes
    police.goto(f"{base}/dispatch/")
    police.click(f"a[href='/dispatch/{order.pk}/']")
    police.click("button[value=accept]")
    police.wait_for_selector("#order-state:has-text('已受理')")
    police.fill("#officers", "张警官、王警官")
    police.click("button[value=dispatch]")
    police.wait_for_selector("#order-state:has-text('已派警')")
    police.click("button[value=arrive]")
    police.wait_for_selector("#order-state:has-text('已到场')")
    police.fill("#result", "在其亲属家中找到本人，已带回司法所")
    police.click("button[value=complete]")
    police.wait_for_selector("#order-state:has-text('已完成')")
    # the liaison has no evaluate button: it belongs to the requesting unit
    assert police.locator("button[value=evaluate]").count() == 0

    # township officer evaluates
    officer.goto(detail)
    assert "在其亲属家中找到本人" in officer.content()
    officer.select_option("#score", "5")
    officer.fill("#comment", "响应迅速，处置得当")
    officer.click("button[value=evaluate]")
    officer.wait_for_selector("#order-state:has-text('已评价')")

    order.refresh_from_db()
    assert (order.state, order.score, order.officers) == ("evaluated", 5, "张警官、王警官")
    assert [e.to_state for e in order.events.all()] == ["draft", "submitted", "accepted", "dispatched", "on_site",
                                                        "completed", "evaluated"]
