"""A township officer in a real browser: logs in, searches a subject by pinyin initials, opens the record.

Saves docs/screenshots/subject_detail.png (the 一人一档 page with its photo served through the scoped view).
"""

import os
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest

from yunjiao.core.testing import PASSWORD, make_subject

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used from the sync Playwright thread

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "subject_detail.png"


def _portrait() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (240, 320), (214, 226, 240))
    draw = ImageDraw.Draw(img)
    draw.ellipse((70, 50, 170, 160), fill=(120, 130, 150))
    draw.rounded_rectangle((40, 170, 200, 320), radius=40, fill=(90, 100, 120))
    buf = BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium (/usr/bin/chromium) is not installed")
def test_township_officer_logs_in_searches_by_pinyin_and_opens_a_subject(live_server, cast, browser, settings,
                                                                         tmp_path):
    from yunjiao.subjects import services

    settings.MEDIA_ROOT = str(tmp_path)
    target = make_subject(cast.town_a1, name="王小强", charges="危险驾驶罪", birth_date=date(1986, 4, 12),
                          crime_facts="醉酒驾驶机动车，血液酒精含量 156mg/100ml。")
    services.update_subject(target, actor=cast.officer_a1, data={"photo": _portrait()})
    make_subject(cast.town_a1, name="吴晓倩", sex="female", birth_date=date(1992, 7, 1))  # wxq as well
    make_subject(cast.town_b1, name="王晓强")  # same initials, another county: must not show up
    make_subject(cast.town_a1, name="李国华")

    base = live_server.url
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", cast.officer_a1.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert "工作台" in page.content()

    page.goto(f"{base}/subjects/")
    page.fill("#id_q", "wxq")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(lambda url: "q=wxq" in url)
    rows = page.locator("#subject-table tbody tr")
    names = sorted(rows.locator("td:nth-child(2) a").all_inner_texts())
    assert names == ["吴晓倩", "王小强"], names  # 王晓强 of 兖州区 is not in this officer's branch
    assert "王晓强" not in page.content()

    page.click("#subject-table a:has-text('王小强')")
    page.wait_for_url(f"{base}/subjects/{target.pk}/")
    page.wait_for_selector("h1:has-text('王小强')")
    assert target.id_number in page.content()  # the full record (its read is audited)
    page.wait_for_function("() => { const i = document.querySelector('img.subject-photo');"
                           " return i && i.complete && i.naturalWidth === 240; }")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
    page.goto("about:blank")  # no request of the page still in flight when the live server stops
    ctx.close()

    from yunjiao.audit.models import AuditRecord

    assert AuditRecord.objects.filter(action="read", subject=target, actor_id=cast.officer_a1.pk).exists()
