"""The search page, /search/: results of each type, facet counts, highlighting, the help shown
when nothing matches, pagination, bad parameters, and what each reader may see of it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from registry import page_selectors
from tests.access.world import READS, ROLES, VISIBILITIES, build_world
from tests.factories import MembershipFactory, NeedFactory, OrganizationFactory, ToolFactory

URL = "/search/"


def _get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def _hit_names(response) -> list[str]:
    """The plain text of each result's title, in page order."""
    html = response.content.decode()
    titles = re.findall(r'class="card__title"><a href="[^"]*">(.*?)</a>', html, re.S)
    return [re.sub(r"</?mark>", "", title) for title in titles]


def _facet_counts(response, name: str) -> dict[str, int]:
    group = next((g for g in response.context["facets"] if g.name == name), None)
    return {} if group is None else {o.code: o.count for o in group.options}


@pytest.fixture
def catalogue():
    ngo = OrganizationFactory(
        name="Harbour Lantern Network",
        slug="harbour",
        sector="ngo",
        description="A coalition of lantern shelters on the coast.",
    )
    ToolFactory(
        name="Lantern Case Desk",
        slug="lantern-case-desk",
        organization=ngo,
        summary="Case management for lantern shelters.",
        maturity="deployed",
        functions=["case_management"],
        regions=["KE"],
    )
    ToolFactory(
        name="Lantern Hotline",
        slug="lantern-hotline",
        maturity="pilot",
        summary="A hotline that refers callers to shelters.",
        description="Callers reach a lantern operator day and night.",
        functions=["hotline_reporting", "case_management"],
        regions=["US"],
    )
    ToolFactory(
        name="Harbour Watch",
        slug="harbour-watch",
        summary="Watches port manifests.",
        functions=["supply_chain"],
    )
    NeedFactory(
        title="Lantern referrals in Swahili",
        slug="lantern-referrals",
        status="open",
        description="We need lantern shelters to share referrals.",
        functions=["case_management"],
    )
    NeedFactory(
        title="Port inspection checklist",
        slug="port-checklist",
        status="met",
        description="Inspectors need a lantern-lit checklist.",
        functions=["training"],
    )


# --- Results of each type ---------------------------------------------------------------------


def test_all_types_shows_a_section_per_type_with_its_count(client, catalogue):
    response = _get(client, q="lantern")

    counts = response.context["counts"]
    assert counts == {"tool": 2, "need": 2, "organization": 1, "all": 5}
    sections = {s["kind"]: s for s in response.context["sections"]}
    assert set(sections) == {"tool", "need", "organization"}
    assert {h.record.slug for h in sections["tool"]["hits"]} == {
        "lantern-case-desk",
        "lantern-hotline",
    }
    assert "Harbour Lantern Network" in _hit_names(response)
    assert "Harbour Watch" not in _hit_names(response)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("tool", {"Lantern Case Desk", "Lantern Hotline"}),
        ("need", {"Lantern referrals in Swahili", "Port inspection checklist"}),
        ("organization", {"Harbour Lantern Network"}),
    ],
)
def test_one_type_lists_only_that_type(client, catalogue, kind, expected):
    response = _get(client, q="lantern", type=kind)

    assert set(_hit_names(response)) == expected
    assert response.context["page_obj"].paginator.count == len(expected)


def test_best_match_comes_first(client, catalogue):
    response = _get(client, q="hotline", type="tool")

    assert _hit_names(response)[0] == "Lantern Hotline"


def test_type_switch_links_keep_the_words_and_the_filters_each_type_has(client, catalogue):
    response = _get(
        client, q="lantern", type="tool", maturity="deployed", functions="case_management"
    )

    tabs = {tab["kind"]: tab for tab in response.context["tabs"]}
    assert (
        tabs["tool"]["query"] == "?q=lantern&type=tool&functions=case_management&maturity=deployed"
    )
    # Needs have functions but no maturity; organizations have neither.
    assert tabs["need"]["query"] == "?q=lantern&type=need&functions=case_management"
    assert tabs["organization"]["query"] == "?q=lantern&type=organization"
    # Each count is what that link shows.
    assert tabs["tool"]["count"] == 1
    assert tabs["need"]["count"] == 1
    assert tabs["organization"]["count"] == 1
    assert tabs["all"]["count"] == 3
    html = response.content.decode()
    assert 'href="?q=lantern&amp;type=need&amp;functions=case_management"' in html


