"""Lists: cursor pagination stable under inserts, page sizes, whitelisted ordering, filters
on every facet, and a number of queries that does not grow with the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry.models import Tool
from tests.factories import (
    LicenseOfferFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
)

from .conftest import token_client


def _names(response):
    return [item["name"] for item in response.json()["results"]]


def _walk(api, url, params):
    names, next_url = [], None
    response = api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        names += _names(response)
        next_url = response.json()["next"]
        if not next_url:
            return names
        response = api.get(next_url)


def test_pages_follow_each_other_without_gaps_or_repeats(api):
    for i in range(23):
        ToolFactory(name=f"Tool {i:02d}")
    assert _walk(api, "/api/v1/tools/", {"page_size": 5}) == [f"Tool {i:02d}" for i in range(23)]


def test_ties_are_broken_by_id(api):
    for _ in range(7):
        ToolFactory(name="Same name")
    seen = []
    response = api.get("/api/v1/tools/", {"page_size": 3})
    while True:
        seen += [item["slug"] for item in response.json()["results"]]
        if not response.json()["next"]:
            break
        response = api.get(response.json()["next"])
    assert len(seen) == len(set(seen)) == 7


def test_pagination_is_stable_under_inserts(api):
    for i in range(10):
        ToolFactory(name=f"Tool {i:02d}")
    first = api.get("/api/v1/tools/", {"page_size": 4})
    assert _names(first) == ["Tool 00", "Tool 01", "Tool 02", "Tool 03"]
    # Records inserted before the cursor do not shift the next page.
    ToolFactory(name="Tool 00a")
    ToolFactory(name="Aardvark")
    second = api.get(first.json()["next"])
    assert _names(second) == ["Tool 04", "Tool 05", "Tool 06", "Tool 07"]
    back = api.get(second.json()["previous"])
    assert _names(back) == ["Tool 00a", "Tool 01", "Tool 02", "Tool 03"]


def test_previous_links_walk_back(api):
    for i in range(9):
        ToolFactory(name=f"Tool {i}")
    page = api.get("/api/v1/tools/", {"page_size": 3})
    assert page.json()["previous"] is None
    page2 = api.get(page.json()["next"])
    page3 = api.get(page2.json()["next"])
    assert page3.json()["next"] is None
    assert _names(api.get(page3.json()["previous"])) == _names(page2)


def test_page_size_defaults_to_50_and_is_refused_above_100(api):
    org = OrganizationFactory()
    Tool.objects.bulk_create(
        Tool(
            slug=f"bulk-{i}",
            name=f"Bulk {i:03d}",
            organization=org,
            summary="s",
            availability="free",
            maturity="idea",
        )
        for i in range(120)
    )
    assert len(api.get("/api/v1/tools/").json()["results"]) == 50
    assert len(api.get("/api/v1/tools/", {"page_size": 100}).json()["results"]) == 100
    assert len(api.get("/api/v1/tools/", {"page_size": 7}).json()["results"]) == 7
    # The schema says `maximum: 100`: more is an error, not silently fewer.
    assert api.get("/api/v1/tools/", {"page_size": 101}).status_code == 400


@pytest.mark.parametrize(
    "ordering", ["name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"]
)
def test_every_whitelisted_ordering_pages_through_everything(api, ordering):
    now = timezone.now()
    for i in range(8):
        tool = ToolFactory(name=f"Tool {i}")
        Tool.objects.filter(pk=tool.pk).update(
            created_at=now - timedelta(hours=i % 3), updated_at=now - timedelta(minutes=i)
        )
    names = _walk(api, "/api/v1/tools/", {"page_size": 3, "ordering": ordering})
    field = ordering.lstrip("-")
    expected = sorted(
        Tool.objects.all(),
        key=lambda t: (getattr(t, field), t.pk),
        reverse=ordering.startswith("-"),
    )
    assert names == [t.name for t in expected]


def test_a_cursor_keeps_the_ordering_it_was_made_for(api):
    for i in range(4):
        ToolFactory(name=f"Tool {i}")
    next_url = api.get("/api/v1/tools/", {"page_size": 2}).json()["next"]
    response = api.get(next_url + "&ordering=-updated_at")
    assert response.status_code == 200
    assert _names(response) == ["Tool 2", "Tool 3"]
    assert "ordering=name" in response.json()["previous"]


FACETS = {
    "purposes": ("support", "disrupt"),
    "focus_areas": ("prevention", "prosecution"),
    "functions": ("mapping", "training"),
    "trafficking_types": ("labor", "sex"),
    "target_users": ("ngo", "public"),
    "technologies": ("chatbot", "database"),
    "regions": ("KE", "FR"),
    "languages": ("sw", "fr"),
    "safeguards": ("data_minimization", "security_audit"),
}


@pytest.mark.parametrize("facet", list(FACETS))
def test_tools_filter_on_every_facet(api, facet):
    wanted, other = FACETS[facet]
    ToolFactory(name="Has", **{facet: [wanted]})
    ToolFactory(name="Lacks", **{facet: [other]})
    assert _names(api.get("/api/v1/tools/", {facet: wanted})) == ["Has"]
    assert sorted(_names(api.get(f"/api/v1/tools/?{facet}={wanted}&{facet}={other}"))) == [
        "Has",
        "Lacks",
    ]


def test_tools_filter_on_organization_sector_country_maturity_availability_visibility(api):
    police = OrganizationFactory(slug="police", sector="law_enforcement", country="FR")
    ngo = OrganizationFactory(slug="ngo", sector="ngo", country="KE")
    ToolFactory(name="A", organization=police, maturity="pilot", availability="commercial")
    ToolFactory(
        name="B",
        organization=ngo,
        maturity="deployed",
        availability="free",
        visibility="registered",
    )
    api.force_authenticate(MembershipFactory().user)
    assert _names(api.get("/api/v1/tools/", {"organization": "police"})) == ["A"]
    assert _names(api.get("/api/v1/tools/", {"sector": "ngo"})) == ["B"]
    assert _names(api.get("/api/v1/tools/", {"country": "fr"})) == ["A"]
    assert _names(api.get("/api/v1/tools/", {"maturity": "pilot"})) == ["A"]
    assert _names(api.get("/api/v1/tools/", {"availability": "free"})) == ["B"]
    assert _names(api.get("/api/v1/tools/", {"visibility": "registered"})) == ["B"]


def test_updated_since(api):
    old = ToolFactory(name="Old")
    Tool.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=10))
    ToolFactory(name="New")
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert _names(api.get("/api/v1/tools/", {"updated_since": since})) == ["New"]


def test_a_hidden_organization_cannot_be_probed_through_the_filter(api):
    gone = OrganizationFactory(slug="gone", verification_status="suspended")
    ToolFactory(organization=gone)
    hidden = api.get("/api/v1/tools/", {"organization": "gone"})
    missing = api.get("/api/v1/tools/", {"organization": "never-was"})
    # A well-formed slug the schema allows is never refused: it finds nothing, alike.
    assert hidden.status_code == missing.status_code == 200
    assert hidden.json() == missing.json() == {"next": None, "previous": None, "results": []}


def test_needs_filters(api):
    NeedFactory(title="Urgent", urgency="critical", functions=["mapping"])
    NeedFactory(title="Calm", urgency="low", status="met")
    titles = [
        n["title"] for n in api.get("/api/v1/needs/", {"urgency": "critical"}).json()["results"]
    ]
    assert titles == ["Urgent"]
    titles = [n["title"] for n in api.get("/api/v1/needs/", {"status": "met"}).json()["results"]]
    assert titles == ["Calm"]
    titles = [
        n["title"] for n in api.get("/api/v1/needs/", {"functions": "mapping"}).json()["results"]
    ]
    assert titles == ["Urgent"]


def _queries_for(api, url, n_items):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, {"page_size": n_items})
    assert response.status_code == 200
    assert len(response.json()["results"]) == n_items
    return len(queries)


@pytest.mark.parametrize(
    "url, make",
    [
        (
            "/api/v1/tools/",
            lambda i: ToolFactory(
                functions=["mapping", "training"],
                regions=["KE"],
                languages=["en"],
                safeguards=["security_audit"],
            ),
        ),
        ("/api/v1/needs/", lambda i: NeedFactory(functions=["mapping"], regions=["KE"])),
        ("/api/v1/license-offers/", lambda i: LicenseOfferFactory(eligible_sectors=["ngo"])),
        ("/api/v1/organizations/", lambda i: OrganizationFactory()),
    ],
)
def test_queries_per_list_do_not_grow_with_the_page(url, make):
    from rest_framework.test import APIClient

    for i in range(50):
        make(i)
    anonymous = APIClient()
    # A token loads the user afresh on every request, as in production.
    member = token_client(MembershipFactory(role="editor").user)
    for client in (anonymous, member):
        client.get(url)  # a token records its first use once a minute: not per page
        small = _queries_for(client, url, 5)
        large = _queries_for(client, url, 50)
        assert small == large, (url, small, large)


def test_tool_list_query_count_is_a_small_constant(api):
    for _ in range(50):
        ToolFactory(functions=["mapping"], regions=["KE"])
    # One page query plus one per prefetched facet; no count query.
    assert _queries_for(api, "/api/v1/tools/", 50) <= 12
