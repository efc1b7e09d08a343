"""The search page in a real browser: reached from the header's box with the keyboard alone,
results and filters that work without JavaScript, no serious axe-core violation, and no
sideways scrolling at 320px."""

import pytest

from tests.factories import NeedFactory, OrganizationFactory, ToolFactory

from .conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SEARCH_PAGES = [
    "/search/",
    "/search/?q=lantern",
    "/search/?q=lantern&type=tool",
    "/search/?q=lantern&type=tool&functions=case_management",
    "/search/?q=lantern&type=need",
    "/search/?q=lantern&type=organization",
    "/search/?q=lanturn+zebra&type=tool&functions=case_management",
]


@pytest.fixture
def catalogue():
    owner = OrganizationFactory(name="Lantern Network", slug="lantern-network")
    ToolFactory(
        name="Lantern Case Desk",
        slug="lantern-case-desk",
        organization=owner,
        summary="Case management for lantern shelters.",
        functions=["case_management"],
    )
    ToolFactory(
        name="Lantern Hotline",
        slug="lantern-hotline",
        summary="A hotline run by lantern volunteers.",
        functions=["hotline_reporting"],
    )
    NeedFactory(title="Lantern referrals", slug="lantern-referrals", organization=owner)
    return owner


def test_header_search_box_leads_to_the_results_with_the_keyboard_alone(page, catalogue):
    page.goto("/tools/")
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == (
            "header-search-q"
        ):
            break
    else:
        pytest.fail("the header's search box was not reached with Tab")
    page.keyboard.type("lantern")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=lantern")

    main = page.inner_text("main")
    assert "Lantern Case Desk" in main and "Lantern referrals" in main
    assert page.locator("main mark").count() > 0


def test_filters_apply_without_javascript(browser, live_server, e2e_settings, catalogue):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/search/?q=lantern&type=tool")
        page.check("#f-functions-hotline_reporting")
        page.click(".filters button[type=submit]")
        page.wait_for_url("**functions=hotline_reporting*")
        titles = page.locator("main .card__title").all_inner_texts()
    finally:
        context.close()

    assert titles == ["Lantern Hotline"]


def test_search_pages_have_no_serious_axe_violation(page, catalogue):
    found = {}
    for path in SEARCH_PAGES:
        page.goto(path)
        found[path] = axe_violations(page)

    assert {path: v for path, v in found.items() if v} == {}


@pytest.mark.parametrize("width", [320, 1280])
def test_no_horizontal_scroll(browser, live_server, e2e_settings, catalogue, width):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}, bypass_csp=True
    )
    page = context.new_page()
    wide = {}
    try:
        for path in ["/", *SEARCH_PAGES]:
            page.goto(path)
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if sizes[0] > sizes[1]:
                wide[path] = sizes
    finally:
        context.close()

    assert wide == {}
