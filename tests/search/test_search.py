"""One suite for every search backend: it runs on whichever database is configured.

CI runs the whole test suite on SQLite and on PostgreSQL, so each test below is checked on
both backends: the behaviour promised is the same. One test is SQLite's only, and says why.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection

from accounts.models import Organization
from accounts.permissions import restrict
from registry.models import Need, Tool
from registry.search import ensure_installed, get_backend
from registry.search.text import MAX_QUERY_LENGTH, parse_query, to_fts5
from tests.factories import NeedFactory, OrganizationFactory, ToolFactory


@pytest.fixture
def backend():
    return get_backend()


def search_tools(backend, query):
    return backend.search(Tool.objects.all(), query)


# --- Choosing a backend ------------------------------------------------------------------------


def test_backend_follows_the_database_vendor(backend):
    assert backend.vendor == connection.vendor


def test_index_is_installed_by_the_migration(backend):
    assert backend.is_installed()
    assert ensure_installed() is False


# --- Matching ----------------------------------------------------------------------------------


def test_stemming_finds_other_forms_of_the_query_words(backend):
    tool = ToolFactory(name="Safe Passage", summary="Reports child trafficking to hotlines.")
    ToolFactory(name="Ledger", summary="Audits supply chains.", description="Nothing else.")
    assert list(search_tools(backend, "trafficked children")) == [tool]


def test_need_and_organization_are_searchable(backend):
    need = NeedFactory(title="Shelter bed finder", description="Find free beds for survivors.")
    org = OrganizationFactory(name="Harbour Trust", description="Runs shelters for survivors.")
    assert list(backend.search(Need.objects.all(), "shelters")) == [need]
    assert list(backend.search(Organization.objects.all(), "shelter")) == [org]


def test_name_match_ranks_above_description_only_match(backend):
    in_description = ToolFactory(
        name="Ledger", summary="Audits supply chains.", description="Works with Quillmark data."
    )
    in_name = ToolFactory(name="Quillmark", summary="Audits supply chains.", description="Other.")
    results = list(search_tools(backend, "quillmark"))
    assert results == [in_name, in_description]
    assert results[0].search_rank > results[1].search_rank > 0


def test_owner_organization_name_is_searchable_with_the_lowest_weight(backend):
    org = OrganizationFactory(name="Brightwater Alliance")
    owned = ToolFactory(organization=org, name="Ledger", summary="Audits supply chains.")
    named = ToolFactory(name="Brightwater", summary="Audits supply chains.")
    assert list(search_tools(backend, "brightwater")) == [named, owned]


def test_phrase_requires_adjacent_words(backend):
    phrase = ToolFactory(name="A", summary="Detects labour exploitation in farms.")
    apart = ToolFactory(name="B", summary="Exploitation of workers, labour rights.")
    assert set(search_tools(backend, "labour exploitation")) == {phrase, apart}
    assert list(search_tools(backend, '"labour exploitation"')) == [phrase]


def test_minus_excludes_and_or_offers_alternatives(backend):
    hotline = ToolFactory(name="Callbox", summary="A hotline for survivors.")
    helpline = ToolFactory(name="Textline", summary="A helpline for survivors, by text.")
    assert list(search_tools(backend, "survivors -hotline")) == [helpline]
    assert set(search_tools(backend, "hotline or helpline")) == {hotline, helpline}
    assert list(search_tools(backend, "hotline helpline")) == []


def test_blank_query_returns_the_queryset_unchanged(backend):
    ToolFactory()
    queryset = Tool.objects.filter(visibility="public")
    for blank in ("", "   ", None, "\n\t"):
        assert backend.search(queryset, blank) is queryset


def test_query_with_nothing_searchable_finds_nothing(backend):
    ToolFactory(name="The Tool", summary="For the people.")
    for query in ("the", "***", "-tool", "and or not", "🙂"):
        results = search_tools(backend, query)
        assert list(results) == []
        assert results.count() == 0


def test_ties_are_ordered_by_primary_key(backend):
    tools = [ToolFactory(name="Twin", summary="Same text.", description="") for _ in range(3)]
    assert list(search_tools(backend, "twin")) == sorted(tools, key=lambda t: t.pk)


# --- Similar names -----------------------------------------------------------------------------


def test_a_typo_in_a_name_still_finds_it(backend):
    spotlight = ToolFactory(name="Spotlight")
    ToolFactory(name="Traffic Jam")
    found = backend.similar_names(Tool.objects.all(), "Spotlite")
    assert found[0][0] == spotlight.pk
    assert 0.3 <= found[0][1] <= 1
    assert [pk for pk, _ in found] == [spotlight.pk]


def test_similar_names_are_best_first_and_limited(backend):
    exact = ToolFactory(name="Beacon")
    close = ToolFactory(name="Beacons Hub")
    found = backend.similar_names(Tool.objects.all(), "beacon")
    assert [pk for pk, _ in found] == [exact.pk, close.pk]
    assert found[0][1] == pytest.approx(1.0)
    assert len(backend.similar_names(Tool.objects.all(), "beacon", limit=1)) == 1


def test_similar_names_of_needs_and_organizations(backend):
    need = NeedFactory(title="Translation service")
    org = OrganizationFactory(name="Polaris Project")
    assert backend.similar_names(Need.objects.all(), "translaton")[0][0] == need.pk
    assert backend.similar_names(Organization.objects.all(), "Polaris")[0][0] == org.pk


def test_similar_names_only_within_the_queryset(backend):
    hidden = ToolFactory(name="Spotlight", visibility="private")
    visible = restrict(Tool.objects.all(), AnonymousUser())
    assert hidden.pk not in [pk for pk, _ in backend.similar_names(visible, "Spotlight")]


# --- The index follows writes, inside the writing transaction -------------------------------


def test_index_follows_create_update_and_delete(backend):
    tool = ToolFactory(name="Glimmer", summary="Finds ads.")
    assert list(search_tools(backend, "glimmer")) == [tool]

    tool.name = "Lantern"
    tool.save()
    assert list(search_tools(backend, "lantern")) == [tool]
    assert list(search_tools(backend, "glimmer")) == []
    assert [pk for pk, _ in backend.similar_names(Tool.objects.all(), "Lantern")] == [tool.pk]

    Tool.objects.filter(pk=tool.pk).update(description="Reads shipping manifests.")
    assert list(search_tools(backend, "manifests")) == [tool]

    tool.delete()
    assert list(search_tools(backend, "lantern")) == []
    assert backend.similar_names(Tool.objects.all(), "Lantern") == []


def test_organization_rename_updates_its_tools(backend):
    org = OrganizationFactory(name="Northwind Coalition")
    tool = ToolFactory(organization=org, name="Ledger", summary="Audits supply chains.")
    assert list(search_tools(backend, "northwind")) == [tool]

    org.name = "Southgate Coalition"
    org.save()
    assert list(search_tools(backend, "southgate")) == [tool]
    assert list(search_tools(backend, "northwind")) == []
    assert list(backend.search(Organization.objects.all(), "southgate")) == [org]


def test_need_follows_update_and_delete(backend):
    need = NeedFactory(title="Case tracker", description="Track referrals.")
    need.description = "Track prosecutions."
    need.save()
    assert list(backend.search(Need.objects.all(), "prosecution")) == [need]
    assert list(backend.search(Need.objects.all(), "referrals")) == []
    need.delete()
    assert list(backend.search(Need.objects.all(), "prosecution")) == []


# --- Composing with permissions and the ORM ----------------------------------------------------


def test_search_never_shows_a_record_the_queryset_excludes(backend):
    ToolFactory(name="Zephyrine Private", visibility="private")
    public = ToolFactory(name="Zephyrine Public", visibility="public")
    visible = restrict(Tool.objects.all(), AnonymousUser())
    results = backend.search(visible, "zephyrine")
    assert list(results) == [public]
    assert results.count() == len(results) == 1


def test_result_is_a_queryset_that_filters_counts_and_pages(backend):
    tools = [ToolFactory(name=f"Waypoint {i}", maturity="pilot") for i in range(5)]
    ToolFactory(name="Waypoint other", maturity="deployed")
    results = search_tools(backend, "waypoint").filter(maturity="pilot")
    assert results.count() == 5
    assert set(results[1:3]) <= set(tools)
    assert len(results[1:3]) == 2
    nested = Tool.objects.filter(pk__in=results.values("pk"))
    assert nested.count() == 5
    assert results.select_related("organization").first().organization is not None


# --- Hostile input -----------------------------------------------------------------------------

HOSTILE = [
    '"',
    '""',
    '"unbalanced',
    "'",
    "' OR 1=1 --",
    "'; DROP TABLE registry_tool; --",
    "*",
    "tool*",
    "NEAR(",
    "NEAR(a b, 2)",
    "AND OR NOT",
    "a AND",
    "OR",
    "NOT a",
    "-",
    "--",
    "- -a",
    '-""',
    "\x00",
    "tool\x00name",
    "a" * 10_000,
    "trafficking " * 2_000,
    "🙂🙃 emoji 👩‍👧",
    ":",
    "name:spotlight",
    "{name}: x",
    "^",
    "^start",
    "{}",
    "()",
    "(((",
    ")",
    "a + b",
    "col:(x OR y)",
    "\\",
    "%",
    "%s %(x)s",
    "_",
    "$1",
    "<script>alert(1)</script>",
    "\u202e\u200b",
    "ﬁnd ＴＯＯＬ",
    "日本語 검색",
    "\ue000mark\ue001",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_query_gives_results_or_nothing_never_an_error(backend, query):
    tool = ToolFactory(name="Spotlight", summary="Finds trafficking victims in ads.")
    for queryset in (Tool.objects.all(), Need.objects.all(), Organization.objects.all()):
        results = backend.search(queryset, query)
        assert results.count() == len(list(results))
        backend.similar_names(queryset, query)
    backend.highlight(tool, query, "summary")
    backend.highlight(tool, query, "summary", max_words=10)


def test_long_query_is_cut_to_the_cap():
    assert len(to_fts5(parse_query("word " * 1000))) < MAX_QUERY_LENGTH * 4


# --- Highlight ---------------------------------------------------------------------------------


def test_highlight_marks_matches_and_escapes_everything_else(backend):
    tool = ToolFactory(
        name="Spotlight", description="<script>alert(1)</script> Finds trafficked children & more."
    )
    html = backend.highlight(tool, "trafficking child", "description")
    assert "&lt;script&gt;" in html
    assert "<script>" not in html
    assert "&amp;" in html
    assert "<mark>trafficked</mark>" in html
    assert "<mark>children</mark>" in html


def test_highlight_snippet_is_short_and_still_safe(backend):
    long_text = "<b>filler</b> " * 100 + "the hotline answers calls " + "more filler " * 100
    tool = ToolFactory(name="Callbox", description=long_text)
    html = backend.highlight(tool, "hotline", "description", max_words=12)
    assert "<mark>hotline</mark>" in html
    assert "<b>" not in html
    assert len(html.split()) < 40


def test_highlight_without_a_match_is_escaped_text(backend):
    tool = ToolFactory(name="Spotlight", description="<i>Nothing</i> here.")
    assert backend.highlight(tool, "absent", "description") == "&lt;i&gt;Nothing&lt;/i&gt; here."
    assert backend.highlight(tool, "", "description") == "&lt;i&gt;Nothing&lt;/i&gt; here."


# --- Rebuild -----------------------------------------------------------------------------------


def test_rebuild_command_restores_an_emptied_index(backend, capsys):
    tool = ToolFactory(name="Meridian", summary="Maps recruitment routes.")
    need = NeedFactory(title="Meridian need", description="Route maps.")
    backend.clear()
    # Names are compared with the table itself on PostgreSQL, so only full-text empties.
    assert list(search_tools(backend, "meridian")) == []

    call_command("rebuild_search_index")

    out = capsys.readouterr().out
    assert f"tool: {Tool.objects.count()} indexed" in out
    assert list(search_tools(backend, "meridian")) == [tool]
    assert list(backend.search(Need.objects.all(), "meridian")) == [need]
    assert backend.similar_names(Tool.objects.all(), "Meridian")[0][0] == tool.pk


def test_ensure_installed_puts_back_dropped_triggers(backend):
    backend.uninstall()
    assert not backend.is_installed()
    assert ensure_installed() is True
    tool = ToolFactory(name="Keystone")
    assert list(search_tools(backend, "keystone")) == [tool]


# --- Schema changes ----------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="Only SQLite rebuilds a table to alter a column; PostgreSQL alters it in place.",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_later_migration_rebuilding_indexed_tables_keeps_search_working(backend):
    """Django's SQLite "remake table" drops the table's triggers; ensure_installed restores."""
    from django.db.migrations.loader import MigrationLoader

    state_apps = MigrationLoader(connection).project_state().apps
    altered = (("accounts.Organization", "description"), ("registry.Tool", "summary"))
    for label, field_name in altered:
        model = state_apps.get_model(label)
        old = model._meta.get_field(field_name)
        new = old.clone()
        new.help_text = "changed"
        new.max_length = (old.max_length or 0) + 1 or None
        new.set_attributes_from_name(field_name)
        new.model = model
        with connection.schema_editor() as editor:
            editor.alter_field(model, old, new)
            editor.alter_field(model, new, old)
    assert not backend.is_installed()
    assert ensure_installed() is True
    tool = ToolFactory(name="Remade", organization=OrganizationFactory(name="Rebuilt Org"))
    assert list(search_tools(backend, "remade rebuilt")) == [tool]
