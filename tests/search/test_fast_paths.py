"""The fast paths of search and overlap answer exactly what the plain queries they replace do.

At 100,000 tools the search ranks its matches once and counts facets in memory, and overlap
looks for nearest vectors and facet-sharing records over the whole table before checking a
few hundred ids against the permission layer. These tests take the permission layer itself
(`restrict()`) as the oracle and check every fast path, for every role, against it: no hidden
record is ever counted or returned, and no permitted one is lost.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count

from accounts.permissions import restrict
from registry import embeddings
from registry.models import Tool, ToolEmbedding
from registry.overlap import lexical
from registry.overlap.vectors import clear_vector_indexes, vector_index
from registry.search import get_backend
from registry.search.facets import _sql_counts, facet_counts, records_sharing
from registry.search.results import InvalidSearch, search_results
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory

ON_POSTGRES = connection.vendor == "postgresql"
VISIBILITIES = ["public", "registered", "verified", "restricted", "private", "hidden"]
ROLES = ["anonymous", "registered", "law_enforcement", "owner"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_vector_indexes()
    yield
    clear_vector_indexes()


@pytest.fixture
def world():
    """One referral tool per visibility (two public), with facets; users for each role."""
    owner_org = OrganizationFactory(sector="ngo")
    tools = {}
    for i, visibility in enumerate(VISIBILITIES):
        extra = (
            {"is_hidden": True, "visibility": "public"}
            if visibility == "hidden"
            else {"visibility": visibility}
        )
        if visibility == "restricted":
            extra["restricted_to_sectors"] = ["law_enforcement"]
        tools[visibility] = ToolFactory(
            name=f"Referral Desk {visibility}",
            summary=f"Referral tracking between shelters, {visibility} edition.",
            organization=owner_org
            if visibility in ("private", "hidden")
            else OrganizationFactory(),
            functions=["information_sharing", "case_management"]
            if i % 2
            else ["information_sharing"],
            regions=["US"] if i % 3 else ["KE", "US"],
            **extra,
        )
    tools["public2"] = ToolFactory(
        name="Shelter Referral Line",
        summary="A hotline with referral to shelters.",
        functions=["hotline_reporting"],
        regions=["KE"],
    )
    ToolFactory(name="Unrelated Ledger", summary="Accounting for small charities.")
    users = {
        "anonymous": AnonymousUser(),
        "registered": UserFactory(),
        "law_enforcement": MembershipFactory(
            organization=OrganizationFactory(sector="law_enforcement")
        ).user,
        "owner": MembershipFactory(organization=owner_org).user,
    }
    return tools, users


def _permitted_matches(user, q):
    return get_backend().search(restrict(Tool.objects.all(), user), q)


@pytest.mark.parametrize("role", ROLES)
def test_search_results_equal_the_restricted_search(world, role):
    _tools, users = world
    user = users[role]
    expected = list(_permitted_matches(user, "referral").values_list("pk", flat=True))
    found = search_results(user, q="referral", type="tool")
    assert found.count == len(found) == len(expected)
    assert [item.record.pk for item in found[0 : found.count]] == expected
    # Facet counts: the same as counting the permitted matches' links in SQL.
    narrowed = Tool.objects.filter(pk__in=expected)
    for facet in ("functions", "regions", "purposes"):
        assert found.facets[facet] == _sql_counts(narrowed, facet)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_no_figure_counts_a_record_the_reader_may_not_see(world, role, visibility):
    """role x visibility: the record is in the results, the total and the facet counts
    exactly when restrict() lets the role read it."""
    tools, users = world
    user, tool = users[role], tools[visibility]
    visible = restrict(Tool.objects.filter(pk=tool.pk), user).exists()
    found = search_results(user, q=f"referral {visibility}", type="tool")
    assert (tool.pk in [item.record.pk for item in found[0:50]]) is visible
    assert found.count == (1 if visible else 0)
    assert sum(n for _code, n in found.facets["functions"]) == (
        tool.functions.count() if visible else 0
    )


def test_results_page_through_a_paginator(world):
    _tools, users = world
    found = search_results(users["owner"], q="referral", type="tool")
    order = [item.record.pk for item in found[0 : found.count]]
    page = Paginator(found, 2).page(2)
    assert [item.record.pk for item in page.object_list] == order[2:4]
    assert found[0].record.pk == order[0]


def test_results_without_text_list_everything_permitted(world):
    _tools, users = world
    found = search_results(users["anonymous"], q="", type="tool", params={"regions": "KE"})
    expected = restrict(Tool.objects.filter(regions="KE"), AnonymousUser()).distinct()
    assert found.count == expected.count()
    assert {item.record.pk for item in found[0:50]} == set(expected.values_list("pk", flat=True))
    assert all(item.score is None and item.highlight == "" for item in found[0:50])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "robot"}, "type"),
        ({"functions": "teleportation"}, "functions"),
        ({"q": "x" * 501}, "q"),
    ],
)
def test_bad_input_names_the_parameter(world, params, field):
    with pytest.raises(InvalidSearch) as error:
        search_results(
            AnonymousUser(), q=params.pop("q", "a"), type=params.pop("type", "tool"), params=params
        )
    assert field in error.value.errors


def test_highlights_in_one_query_equal_one_by_one(world):
    tools, _users = world
    backend = get_backend()
    records = [tools["public"], tools["public2"], tools["private"]]
    for field in ("summary", "name", "description"):
        batch = backend.highlight_many(records, "referral shelters", field, max_words=30)
        single = [backend.highlight(r, "referral shelters", field, max_words=30) for r in records]
        assert batch == single
    assert "<mark>" in "".join(batch + backend.highlight_many(records, "referral", "summary"))


def test_facet_counts_follow_writes_and_rollbacks(world):
    tools, _users = world
    ids = np.array(sorted(Tool.objects.values_list("pk", flat=True)), dtype=np.int64)
    queryset = Tool.objects.all()

    def counts():
        return dict(facet_counts(Tool, ["functions"], ids=ids, queryset=queryset)["functions"])

    before = counts()
    tools["public2"].functions.add("training")
    assert counts().get("training", 0) == before.get("training", 0) + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        tools["public"].functions.add("hotline_reporting")
        assert counts()["hotline_reporting"] == before["hotline_reporting"] + 1
        raise RuntimeError
    assert counts()["hotline_reporting"] == before["hotline_reporting"]


@pytest.mark.parametrize("role", ROLES)
def test_records_sharing_equals_the_grouped_query(world, role):
    _tools, users = world
    queryset = restrict(Tool.objects.all(), users[role])
    codes = ["information_sharing", "case_management"]
    expected = list(
        Tool.functions.through.objects.filter(function_id__in=codes, tool__in=queryset)
        .values("tool_id")
        .annotate(n=Count("function_id"))
        .order_by("-n", "tool_id")
        .values_list("tool_id", flat=True)
    )
    assert records_sharing(queryset, "functions", codes, 3) == expected[:3]
    assert records_sharing(queryset, "functions", codes, 50) == expected
    # Checked a slice at a time: the answer does not depend on the slice size.
    sliced = records_sharing(
        queryset,
        "functions",
        codes,
        50,
        allowed=lambda chunk: set(queryset.filter(pk__in=chunk).values_list("pk", flat=True)),
    )
    assert sliced == expected


def _store_vectors(tools, query):
    """Unit vectors: the hidden and private tools nearest to `query`, the rest further."""
    rng = np.random.default_rng(7)
    order = ["hidden", "private", "restricted", "verified", "registered", "public", "public2"]
    for rank, key in enumerate(order):
        noise = rng.standard_normal(embeddings.DIMENSIONS).astype(np.float32)
        noise -= noise.dot(query) * query
        noise /= np.linalg.norm(noise)
        cosine = 0.95 - 0.1 * rank
        vector = cosine * query + np.sqrt(1 - cosine**2) * noise
        ToolEmbedding.objects.create(
            record=tools[key],
            vector=embeddings.vector_to_bytes(vector),
            dimensions=embeddings.DIMENSIONS,
            model_name=embeddings.MODEL_NAME,
            text_hash=f"{rank:064d}",
        )


@pytest.mark.parametrize("role", ROLES)
def test_nearest_vectors_skip_what_the_reader_may_not_see(world, role):
    tools, users = world
    query = np.zeros(embeddings.DIMENSIONS, dtype=np.float32)
    query[0] = 1.0
    _store_vectors(tools, query)
    queryset = restrict(Tool.objects.all(), users[role])
    permitted = set(queryset.values_list("pk", flat=True))
    stored = dict(ToolEmbedding.objects.values_list("record_id", "vector"))
    brute = sorted(
        (
            (float(embeddings.vector_from_bytes(v) @ query), pk)
            for pk, v in stored.items()
            if pk in permitted
        ),
        key=lambda item: (-item[0], item[1]),
    )
    for n in (1, 2, 10):
        nearest, scores = vector_index(Tool).nearest(queryset, query, n)
        assert list(nearest) == [pk for _cos, pk in brute[:n]]
        assert set(nearest) <= permitted
        for pk, cosine in nearest.items():
            assert cosine == pytest.approx(scores.of([pk])[pk])
    assert set(scores.of(permitted)) == {pk for _cos, pk in brute}


def test_vector_cache_follows_new_vectors(world):
    tools, users = world
    query = np.zeros(embeddings.DIMENSIONS, dtype=np.float32)
    query[0] = 1.0
    queryset = restrict(Tool.objects.all(), users["anonymous"])
    assert vector_index(Tool).nearest(queryset, query, 3)[0] == {}
    _store_vectors(tools, query)
    nearest, _scores = vector_index(Tool).nearest(queryset, query, 1)
    # Anonymous readers see the two public tools; "public" is the nearer of them.
    assert list(nearest) == [tools["public"].pk]


def test_lexical_words_skip_the_common_ones_only_in_a_large_catalogue():
    words = ["kilns", "trafficking", "referral", "bricks"]
    shares = {"kilns": 0.001, "trafficking": 0.9, "referral": 0.02, "bricks": 0.002}
    assert lexical._backend_query(words) == "kilns or trafficking or referral or bricks"
    small = (lexical.MAX_LEXICAL_ROWS / 2, shares)
    assert lexical._backend_query(words, small) == "kilns or trafficking or referral or bricks"
    # At 100,000 records: kilns 100 rows, trafficking 90,000 (over the budget, skipped),
    # referral 2,000, bricks 200.
    # "trafficking" alone cannot come back (0.9 of the rows) and has no partner left.
    chosen = lexical._backend_query(words, (100_000, shares))
    assert chosen == "kilns or referral or bricks"
    assert lexical.MAX_LEXICAL_ROWS >= 2300
    # Every word common: the rarest ones, all required, until the estimate fits.
    common = {"kilns": 0.2, "trafficking": 0.9, "referral": 0.05, "bricks": 0.1}
    assert lexical._backend_query(words, (100_000, common)) == "referral bricks"
    # Rare words first; the common ones left out come back together as one alternative.
    mixed = {"kilns": 0.0001, "trafficking": 0.9, "referral": 0.05, "bricks": 0.1}
    assert lexical._backend_query(words, (100_000, mixed)) == "kilns or referral bricks"


@pytest.mark.skipif(not ON_POSTGRES, reason="change stamps are kept on PostgreSQL")
def test_change_stamps_move_on_every_write_and_never_repeat(world):
    tools, _users = world
    backend = get_backend()
    name = "registry.tool:facets"
    first = backend.stamps([name])[name]
    tools["public"].functions.add("training")
    second = backend.stamps([name])[name]
    assert second != first
    with pytest.raises(RuntimeError), transaction.atomic():
        tools["public"].functions.add("hotline_reporting")
        rolled_back = backend.stamps([name])[name]
        raise RuntimeError
    assert backend.stamps([name])[name] == second
    tools["public"].functions.add("hotline_reporting")
    assert backend.stamps([name])[name] not in (first, second, rolled_back)


@pytest.mark.skipif(not ON_POSTGRES, reason="the two-step ranking is PostgreSQL's")
def test_ranking_beyond_the_rescored_matches_keeps_every_match(world, monkeypatch):
    from registry.search import postgres

    _tools, users = world
    queryset = restrict(Tool.objects.all(), users["owner"])
    backend = get_backend()
    full_ids, full_ranks = backend.ranked_ids(queryset, "referral")
    monkeypatch.setattr(postgres, "RESCORED", 2)
    ids, ranks = backend.ranked_ids(queryset, "referral")
    assert ids[:2] == full_ids[:2] and sorted(ids) == sorted(full_ids)
    assert ranks == sorted(ranks, reverse=True)
    assert backend.ranked_ids(queryset, "referral", limit=1)[0] == full_ids[:1]


@pytest.mark.skipif(not ON_POSTGRES, reason="the two-step name look-up is PostgreSQL's")
@pytest.mark.parametrize("title", ["Referral Desk", "Referral Desk public edition", "Ledger"])
def test_similar_names_first_among_very_similar_gives_the_same_answer(world, title):
    from registry.search.base import spec_for

    for i in range(12):
        ToolFactory(name=f"Referral Desk {i}")
    backend = get_backend()
    queryset = restrict(Tool.objects.all(), AnonymousUser())
    for limit in (1, 3, 10, 30):
        expected = backend._names_above(queryset, spec_for(Tool), title, limit, 0.3)
        assert backend.similar_names(queryset, title, limit) == expected


def test_matrix_vector_product_split_over_threads_equals_one_product(monkeypatch):
    from registry.overlap import vectors

    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((1001, embeddings.DIMENSIONS)).astype(np.float32)
    query = rng.standard_normal(embeddings.DIMENSIONS).astype(np.float32)
    monkeypatch.setattr(vectors, "_SPLIT_ROWS", 10)
    np.testing.assert_allclose(vectors._matvec(matrix, query), matrix @ query, rtol=1e-5)


@pytest.mark.parametrize("role", ROLES)
def test_nearest_vectors_are_the_same_when_the_product_is_split(world, role, monkeypatch):
    from registry.overlap import vectors

    tools, users = world
    query = np.zeros(embeddings.DIMENSIONS, dtype=np.float32)
    query[0] = 1.0
    _store_vectors(tools, query)
    queryset = restrict(Tool.objects.all(), users[role])
    whole, _ = vector_index(Tool).nearest(queryset, query, 10)
    monkeypatch.setattr(vectors, "_SPLIT_ROWS", 1)
    split, _ = vector_index(Tool).nearest(queryset, query, 10)
    assert list(split) == list(whole)
    assert split == pytest.approx(whole)


def test_facet_counts_build_the_sql_queryset_only_when_they_need_it(world):
    calls = []
    ids = np.array(sorted(Tool.objects.values_list("pk", flat=True)), dtype=np.int64)

    def make():
        calls.append(1)
        return Tool.objects.all()

    from registry.search.facets import facet_index

    in_memory = facet_index(Tool).snapshot("default") is not None  # PostgreSQL keeps one
    counted = facet_counts(Tool, ["functions", "regions"], ids=ids, queryset=make)
    expected = {f: _sql_counts(Tool.objects.all(), f) for f in ("functions", "regions")}
    assert counted == expected
    assert len(calls) == (0 if in_memory else 1)
    # Without ids (a listing), the function is called and its queryset counted.
    assert facet_counts(Tool, ["functions"], queryset=make) == {"functions": expected["functions"]}
    assert len(calls) == (1 if in_memory else 2)


def test_facet_candidates_follow_a_new_link(world):
    tools, users = world
    queryset = restrict(Tool.objects.all(), users["anonymous"])
    before = records_sharing(queryset, "functions", ["hotline_reporting", "training"], 10)
    assert records_sharing(queryset, "functions", ["hotline_reporting", "training"], 10) == before
    tools["public"].functions.add("training")
    after = records_sharing(queryset, "functions", ["hotline_reporting", "training"], 10)
    assert tools["public"].pk in after and tools["public"].pk not in before


def test_similar_names_are_asked_for_short_tool_titles_only(world):
    from registry.models import Need
    from registry.overlap.engine import _name_candidates
    from tests.factories import NeedFactory

    tools, users = world
    NeedFactory(title="Referral Desk")
    tool_scope = restrict(Tool.objects.all(), users["anonymous"])
    need_scope = restrict(Need.objects.all(), users["anonymous"])
    assert tools["public"].pk in _name_candidates(tool_scope, "Referral Desk", 5)
    # A title of more than six words describes the tool rather than naming it.
    long_title = "Referral Desk for the shelters of our whole region"
    assert _name_candidates(tool_scope, long_title, 5) == {}
    # A need's title is a sentence: its lexical and semantic candidates cover it.
    assert _name_candidates(need_scope, "Referral Desk", 5) == {}


@pytest.mark.skipif(not ON_POSTGRES, reason="session planner settings are PostgreSQL's")
def test_full_text_ranking_sets_nothing_on_a_connection_opened_with_its_settings(world):
    from django.test.utils import CaptureQueriesContext

    _tools, users = world
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    queryset = restrict(Tool.objects.all(), users["owner"])
    expected = sorted(_permitted_matches(users["owner"], "referral").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        ids, _ranks = get_backend().ranked_ids(queryset, "referral")
    assert sorted(ids) == expected
    # The matches, then the best of them ranked again, and no statement setting anything.
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 2
    assert not any("set_config" in sql for sql in statements)


@pytest.mark.skipif(not ON_POSTGRES, reason="the two-step ranking is PostgreSQL's")
def test_a_match_hidden_while_the_search_runs_is_not_shown(world, monkeypatch):
    from registry.search import postgres

    tools, users = world
    hidden = tools["registered"]
    before = search_results(users["registered"], q="referral")
    assert hidden.slug in {item.slug for item in before[0:20]}
    ordering = postgres.best_first

    def hide_then_order(ids, ranks):
        Tool.objects.filter(pk=hidden.pk).update(visibility="private")
        return ordering(ids, ranks)

    monkeypatch.setattr(postgres, "best_first", hide_then_order)
    results = search_results(users["registered"], q="referral")
    shown = {item.slug for item in results[0:20]}
    assert hidden.slug not in shown
    assert shown == {item.slug for item in before[0:20]} - {hidden.slug}


@pytest.mark.skipif(not ON_POSTGRES, reason="the two-step ranking is PostgreSQL's")
def test_a_match_edited_away_between_the_two_ranking_statements_is_left_out(world, monkeypatch):
    from registry.search import postgres

    tools, users = world
    queryset = restrict(Tool.objects.all(), users["anonymous"])
    before, before_ranks = get_backend().ranked_ids(queryset, "referral")
    edited = tools["public2"]
    assert edited.pk in before
    ordering = postgres.best_first

    def edit_then_order(ids, ranks):
        Tool.objects.filter(pk=edited.pk).update(
            name="Night Line", summary="A hotline.", description="Calls answered at night."
        )
        return ordering(ids, ranks)

    monkeypatch.setattr(postgres, "best_first", edit_then_order)
    ids, ranks = get_backend().ranked_ids(queryset, "referral")
    assert sorted(ids) == sorted(pk for pk in before if pk != edited.pk)
    # No zero rank from the edited record drags the others' scores down.
    assert min(ranks) > 0


def test_a_search_without_matches_builds_no_page_query(world):
    # Django would run no statement for `pk__in=[]` either; what is saved is building and
    # compiling the restricted queryset, so the page source must not be touched at all.
    _tools, users = world
    results = search_results(users["owner"], q="zzqxv")
    assert results.count == 0

    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"the page source was used ({name})")

    results._page_source = Untouchable()
    assert list(results[0:20]) == []


@pytest.mark.skipif(not ON_POSTGRES, reason="the in-memory facet index needs change stamps")
@pytest.mark.parametrize("share", [0, 10**9], ids=["links of each hit", "mask of the hits"])
def test_both_ways_of_counting_facets_agree_with_sql(world, share, monkeypatch):
    from registry.search import facets

    monkeypatch.setattr(facets, "SPARSE_SHARE", share)
    pks = sorted(Tool.objects.values_list("pk", flat=True))
    beyond = max(pks) + 1000  # no such record: counted nowhere
    for subset in ([pks[0]], pks[1:4], pks, [*pks[:2], beyond]):
        ids = np.array(subset, dtype=np.int64)
        counted = facet_counts(Tool, ["functions", "regions"], ids=ids, queryset=Tool.objects.none)
        narrowed = Tool.objects.filter(pk__in=subset)
        assert counted == {f: _sql_counts(narrowed, f) for f in ("functions", "regions")}


@pytest.mark.skipif(not ON_POSTGRES, reason="array_send is PostgreSQL's")
def test_binary_arrays_read_as_sent():
    from registry.search.postgres import binary_array

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_send(ARRAY[1, 9000000000, -4]::int8[]), "
            "array_send(ARRAY[7, 8]::int4[]), array_send(ARRAY[0.25, 1.5]::real[]), "
            "array_send(ARRAY[]::int8[]), NULL::bytea, array_send(ARRAY[1, NULL]::int4[])"
        )
        big, small, reals, empty, missing, with_null = cursor.fetchone()
    assert binary_array(big).tolist() == [1, 9000000000, -4]
    assert binary_array(small).tolist() == [7, 8]
    assert binary_array(reals).tolist() == [0.25, 1.5]
    assert len(binary_array(empty)) == 0
    assert binary_array(missing) is None
    with pytest.raises(ValueError):
        binary_array(with_null)


@pytest.mark.parametrize(
    ("id_offset", "id_type", "rank_type", "negative_zero"),
    [
        (1, np.int64, np.float32, False),
        (1, ">i8", ">f4", False),  # as binary_array reads them off the wire
        (1, np.int64, np.float32, True),
        (2**32, np.int64, np.float32, False),
        (1, np.int64, np.float64, False),
    ],
    ids=["one key", "big-endian", "a -0.0 rank", "ids too large for one key", "float8 ranks"],
)
def test_best_first_orders_by_rank_then_id(id_offset, id_type, rank_type, negative_zero):
    from registry.search.postgres import best_first

    rng = np.random.default_rng(5)
    ids = (rng.permutation(5000).astype(np.int64) + id_offset).astype(id_type)
    # Few distinct ranks, so that many ties are broken by id; zeros included.
    ranks = (rng.integers(0, 40, 5000) / 64).astype(rank_type)
    if negative_zero:
        ranks[ranks == 0] = -0.0
    ordered_ids, ordered_ranks = best_first(ids, ranks)
    expected = sorted(
        zip(ids.tolist(), ranks.astype(np.float64).tolist(), strict=True),
        key=lambda p: (-p[1], p[0]),
    )
    assert ordered_ids.tolist() == [i for i, _ in expected]
    assert ordered_ranks.tolist() == [r for _, r in expected]
    assert [a.tolist() for a in best_first(ids[:0], ranks[:0])] == [[], []]


def _stamp_table_away(cursor, away: bool) -> None:
    names = ("registry_search_stamp", "registry_search_stamp_away")
    old, new = names if away else names[::-1]
    cursor.execute(f"ALTER TABLE {old} RENAME TO {new}")


@pytest.mark.skipif(not ON_POSTGRES, reason="change stamps are PostgreSQL's")
def test_a_missing_stamp_table_means_no_stamps_and_spares_the_transaction(db):
    backend = get_backend()
    with connection.cursor() as cursor:
        _stamp_table_away(cursor, True)
    assert backend.stamps(["registry.tool:facets"]) == {}
    assert Tool.objects.count() == 0  # the test's transaction still works


@pytest.mark.skipif(not ON_POSTGRES, reason="change stamps are PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stamps_in_autocommit_read_without_a_transaction_of_their_own():
    from django.test.utils import CaptureQueriesContext

    backend = get_backend()
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as statements:
        assert set(backend.stamps(["registry.tool:facets"])) == {"registry.tool:facets"}
    assert [q["sql"].split()[0] for q in statements.captured_queries] == ["SELECT"]
    with connection.cursor() as cursor:
        _stamp_table_away(cursor, True)
    try:
        assert backend.stamps(["registry.tool:facets"]) == {}
        assert Tool.objects.count() == 0
        # A transaction opened by turning autocommit off, outside any atomic block.
        transaction.set_autocommit(False)
        try:
            assert backend.stamps(["registry.tool:facets"]) == {}
            assert Tool.objects.count() == 0  # not aborted
        finally:
            transaction.rollback()
            transaction.set_autocommit(True)
    finally:
        with connection.cursor() as cursor:
            _stamp_table_away(cursor, False)


@pytest.mark.parametrize("share", [0, 10**9], ids=["links of each hit", "mask of the hits"])
def test_facet_codes_are_counted_alike_for_dense_and_far_apart_ids(share, monkeypatch):
    from registry.search import facets

    monkeypatch.setattr(facets, "SPARSE_SHARE", share)
    links = [(1, 0), (1, 2), (2, 1), (5, 2), (7, 0), (7, 1), (7, 2)]
    dense = facets._Pairs(
        np.array([r for r, _ in links], dtype=np.int64),
        np.array([c for _, c in links], dtype=np.int32),
        ("a", "b", "c"),
    )
    dense = facets._merged([dense])
    assert dense.starts is not None
    far = 10**12  # one id far ahead: no array indexed by id may be that long
    sparse = facets._merged(
        [
            facets._Pairs(
                np.array([r for r, _ in links] + [far], dtype=np.int64),
                np.array([c for _, c in links] + [1], dtype=np.int32),
                ("a", "b", "c"),
            )
        ]
    )
    assert sparse.starts is None
    for hits in ([7], [1, 5], [1, 2, 5, 7], [3], [], [2, 99]):
        ids = np.array(hits, dtype=np.int64)
        expected = np.bincount([c for r, c in links if r in hits], minlength=3).tolist()
        assert facets._code_counts(dense, ids).tolist() == expected
        assert facets._code_counts(sparse, ids).tolist() == expected
    assert facets._code_counts(sparse, np.array([far])).tolist() == [0, 1, 0]