@pytest.mark.parametrize(
    "params",
    [
        {"q": "lantern"},
        {"q": "lantern", "type": "tool", "functions": "case_management", "maturity": "deployed"},
        {"q": "lantern", "type": "need", "status": "met"},
        {"type": "organization", "sector": "ngo"},
    ],
)
def test_each_tab_count_is_what_its_link_lists(client, catalogue, params):
    tabs = _get(client, **params).context["tabs"]

    for tab in tabs:
        followed = client.get(URL + tab["query"])
        assert followed.context["total"] == tab["count"], tab
        if tab["kind"] == "all":
            listed = sum(len(section["hits"]) for section in followed.context["sections"])
        else:
            listed = len(followed.context["hits"])
        assert listed == tab["count"], tab


def test_without_words_a_type_can_be_browsed_by_filter(client, catalogue):
    response = _get(client, type="tool", functions="case_management")

    assert _hit_names(response) == ["Lantern Case Desk", "Lantern Hotline"]


def test_empty_search_shows_how_to_search_and_no_results(client, catalogue):
    response = _get(client)

    assert response.context["started"] is False
    assert response.context["sections"] == [] and "help" not in response.context
    assert 'class="card__title"' not in response.content.decode()
    assert "Put a phrase in quotes" in response.content.decode()


# --- Facets -----------------------------------------------------------------------------------


def test_facet_counts_follow_the_words(client, catalogue):
    response = _get(client, q="lantern", type="tool")

    assert _facet_counts(response, "functions") == {"case_management": 2, "hotline_reporting": 1}
    assert _facet_counts(response, "maturity") == {"deployed": 1, "pilot": 1}
    assert _facet_counts(response, "regions") == {"KE": 1, "US": 1}


def test_facet_counts_of_a_group_ignore_its_own_selection(client, catalogue):
    response = _get(client, q="lantern", type="tool", maturity="pilot")

    assert _hit_names(response) == ["Lantern Hotline"]
    # Ticking "deployed" too would add one result: the group keeps its other count.
    assert _facet_counts(response, "maturity") == {"deployed": 1, "pilot": 1}
    # Other groups count within the selection.
    assert _facet_counts(response, "functions") == {"case_management": 1, "hotline_reporting": 1}


def test_need_facets_include_status(client, catalogue):
    response = _get(client, q="lantern", type="need", status="open")

    assert _hit_names(response) == ["Lantern referrals in Swahili"]
    assert _facet_counts(response, "status") == {"open": 1, "met": 1}
    assert "maturity" not in [g.name for g in response.context["facets"]]


def test_organization_facet_is_the_sector(client, catalogue):
    OrganizationFactory(name="Lantern Police Unit", sector="law_enforcement")

    response = _get(client, q="lantern", type="organization", sector="law_enforcement")

    assert _hit_names(response) == ["Lantern Police Unit"]
    assert _facet_counts(response, "sector") == {"ngo": 1, "law_enforcement": 1}


def test_a_sidebar_without_options_says_so_instead_of_offering_a_button(client, catalogue):
    response = _get(client, q="zebra", type="organization")

    html = response.content.decode()
    assert response.context["facets"] == []
    assert "No filters apply to these results." in html
    assert "Apply filters" not in html


def test_several_codes_of_one_facet_widen_the_results(client, catalogue):
    response = client.get(URL, {"q": "lantern", "type": "tool", "maturity": ["pilot", "deployed"]})

    assert response.context["page_obj"].paginator.count == 2


# --- Highlighting -----------------------------------------------------------------------------


def test_matched_words_are_marked(client, catalogue):
    html = _get(client, q="hotline", type="tool").content.decode()

    assert "Lantern <mark>Hotline</mark>" in html
    assert "A <mark>hotline</mark> that refers callers" in html


def test_the_passage_shown_is_the_one_that_matches(client, catalogue):
    html = _get(client, q="operator", type="tool").content.decode()

    assert "<mark>operator</mark>" in html


