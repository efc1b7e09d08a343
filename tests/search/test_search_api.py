"""GET /api/v1/search/: results, totals and facet counts follow the permission layer."""

import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, NeedFactory, OrganizationFactory, ToolFactory


@pytest.fixture
def catalogue():
    ToolFactory(
        name="Shelter Referral Exchange",
        summary="Case referrals between shelters",
        functions=["information_sharing"],
        regions=["US"],
    )
    ToolFactory(
        name="Referral Helpline",
        summary="A hotline that refers callers to shelters",
        functions=["hotline_reporting"],
        regions=["KE"],
    )
    ToolFactory(
        name="Hidden Referral Tracker",
        summary="Referral tracking for police",
        functions=["information_sharing"],
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
    )
    NeedFactory(title="Referral sharing in three languages", functions=["information_sharing"])


def test_search_ranks_and_counts_only_what_anonymous_may_see(catalogue):
    body = APIClient().get("/api/v1/search/?q=referral").json()
    names = [r["name"] for r in body["results"]]
    assert body["count"] == 2
    assert "Hidden Referral Tracker" not in names
    counts = dict((f["code"], f["count"]) for f in body["facets"]["functions"])
    assert counts == {"information_sharing": 1, "hotline_reporting": 1}
    assert all(r["url"].startswith("http") for r in body["results"])


def test_search_counts_the_restricted_tool_for_law_enforcement(catalogue):
    client = APIClient()
    client.force_authenticate(
        MembershipFactory(organization=OrganizationFactory(sector="law_enforcement")).user
    )
    body = client.get("/api/v1/search/?q=referral").json()
    assert body["count"] == 3
    counts = dict((f["code"], f["count"]) for f in body["facets"]["functions"])
    assert counts["information_sharing"] == 2


def test_search_narrows_by_facet_and_type(catalogue):
    client = APIClient()
    body = client.get("/api/v1/search/?q=referral&functions=hotline_reporting").json()
    assert [r["name"] for r in body["results"]] == ["Referral Helpline"]
    needs = client.get("/api/v1/search/?q=referral&type=need").json()
    assert [r["type"] for r in needs["results"]] == ["need"]


def test_search_highlights_matches_safely(catalogue):
    body = APIClient().get("/api/v1/search/?q=shelters").json()
    assert any("<mark>" in r["highlight"] for r in body["results"])


@pytest.mark.parametrize(
    "query",
    [
        "type=robot",
        "functions=teleportation",
        f"q={'x' * 501}",
        "regions=ZZ",
        # Every facet is checked against its vocabulary, whatever the type it applies to.
        "type=tool&status=closing",
        "type=need&maturity=ancient",
        "page_size=0",
        "page_size=101",
        "page_size=ten",
    ],
)
def test_bad_search_parameters_are_400(query):
    response = APIClient().get(f"/api/v1/search/?{query}")
    assert response.status_code == 400


def test_a_blank_facet_parameter_means_no_filter(catalogue):
    """`?functions=` is no filter on search, as on every list (it was a 400 here only)."""
    client = APIClient()
    everything = client.get("/api/v1/search/?q=referral").json()
    for query in [
        "functions=",
        "functions=&regions=&type=&page=&page_size=",
        "maturity=&availability=&status=&sector=&languages=&technologies=",
    ]:
        response = client.get(f"/api/v1/search/?q=referral&{query}")
        assert response.status_code == 200, (query, response.content)
        assert response.json()["count"] == everything["count"]
    narrowed = client.get("/api/v1/search/?q=referral&functions=&functions=hotline_reporting")
    assert [r["name"] for r in narrowed.json()["results"]] == ["Referral Helpline"]


@pytest.mark.parametrize("page", ["0", "-1", "1.0", "\u0663", "99"])
def test_a_page_that_is_not_there_is_a_404(catalogue, page):
    assert APIClient().get("/api/v1/search/", {"page": page}).status_code == 404


@pytest.mark.parametrize("text", ['"unbalanced', "NEAR(", "*", "a OR", "-", "::", "😀"])
def test_hostile_search_text_never_fails(catalogue, text):
    assert APIClient().get("/api/v1/search/", {"q": text}).status_code == 200
