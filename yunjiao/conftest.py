import os
from pathlib import Path

import pytest

from yunjiao.core.testing import build_cast

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required"]

# pytest-playwright's sync API keeps an asyncio loop running in the test thread for the whole session; the ORM
# calls in browser tests are plain synchronous code, so Django's "async unsafe" guard is switched off for tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's chromium; without it they are skipped with the reason, never errors."""
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"Debian chromium ({CHROMIUM}) 未安装：apt-get install chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Every browser test drives Debian's chromium through pytest-playwright's one Playwright instance.

    A test that needs other flags (a fake camera) launches its own browser from the `playwright` fixture,
    never with a second `sync_playwright()` — two sync Playwright instances in one process fail."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
