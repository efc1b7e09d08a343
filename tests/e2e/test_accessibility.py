"""Accessibility in a real browser: no serious or critical axe-core violation on the main
pages, the search box reachable by keyboard alone, and no sideways scrolling at 320px."""

import pytest

from tests.factories import (
    LicenseOfferFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

from .conftest import axe_violations, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PUBLIC_PAGES = [
    "/",
    "/tools/",
    "/tools/shelter-bridge/",
    "/needs/",
    "/needs/referral-tracking/",
    "/organizations/",
    "/organizations/harbour-watch/",
    "/licences/",
    "/accounts/login/",
]
MEMBER_PAGES = [
    "/tools/new/",
    "/needs/new/",
    "/organizations/harbour-watch/workspace/",
    "/organizations/new/",
    "/moderation/",
    "/moderation/access-log/",
]


@pytest.fixture
def catalogue():
    owner = OrganizationFactory(name="Harbour Watch", slug="harbour-watch")
    MembershipFactory(
        user=UserFactory(email="owner@example.org", groups=["moderator"]),
        organization=owner,
        role="owner",
    )
    tool = ToolFactory(
        name="Shelter Bridge",
        slug="shelter-bridge",
        organization=owner,
        functions=["case_management"],
        regions=["KE"],
        safeguards=["privacy_by_design"],
    )
    LicenseOfferFactory(tool=tool, title="Free seats for shelters")
    NeedFactory(title="Referral tracking", slug="referral-tracking", organization=owner)
    return owner


def test_main_pages_have_no_serious_axe_violation(page, catalogue):
    found = {}
    for path in PUBLIC_PAGES:
        page.goto(path)
        found[path] = axe_violations(page)
    sign_in(page, "owner@example.org")
    for path in MEMBER_PAGES:
        page.goto(path)
        found[path] = axe_violations(page)

    assert {path: v for path, v in found.items() if v} == {}


def test_search_box_is_reached_with_the_keyboard_alone(page, catalogue):
    page.goto("/")
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == (
            "home-search"
        ):
            break
    else:
        pytest.fail("the search box was not reached with Tab")
    page.keyboard.type("shelter")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tools/?q=shelter*")
    assert "Shelter Bridge" in page.inner_text("main")


def test_first_tab_stop_is_the_skip_link(page, catalogue):
    page.goto("/tools/")
    page.keyboard.press("Tab")

    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#main"


def test_no_horizontal_scroll_at_320px(browser, live_server, e2e_settings, catalogue):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 320, "height": 640}, bypass_csp=True
    )
    page = context.new_page()
    wide = {}
    try:
        for path in PUBLIC_PAGES:
            page.goto(path)
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if sizes[0] > sizes[1]:
                wide[path] = sizes
        sign_in(page, "owner@example.org")
        for path in MEMBER_PAGES:
            page.goto(path)
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if sizes[0] > sizes[1]:
                wide[path] = sizes
    finally:
        context.close()

    assert wide == {}


def test_the_axe_check_does_report_a_violation(page):
    page.set_content("<html lang='en'><body><main><img src='x.png'></main></body></html>")

    assert "image-alt" in {violation["id"] for violation in axe_violations(page)}
