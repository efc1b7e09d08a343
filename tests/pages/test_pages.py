"""Every page renders for an anonymous reader, and the list pages filter and paginate."""

import re

import pytest
from django.urls import reverse

from accounts.models import AccessLogEntry
from tests.factories import (
    LicenseOfferFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    ToolUseFactory,
)


@pytest.fixture
def catalogue():
    owner = OrganizationFactory(name="Harbour Watch", slug="harbour-watch")
    tool = ToolFactory(
        name="Shelter Bridge",
        slug="shelter-bridge",
        organization=owner,
        functions=["case_management", "survivor_services"],
        purposes=["support"],
        regions=["KE", "global"],
        safeguards=["privacy_by_design", "survivor_informed"],
        website="https://shelter-bridge.example.org",
    )
    ToolUseFactory(tool=tool, organization=OrganizationFactory(name="Coastal Shelter Network"))
    LicenseOfferFactory(tool=tool, title="Free seats for shelters")
    need = NeedFactory(title="Referral tracking", slug="referral-tracking", organization=owner)
    return {"organization": owner, "tool": tool, "need": need}


@pytest.mark.parametrize(
    "name, args",
    [
        ("registry:home", []),
        ("registry:tool-list", []),
        ("registry:tool-detail", ["shelter-bridge"]),
        ("registry:need-list", []),
        ("registry:need-detail", ["referral-tracking"]),
        ("registry:organization-list", []),
        ("registry:organization-detail", ["harbour-watch"]),
        ("accounts:login", []),
    ],
)
def test_page_renders_for_anonymous_reader(client, catalogue, name, args):
    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'href="#main"' in html
    assert '<main id="main"' in html


def test_every_form_control_has_a_label(client, catalogue):
    for url in [
        reverse("registry:home"),
        reverse("registry:tool-list"),
        reverse("registry:need-list"),
        reverse("registry:organization-list"),
        reverse("accounts:login"),
    ]:
        html = client.get(url).content.decode()
        labelled = set(re.findall(r'<label for="([^"]+)"', html))
        controls = re.findall(r"<(?:input|select|textarea)\b([^>]*)>", html)
        for attributes in controls:
            if 'type="hidden"' in attributes or 'type="submit"' in attributes:
                continue
            control_id = re.search(r'id="([^"]+)"', attributes)
            assert control_id and control_id.group(1) in labelled, (url, attributes)


def test_home_counts_and_recent_tools(client, catalogue):
    response = client.get(reverse("registry:home"))

    assert response.context["counts"] == {"tools": 1, "organizations": 2, "open_needs": 1}
    assert "Shelter Bridge" in response.content.decode()


def test_tool_detail_shows_facets_safeguards_uses_and_offers(client, catalogue):
    html = client.get(reverse("registry:tool-detail", args=["shelter-bridge"])).content.decode()

    assert "Case management" in html
    assert "Kenya" in html
    assert "Coastal Shelter Network" in html
    assert "Free seats for shelters" in html
    assert 'href="/organizations/harbour-watch/"' in html
    assert 'rel="noopener noreferrer"' in html
    # All eight safeguards, each said in words, not only by colour.
    assert html.count("checklist__item") == 8
    assert html.count(": <strong>stated</strong>") == 2
    assert html.count(": <strong>not stated</strong>") == 6


def test_unknown_tool_answers_404(client):
    response = client.get(reverse("registry:tool-detail", args=["no-such-tool"]))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_public_tool_read_is_not_logged(client, catalogue):
    client.get(reverse("registry:tool-detail", args=["shelter-bridge"]))

    assert not AccessLogEntry.objects.exists()


def test_filters_narrow_the_tool_list(client):
    ToolFactory(name="Ledger Lens", functions=["financial_intelligence"], maturity="pilot")
    ToolFactory(name="Hotline Hub", functions=["hotline_reporting"], maturity="deployed")

    by_function = client.get(reverse("registry:tool-list"), {"functions": "hotline_reporting"})
    by_maturity = client.get(reverse("registry:tool-list"), {"maturity": "pilot"})
    by_text = client.get(reverse("registry:tool-list"), {"q": "ledger"})

    assert [t.name for t in by_function.context["page_obj"]] == ["Hotline Hub"]
    assert [t.name for t in by_maturity.context["page_obj"]] == ["Ledger Lens"]
    assert [t.name for t in by_text.context["page_obj"]] == ["Ledger Lens"]


def test_ticking_two_boxes_of_one_group_widens_the_list(client):
    ToolFactory(name="Ledger Lens", functions=["financial_intelligence"])
    ToolFactory(name="Hotline Hub", functions=["hotline_reporting"])
    ToolFactory(name="Map Room", functions=["mapping"])

    response = client.get(
        reverse("registry:tool-list"),
        {"functions": ["hotline_reporting", "financial_intelligence"]},
    )

    assert {t.name for t in response.context["page_obj"]} == {"Ledger Lens", "Hotline Hub"}
    functions = next(g for g in response.context["facets"] if g.name == "functions")
    # Counts of a group ignore the group's own selection: each box says what it would add.
    assert {o.code: o.count for o in functions.options} == {
        "financial_intelligence": 1,
        "hotline_reporting": 1,
        "mapping": 1,
    }
    assert {o.code for o in functions.selected} == {"hotline_reporting", "financial_intelligence"}


