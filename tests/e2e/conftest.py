"""Browser tests: Playwright for Python drives Debian's chromium against the live server.

Every test in this folder is marked `e2e`. The browser is shared by the session; each test gets a
fresh browser context (cookies, storage) and page. Without /usr/bin/chromium the tests are
skipped, unless KEHU_E2E_REQUIRED=1 (CI) makes that a failure.
"""

import os
import traceback
from pathlib import Path

import pytest
from django.core.signals import got_request_exception
from django.db import connections

from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, login  # noqa: F401

# Playwright's sync API runs an asyncio event loop in this thread; Django would otherwise
# refuse ORM calls from test code ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _unavailable(message: str):
    if os.environ.get("KEHU_E2E_REQUIRED") == "1":
        pytest.fail(f"{message} (KEHU_E2E_REQUIRED=1: browser tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(
            f"{CHROMIUM} not found: install Debian's `chromium` (and `fonts-wqy-microhei`) "
            "to run the browser tests"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    # Starting Playwright inside pytest leaves this thread in a fresh context, where Django's
    # context-local `connections` would hand out new wrappers that lack the test database's
    # serialized contents (so transactional tests could not restore the default roles).
    # Keep using the wrappers pytest-django set up.
    wrappers = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        for alias, wrapper in wrappers.items():
            connections[alias] = wrapper
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, django_db_serialized_rollback):
    """The live server's base URL. Each test starts from the migrated data (default roles):
    the live server needs committed rows, so tests are transactional and the database is
    restored from its serialized copy rather than rolled back."""
    return live_server.url


@pytest.fixture
def server_errors():
    """Tracebacks of exceptions the live server turned into 500 pages during the test."""
    errors: list[str] = []

    def receiver(sender, request=None, **kwargs):
        where = f"{request.method} {request.get_full_path()}" if request is not None else "?"
        errors.append(f"{where}\n{traceback.format_exc()}")

    got_request_exception.connect(receiver, weak=False)
    yield errors
    got_request_exception.disconnect(receiver)
    if errors:
        pytest.fail("The server answered 500:\n\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def new_context(browser, site, server_errors):
    """Make browser contexts (separate cookie jars: separate people or tabs of one person)."""
    contexts = []

    def make(**options):
        options = {
            "base_url": site,
            "locale": "en-US",
            "viewport": {"width": 1280, "height": 900},
            # Kehu's service worker (offline page) stays out of the way of other tests'
            # network checks; tests/e2e/test_phone_layout.py allows it where it is the subject
            "service_workers": "block",
            **options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(new_context):
    """Make a page in a fresh context; JavaScript errors in it fail the test."""
    errors: list[str] = []

    def make(**options):
        page = new_context(**options).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return page

    yield make
    if errors:
        pytest.fail("JavaScript errors in the page: " + "; ".join(errors), pytrace=False)


@pytest.fixture
def page(new_page):
    return new_page()
