"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

They skip, saying why, when Playwright or Chromium is missing. Run them alone with
`pytest -m e2e tests/e2e`; axe-core comes from `npm ci --prefix tests/e2e`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = os.environ.get("REGISTRY_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"


def pytest_configure(config):
    # Also registered in pyproject.toml; kept here so this folder runs on its own.
    config.addinivalue_line("markers", "e2e: browser tests (Playwright and Chromium)")


@pytest.fixture
def browser(monkeypatch):
    # One browser per test, not per session: Playwright's sync API keeps an event loop in this
    # thread while it runs, and Django's serialized rollback between transactional tests goes
    # wrong under it (the migrated rows are not restored).
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
    # make around it are still plain synchronous code. Set for this test only, so that no
    # other test or subprocess inherits it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            try:
                browser.close()
            finally:
                # While that loop runs, asgiref files this thread's database connections
                # under the loop's context, apart from the ones the test database teardown
                # closes. Left open, PostgreSQL refuses to drop the test database at the end
                # of the run.
                connections.close_all()


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """A transactional test's flush and restore give content types new ids; drop the cache."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def e2e_settings(settings):
    # Two-factor sign-in and throttling have their own tests; the live server is plain HTTP.
    settings.REGISTRY_REQUIRE_2FA = False
    settings.API_THROTTLE_ENABLED = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.AXES_ENABLED = False
    return settings


@pytest.fixture
def context(browser, live_server, e2e_settings):
    # bypass_csp lets axe-core be injected into pages that allow no inline script.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_selector(".account__name")


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of the page as it is now."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed: run `npm ci --prefix tests/e2e` ({AXE})")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await window.axe.run(document)")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