def test_facet_counts_follow_the_other_filters(client):
    ToolFactory(functions=["mapping"], maturity="pilot")
    ToolFactory(functions=["mapping"], maturity="deployed")
    ToolFactory(functions=["training"], maturity="deployed")

    response = client.get(reverse("registry:tool-list"), {"maturity": "deployed"})

    functions = next(g for g in response.context["facets"] if g.name == "functions")
    assert {o.code: o.count for o in functions.options} == {"mapping": 1, "training": 1}
    assert "Mapping and geospatial analysis" in response.content.decode()


def test_unknown_filter_code_is_ignored_with_a_notice(client):
    ToolFactory(name="Map Room")

    response = client.get(reverse("registry:tool-list"), {"functions": "not-a-code"})

    assert response.status_code == 200
    assert [t.name for t in response.context["page_obj"]] == ["Map Room"]
    assert "have been ignored" in response.content.decode()


def test_no_results_message(client):
    response = client.get(reverse("registry:tool-list"), {"q": "nothing-matches-this"})

    assert "No tools match these filters." in response.content.decode()


def test_tool_list_paginates_and_keeps_filters_in_page_links(client):
    for n in range(45):
        ToolFactory(name=f"Mapper {n:02d}", functions=["mapping"])
    ToolFactory(name="Zz Other", functions=["training"])

    first = client.get(reverse("registry:tool-list"), {"functions": "mapping"})
    third = client.get(reverse("registry:tool-list"), {"functions": "mapping", "page": 3})
    beyond = client.get(reverse("registry:tool-list"), {"functions": "mapping", "page": 99})

    assert first.context["page_obj"].paginator.count == 45
    assert len(first.context["page_obj"]) == 20
    assert "45 tools" in first.content.decode()
    assert 'href="?functions=mapping&amp;page=2"' in first.content.decode()
    assert [t.name for t in third.context["page_obj"]] == [f"Mapper {n}" for n in range(40, 45)]
    assert beyond.context["page_obj"].number == 3


def test_remove_filter_link_keeps_the_other_filters(client):
    ToolFactory(functions=["mapping"], maturity="pilot")

    html = client.get(
        reverse("registry:tool-list"), {"functions": "mapping", "maturity": "pilot", "page": 1}
    ).content.decode()

    assert 'href="?maturity=pilot"' in html
    assert 'href="?functions=mapping"' in html


def test_need_list_filters_by_status_urgency_function_and_region(client):
    NeedFactory(title="Open urgent", status="open", urgency="critical", regions=["KE"])
    NeedFactory(title="Met", status="met", urgency="low", functions=["mapping"])

    url = reverse("registry:need-list")
    assert [n.title for n in client.get(url, {"status": "met"}).context["page_obj"]] == ["Met"]
    assert [n.title for n in client.get(url, {"urgency": "critical"}).context["page_obj"]] == [
        "Open urgent"
    ]
    assert [n.title for n in client.get(url, {"functions": "mapping"}).context["page_obj"]] == [
        "Met"
    ]
    assert [n.title for n in client.get(url, {"regions": "KE"}).context["page_obj"]] == [
        "Open urgent"
    ]


def test_need_list_paginates(client):
    for n in range(25):
        NeedFactory(title=f"Need number {n}")

    second = client.get(reverse("registry:need-list"), {"page": 2})

    assert len(second.context["page_obj"]) == 5


def test_organization_list_filters_and_counts_visible_tools(client):
    police = OrganizationFactory(name="Metro Police Unit", sector="law_enforcement")
    ToolFactory(organization=police)
    ToolFactory(organization=police, visibility="restricted", restricted_to_sectors=["government"])
    OrganizationFactory(name="River NGO", sector="ngo")

    response = client.get(reverse("registry:organization-list"), {"sector": "law_enforcement"})

    assert [(o.name, o.visible_tool_count) for o in response.context["page_obj"]] == [
        ("Metro Police Unit", 1)
    ]


def test_organization_detail_shows_verification_status(client):
    OrganizationFactory(slug="pending-org", verification_status="pending")

    html = client.get(reverse("registry:organization-detail", args=["pending-org"])).content
    assert b"Verification pending" in html


def test_discontinued_tool_links_to_a_visible_successor_only(client):
    successor = ToolFactory(name="Shelter Bridge Two")
    hidden_successor = ToolFactory(name="Quiet Successor", visibility="private")
    old = ToolFactory(slug="old-bridge", maturity="discontinued", successor=successor)
    older = ToolFactory(slug="older-bridge", maturity="discontinued", successor=hidden_successor)

    html = client.get(reverse("registry:tool-detail", args=[old.slug])).content.decode()
    hidden = client.get(reverse("registry:tool-detail", args=[older.slug])).content.decode()

    assert "This tool is discontinued." in html
    assert f'href="{successor.get_absolute_url()}"' in html
    assert "This tool is discontinued." in hidden
    assert "Quiet Successor" not in hidden


@pytest.mark.parametrize(
    "url",
    ["registry:home", "registry:tool-list", "registry:need-list", "registry:organization-list"],
)
def test_list_pages_do_not_run_a_query_per_record(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(url)).status_code == 200
        return len(captured)

    ToolFactory(regions=["KE"])
    NeedFactory()
    few = queries()
    for _ in range(8):
        ToolFactory(regions=["KE", "UG"], functions=["mapping", "training"])
        NeedFactory(functions=["mapping"])

    assert queries() == few