def test_html_in_a_record_is_escaped_around_the_marks(client):
    ToolFactory(
        name="<b>Bold</b> beacon",
        summary='Beacon <script>alert("x")</script> <i>now</i>',
        description="<img src=x onerror=alert(1)> beacon",
    )
    NeedFactory(title="Beacon <em>please</em>", description="<script>beacon()</script>")
    OrganizationFactory(name="Beacon & <Sons>", description="<iframe>beacon</iframe>")

    html = _get(client, q="beacon").content.decode()

    main = html[html.index("<main") :]
    assert "<script>" not in main and "<img" not in main and "<iframe" not in main
    assert "<b>Bold</b>" not in main and "<em>please</em>" not in main
    assert "&lt;b&gt;Bold&lt;/b&gt; <mark>beacon</mark>" in main
    assert "<mark>Beacon</mark> &amp; &lt;Sons&gt;" in main
    # The passage around a match: SQLite keeps the tags as text, PostgreSQL's headline drops
    # them; either way none reaches the page as markup.
    snippet = re.search(r'search-hit__snippet">(.*?)</p>', main, re.S).group(1)
    assert snippet.startswith("<mark>Beacon</mark>")
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_a_record_cannot_forge_a_mark(client):
    ToolFactory(name="Forged beacon", summary="<mark>fake</mark> beacon")

    html = _get(client, q="beacon", type="tool").content.decode()

    snippet = re.search(r'search-hit__snippet">(.*?)</p>', html, re.S).group(1)
    assert re.findall(r"<mark>(.*?)</mark>", snippet) == ["beacon"]
    assert "<mark>fake" not in html


# --- When nothing matches ---------------------------------------------------------------------


def test_no_results_help_offers_each_way_out(client, catalogue):
    response = _get(
        client, q="lantern zebra", type="tool", functions="case_management", maturity="pilot"
    )

    assert response.context["page_obj"].paginator.count == 0
    html = response.content.decode()
    assert "Nothing matches “lantern zebra”" in html
    assert "Check the spelling." in html
    # One link per active filter removes just that filter.
    assert '<a href="?q=lantern+zebra&amp;type=tool&amp;maturity=pilot">remove Functions' in html
    assert (
        '<a href="?q=lantern+zebra&amp;type=tool&amp;functions=case_management">remove Maturity'
        in html
    )
    assert '<a href="?q=lantern+zebra&amp;type=tool">remove every filter</a>' in html
    # Each word alone, filters kept.
    words = {w["word"]: w["query"] for w in response.context["help"]["words"]}
    assert words == {
        "lantern": "?q=lantern&type=tool&functions=case_management&maturity=pilot",
        "zebra": "?q=zebra&type=tool&functions=case_management&maturity=pilot",
    }
    assert "in English, Spanish or Chinese" in html
    assert 'href="/needs/new/">post a need</a>' in html
    assert 'href="/tools/new/">propose a tool</a>' in html


def test_no_results_suggests_a_visible_name_spelt_alike(client, catalogue):
    response = _get(client, q="Lanturn Hotlin", type="tool")

    suggestions = response.context["help"]["suggestions"]
    assert suggestions[0] == {"label": "Lantern Hotline", "query": "?q=Lantern+Hotline&type=tool"}
    assert "Did you mean:" in response.content.decode()


def test_no_results_never_suggests_a_hidden_name(client, restricted_tool):
    # restricted_tool is "Covert Ledger Tracer", opened to law enforcement only.
    response = _get(client, q="Covert Ledger Tracr", type="tool")

    assert response.context["help"]["suggestions"] == []
    assert "Covert Ledger Tracer" not in response.content.decode()


def test_no_results_points_to_another_type_that_has_results(client, catalogue):
    response = _get(client, q="Swahili", type="tool")

    elsewhere = {tab["kind"]: tab["count"] for tab in response.context["help"]["elsewhere"]}
    assert elsewhere == {"need": 1}


def test_no_results_with_a_single_word_suggests_a_broader_word(client, catalogue):
    html = _get(client, q="zebra").content.decode()

    assert "Try a broader word" in html
    assert "Try fewer words" not in html


def test_no_results_with_filters_only(client, catalogue):
    html = _get(client, type="tool", functions="legal_support").content.decode()

    assert "Nothing matches these filters." in html
    assert '<a href="?type=tool">remove Functions: Legal support and access to justice</a>' in html


