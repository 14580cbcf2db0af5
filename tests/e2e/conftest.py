"""End-to-end harness: a real headless Chromium (Debian's package) driven by Playwright
against pytest-django's live server on loopback.

Live-server tests need a transactional database, which pytest-django empties between tests.
The audit trail and the incident log refuse deletes by trigger, so these disposable test
databases drop the triggers first (tests/conftest.py::disposable_append_only_tables; the
unit tests in tests/audit prove the triggers work).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    # Every test in this folder drives the browser: `-m e2e` selects them all, and the
    # PostgreSQL run (`-m "not e2e and not squid"`) leaves them all out. (A pytestmark here
    # would mark only this conftest's own module, not the test files.)
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _disposable_append_only_tables(disposable_append_only_tables, transactional_db):
    yield


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed: run scripts/system-packages.sh test")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username, password):
    """Sign in through the real form."""
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    follow(page.get_by_role("button", name="Sign in"))


def follow(locator):
    """Click a link or a submit button and wait for the page it leads to.

    Playwright's click returns once the click is dispatched, not when the next page has
    loaded: an assertion straight after it can read the page being left (a CI run once
    looked for a form error on the form before it was sent)."""
    with locator.page.expect_navigation():
        locator.click()