def test_anonymous_reader_is_told_some_records_need_signing_in(client, catalogue):
    html = _get(client, q="zebra").content.decode()

    assert "signed-in members" in html


# --- Pagination -------------------------------------------------------------------------------


def test_results_are_paginated(client):
    for n in range(page_selectors.SEARCH_PAGE_SIZE + 5):
        ToolFactory(name=f"Compass {n:02d}", summary="A compass for outreach workers.")

    first = _get(client, q="compass", type="tool")
    second = _get(client, q="compass", type="tool", page=2)

    assert len(_hit_names(first)) == page_selectors.SEARCH_PAGE_SIZE
    assert len(_hit_names(second)) == 5
    assert not set(_hit_names(first)) & set(_hit_names(second))
    assert 'href="?q=compass&amp;type=tool&amp;page=2"' in first.content.decode()


def test_all_types_shows_a_preview_and_a_link_to_the_rest(client):
    for n in range(page_selectors.SEARCH_PREVIEW + 2):
        ToolFactory(name=f"Compass {n}", summary="A compass.")

    response = _get(client, q="compass")

    section = response.context["sections"][0]
    assert len(section["hits"]) == page_selectors.SEARCH_PREVIEW
    assert section["more"] == "?q=compass&type=tool"
    assert (
        f'href="?q=compass&amp;type=tool">See all {page_selectors.SEARCH_PREVIEW + 2} tools</a>'
        in (response.content.decode())
    )


@pytest.mark.parametrize("page", ["999999999999999999999999", "-1", "0", "abc", "2.5", ""])
def test_any_page_number_answers_a_page(client, catalogue, page):
    response = _get(client, q="lantern", type="tool", page=page)

    assert response.context["page_obj"].paginator.count == 2


# --- Bad parameters ---------------------------------------------------------------------------


def test_unknown_facet_code_is_ignored_and_said(client, catalogue):
    response = client.get(
        URL, {"q": "lantern", "type": "tool", "functions": ["case_management", "teleportation"]}
    )

    assert response.status_code == 200
    assert response.context["search"].filters == {"functions": ["case_management"]}
    assert response.context["page_obj"].paginator.count == 2
    assert "Some filters were not understood" in response.content.decode()


def test_unknown_type_is_a_form_error_not_a_failure(client, catalogue):
    response = client.get(URL, {"q": "lantern", "type": "robot"})

    assert response.status_code == 200
    assert "Choose all, tools, needs or organizations." in response.content.decode()
    assert 'class="card__title"' not in response.content.decode()


def test_too_long_text_is_a_field_error(client, catalogue):
    response = client.get(URL, {"q": "lantern " * 80})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'id="search-q-error"' in html


def test_nul_in_the_query_string_is_refused_cleanly(client):
    response = client.get(URL + "?q=lan%00tern")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"unbalanced'},
        {"q": "NEAR("},
        {"q": "*"},
        {"q": "-"},
        {"q": "the"},
        {"q": "😀 ✓"},
        {"q": "lantern", "type": "organization", "sector": "pirates"},
        {"q": "lantern", "regions": "ZZ", "maturity": "ancient"},
        {"q": "lantern", "type": "need", "page_size": "100000", "visibility": "private"},
        {"type": "tool", "functions": ""},
    ],
)
def test_hostile_parameters_never_fail(client, catalogue, params):
    assert client.get(URL, params).status_code == 200


@pytest.mark.parametrize("kind", ["", "tool", "need", "organization"])
def test_the_projects_junk_parameters_give_a_page_or_a_4xx(client, catalogue, kind):
    from tests.test_bad_query_params import JUNK

    for junk in JUNK:
        status = client.get(f"{URL}?type={kind}&{junk}").status_code
        assert status == 200 or 400 <= status < 500, junk


def test_head_is_allowed_and_post_is_not(client):
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


# --- The header's search box and the other search boxes ---------------------------------------


def test_every_page_has_a_search_box_in_the_header_that_leads_here(client):
    html = client.get("/tools/").content.decode()

    header = html[html.index("<header") : html.index("</header>")]
    assert 'class="header-search"' in header
    assert 'action="/search/"' in header
    assert 'name="q"' in header
    assert '<label for="header-search-q" class="visually-hidden">' in header


def test_the_search_page_does_not_repeat_the_header_box(client):
    html = _get(client, q="x").content.decode()

    assert 'class="header-search"' not in html


def test_home_and_tool_list_searches_are_unchanged(client, catalogue):
    home = client.get("/").content.decode()
    assert '<form class="hero__search" method="get" action="/tools/"' in home

    tools = client.get("/tools/", {"q": "lantern"})
    assert tools.context["query"] == "lantern"
    assert tools.context["page_obj"].paginator.count == 2


# --- Permissions ------------------------------------------------------------------------------

MARK = "qxsearchpage"
# Organizations of the world: one suspended, visible only to moderators, administrators and
# its own members.
SEES_SUSPENDED_ORG = {"moderator", "administrator", "suspended_member"}


@pytest.fixture
def world():
    return build_world(marker=MARK)


def _as(world, role) -> Client:
    client = Client()
    user = world.users[role]
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    return client


def _marked(html: str) -> set[str]:
    return {v for v in VISIBILITIES if f"{MARK}{v}" in html}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_finds_and_counts_exactly_what_it_may_read(world, role):
    client = _as(world, role)
    expected = READS[role]

    # Every type at once: tools and needs both say "Description <marker><visibility>".
    everything = _get(client, q="Description")
    counts = everything.context["counts"]
    assert counts["tool"] == len(expected)
    assert counts["need"] == len(expected)
    assert _marked(everything.content.decode()) == expected

    for kind in ("tool", "need"):
        response = _get(client, q="Description", type=kind)
        assert _marked(response.content.decode()) == expected, kind
        assert response.context["page_obj"].paginator.count == len(expected), kind
        facet = "victim_identification" if kind == "tool" else "information_sharing"
        assert _facet_counts(response, "functions") == {facet: len(expected)}, kind

    # Each record's own word finds it only for those who may read it, in every count.
    for visibility in VISIBILITIES:
        response = _get(client, q=f"{MARK}{visibility}")
        found = 2 if visibility in expected else 0
        assert response.context["counts"]["all"] == found, visibility
        titles = [name for name in _hit_names(response) if f"{MARK}{visibility}" in name]
        assert len(titles) == found, visibility

    organizations = _get(client, type="organization")
    assert organizations.context["counts"]["organization"] == (
        5 if role in SEES_SUSPENDED_ORG else 4
    )
    assert ("suspended-org" in organizations.content.decode()) == (role in SEES_SUSPENDED_ORG)


@pytest.mark.parametrize("role", ["anonymous", "registered", "other_sector", "moderator"])
def test_facet_filtered_counts_never_include_hidden_records(world, role):
    client = _as(world, role)
    expected = READS[role]

    response = _get(
        client, q="Summary", type="tool", functions="victim_identification", maturity="deployed"
    )

    assert response.context["page_obj"].paginator.count == len(expected)
    assert _facet_counts(response, "maturity") == {"deployed": len(expected)}
    assert _facet_counts(response, "purposes") == {"disrupt": len(expected)}
    tabs = {tab["kind"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs["tool"] == len(expected)


def test_other_sector_member_does_not_find_a_restricted_tool_a_police_officer_finds(
    client, restricted_tool, police_officer, ngo_worker
):
    client.force_login(ngo_worker)
    hidden = _get(client, q="ledger", type="tool")
    assert hidden.context["page_obj"].paginator.count == 0
    assert "Covert" not in hidden.content.decode()
    assert _facet_counts(hidden, "functions") == {}

    client.force_login(police_officer)
    shown = _get(client, q="ledger", type="tool")
    assert _hit_names(shown) == ["Covert Ledger Tracer"]
    assert _facet_counts(shown, "functions") == {"financial_intelligence": 1}


def test_private_need_is_found_by_its_organization_only(client):
    owner = MembershipFactory(role="viewer")
    NeedFactory(title="Private compass need", organization=owner.organization, visibility="private")
    outsider = MembershipFactory(role="owner")

    client.force_login(outsider.user)
    assert _get(client, q="compass").context["counts"]["need"] == 0

    client.force_login(owner.user)
    assert _get(client, q="compass").context["counts"]["need"] == 1
