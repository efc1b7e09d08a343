"""Search on PostgreSQL: a tsvector column per indexed table, kept current by triggers.

registry_tool, registry_need and accounts_organization each get a `search_vector tsvector`
column with a GIN index, added by migration 0003 with raw SQL only: the Django models do not
declare it (the ORM never selects or writes it, and `makemigrations` stays clean). The column
rather than a separate document table: the vector lives and dies with its row (TRUNCATE and
cascades included), and a search needs no join.

A BEFORE INSERT OR UPDATE trigger computes the vector in the writing transaction:

    tool          setweight(name, A) || summary (B) || description (C) || organization name (D)
    need          title (A) || description (C)
    organization  name (A) || description (C)

all with to_tsvector('english', ...). The organization name in a tool's vector is read when
the tool is written; an AFTER INSERT OR UPDATE trigger on accounts_organization rewrites the
vectors of the organization's tools when its name changes (or when it is inserted after its
tools, which deferred foreign keys allow inside a transaction).

The query is read by registry.search.text (the same reading as on SQLite); each term goes to
`websearch_to_tsquery('english', ...)` as a quoted phrase and the terms are combined with
tsquery's && || !!, through django.contrib.postgres.search.SearchQuery. Ranking is
`ts_rank_cd` (cover density) with PostgreSQL's default weights D=0.1, C=0.2, B=0.4, A=1.0.

Names: pg_trgm with a GIN trigram index on each name column; similar_names filters with the
index-backed `%` operator and orders by similarity().

Change stamps (for in-process caches): statement-level triggers on the facet link tables and
the embedding tables write a fresh number from a sequence into `registry_search_stamp` (one
row per watched model) in the writing transaction. A cache built from a table remembers the
stamp it saw and reloads when the stamp it reads differs: one primary-key read per request
instead of an aggregate over the table. Numbers come from a sequence, which never goes
back, so a rolled-back write can never make a stale cache look current.
"""

from __future__ import annotations

import operator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from functools import partial, reduce

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
    TrigramSimilarity,
)
from django.db import DatabaseError, models, transaction
from django.db.models import F, Func, Value
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query

from .base import (
    INDEXED,
    ORGANIZATION_TABLE,
    RANK_FIELD,
    SIMILARITY_THRESHOLD,
    IndexSpec,
    SearchBackend,
)
from .text import ParsedQuery, Term, is_blank, parse_query

CONFIG = "english"
VECTOR_COLUMN = "search_vector"
STAMP_TABLE = "registry_search_stamp"
STAMP_SEQUENCE = "registry_search_stamp_seq"
STAMP_FUNCTION = "registry_search_bump"
# Session settings for the full-text queries of one search: the index and tables are read
# from memory, so a random page costs little more than a sequential one (PostgreSQL's default
# of 4 makes it scan all of registry_tool rather than use the GIN index for common words).
LOCAL_SETTINGS = {"random_page_cost": "1.1", "jit": "off"}
# Matches ranked again by ts_rank_cd after a first, cheaper ranking (see ranked_ids).
RESCORED = 200
# similar_names first looks among names at least this similar (see _similar_names).
QUICK_NAME_THRESHOLD = 0.5
# Lexeme statistics (pg_stats) change only with ANALYZE: read them again after this long.
LEXEME_STATS_SECONDS = 300
_LEXEME_STATS: dict = {}
# Lexemes of single words (to_tsvector of a word is fixed by the text search configuration):
# (database, word) -> the word's lexemes joined by spaces; bounded.
_WORD_LEXEMES: dict[tuple[str, str], str] = {}
WORD_LEXEMES_MAX = 20000
# Within `stamps_read_once()`: {database alias: {stamp name: stamp}} read by one statement.
_STAMPS_IN_SCOPE: ContextVar[dict | None] = ContextVar("registry_search_stamps", default=None)


@contextmanager
def stamps_read_once():
    """Within the block, `stamps()` reads every change stamp in one statement, once per
    database, and answers later calls from that reading (one request's caches all see the
    same instant). Only for blocks that do not write the stamped tables."""
    token = _STAMPS_IN_SCOPE.set({})
    try:
        yield
    finally:
        _STAMPS_IN_SCOPE.reset(token)


def stamped_tables() -> dict[str, str]:
    """{table: stamp name}: the tables whose writes bump a change stamp.

    The facet link tables of tools and needs (stamp "<app>.<model>:facets") and the
    embedding tables (stamp "<app>.<model>")."""
    from django.apps import apps

    tables: dict[str, str] = {}
    for label in ("registry.tool", "registry.need"):
        model = apps.get_model(label)
        for field in model._meta.many_to_many:
            if field.name == "restricted_to_sectors":
                continue
            tables[field.remote_field.through._meta.db_table] = f"{label}:facets"
    for label in ("registry.toolembedding", "registry.needembedding"):
        tables[apps.get_model(label)._meta.db_table] = label
    return tables


def _stamp_trigger(table: str) -> str:
    return f"registry_search_stamp_{table}"[:63]


def _stamp_statements(present: set[str], tables: dict[str, str]) -> list[str]:
    statements = []
    if f"table:{STAMP_TABLE}" not in present:
        statements += [
            f"CREATE SEQUENCE IF NOT EXISTS {STAMP_SEQUENCE}",
            f"CREATE TABLE IF NOT EXISTS {STAMP_TABLE} "
            "(name varchar(100) PRIMARY KEY, stamp bigint NOT NULL)",
        ]
    statements.append(
        f"""CREATE OR REPLACE FUNCTION {STAMP_FUNCTION}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {STAMP_TABLE} (name, stamp)
                VALUES (TG_ARGV[0], nextval('{STAMP_SEQUENCE}'))
                ON CONFLICT (name) DO UPDATE SET stamp = EXCLUDED.stamp;
                RETURN NULL;
            END
            $$"""  # noqa: S608 - identifiers are ours
    )
    for table, name in tables.items():
        if f"trigger:{_stamp_trigger(table)}" not in present:
            statements.append(
                f"CREATE TRIGGER {_stamp_trigger(table)} AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {STAMP_FUNCTION}('{name}')"
            )
    return statements


def _uninstall_stamp_statements(tables: dict[str, str]) -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {_stamp_trigger(table)} ON {table}" for table in tables]
    return statements + [
        f"DROP FUNCTION IF EXISTS {STAMP_FUNCTION}()",
        f"DROP TABLE IF EXISTS {STAMP_TABLE}",
        f"DROP SEQUENCE IF EXISTS {STAMP_SEQUENCE}",
    ]


def _vector_sql(spec: IndexSpec, row: str) -> str:
    parts = [
        f"setweight(to_tsvector('{CONFIG}', {column.sql.format(row=row)}), '{column.weight}')"
        for column in spec.columns
    ]
    return " || ".join(parts)


def _function(spec: IndexSpec) -> str:
    return f"registry_search_{spec.key}_vector"


def _owner_function(spec: IndexSpec) -> str:
    return f"registry_search_{spec.key}_owner"


def _indexes(spec: IndexSpec) -> dict[str, str]:
    return {
        f"registry_search_{spec.key}_gin": f"gin ({VECTOR_COLUMN})",
        f"registry_search_{spec.key}_trgm": f"gin ({spec.name_column} gin_trgm_ops)",
    }


def _install_statements(spec: IndexSpec, present: set[str]) -> list[str]:
    """Statements creating what is missing of `spec`'s index; `present` names what exists.

    Existing columns, triggers and indexes are left alone: PostgreSQL refuses ALTER TABLE
    and CREATE INDEX in a transaction with pending trigger events (deferred foreign keys),
    which is where rebuild_search_index may run. Functions are always replaced."""
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in spec.watched_columns)
    statements = []
    if f"column:{spec.table}" not in present:
        statements.append(f"ALTER TABLE {spec.table} ADD COLUMN {VECTOR_COLUMN} tsvector")
    statements.append(
        f"""CREATE OR REPLACE FUNCTION {_function(spec)}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NOT ({changed}) THEN
                    RETURN NEW;
                END IF;
                NEW.{VECTOR_COLUMN} := {_vector_sql(spec, "NEW")};
                RETURN NEW;
            END
            $$"""
    )
    if f"trigger:{_function(spec)}" not in present:
        statements.append(
            f"CREATE TRIGGER {_function(spec)} BEFORE INSERT OR UPDATE ON {spec.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {_function(spec)}()"
        )
    if spec.uses_owner_name:
        statements.append(
            f"""CREATE OR REPLACE FUNCTION {_owner_function(spec)}() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name THEN
                        UPDATE {spec.table} r SET {VECTOR_COLUMN} = {_vector_sql(spec, "r")}
                        WHERE r.organization_id = NEW.id;
                    END IF;
                    RETURN NULL;
                END
                $$"""  # noqa: S608 - identifiers are ours
        )
        if f"trigger:{_owner_function(spec)}" not in present:
            statements.append(
                f"CREATE TRIGGER {_owner_function(spec)} AFTER INSERT OR UPDATE OF name "
                f"ON {ORGANIZATION_TABLE} FOR EACH ROW EXECUTE FUNCTION {_owner_function(spec)}()"
            )
    statements += [
        f"CREATE INDEX {name} ON {spec.table} USING {method}"
        for name, method in _indexes(spec).items()
        if f"index:{name}" not in present
    ]
    return statements


def _uninstall_statements(spec: IndexSpec) -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {_function(spec)} ON {spec.table}"]
    if spec.uses_owner_name:
        statements += [
            f"DROP TRIGGER IF EXISTS {_owner_function(spec)} ON {ORGANIZATION_TABLE}",
            f"DROP FUNCTION IF EXISTS {_owner_function(spec)}()",
        ]
    statements += [f"DROP FUNCTION IF EXISTS {_function(spec)}()"]
    statements += [f"DROP INDEX IF EXISTS {name}" for name in _indexes(spec)]
    statements += [f"ALTER TABLE {spec.table} DROP COLUMN IF EXISTS {VECTOR_COLUMN}"]
    return statements


# Element types of PostgreSQL's binary array form that binary_array reads: oid -> numpy type.
_BINARY_ELEMENTS = {20: ">i8", 23: ">i4", 21: ">i2", 700: ">f4", 701: ">f8"}


def _empty_arrays():
    import numpy as np

    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)


def binary_array(data):
    """A one-dimensional array without NULLs in PostgreSQL's binary form (`array_send`) as a
    numpy array; None for NULL. Header: dimensions, has-nulls flag, element type oid, then
    per dimension its length and lower bound; each element is its byte length and value."""
    if data is None:
        return None
    import struct

    import numpy as np

    dimensions, has_nulls, element_oid = struct.unpack_from(">iiI", data, 0)
    if dimensions == 0:
        return np.empty(0)
    if dimensions != 1 or has_nulls or element_oid not in _BINARY_ELEMENTS:
        raise ValueError("binary_array reads one-dimensional arrays of numbers without NULLs")
    length = struct.unpack_from(">i", data, 12)[0]
    layout = np.dtype([("size", ">i4"), ("value", _BINARY_ELEMENTS[element_oid])])
    return np.frombuffer(data, dtype=layout, count=length, offset=20)["value"]


def best_first(ids, ranks):
    """(ids, ranks) ordered by rank, highest first, then by id: int64 and float64 arrays.

    Ranks that are non-negative float4 (ts_rank's) and ids below 2**32 sort as one 64-bit
    key (the rank's bits inverted above the id), several times faster than a two-key sort;
    anything else takes the two-key sort."""
    import numpy as np

    ids = np.asarray(ids)
    ranks = np.asarray(ranks)
    if (
        ranks.dtype.kind == "f"
        and ranks.dtype.itemsize == 4
        and len(ids)
        and ids.min() >= 0
        and ids.max() < 2**32
        and not np.signbit(ranks).any()  # negative, and -0.0, whose bits would sort first
        and not np.isnan(ranks).any()
    ):
        # A non-negative float's bit pattern, read as an unsigned integer, orders as it does.
        bits = ranks.astype(np.float32).view(np.uint32).astype(np.uint64)
        keys = ((np.uint64(0xFFFFFFFF) - bits) << np.uint64(32)) | ids.astype(np.uint64)
        keys.sort()
        ordered_ids = (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
        ordered_bits = (np.uint64(0xFFFFFFFF) - (keys >> np.uint64(32))).astype(np.uint32)
        return ordered_ids, ordered_bits.view(np.float32).astype(np.float64)
    ids, ranks = ids.astype(np.int64), ranks.astype(np.float64)
    order = np.lexsort((ids, -ranks))
    return ids[order], ranks[order]


class _StoredVector(Func):
    """The row's `search_vector`, a column the models do not declare.

    Built on the row's primary key column so that it follows the table's alias when the
    queryset is nested in another query."""

    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(F("pk"))

    def as_sql(self, compiler, connection, **extra_context):
        pk = self.get_source_expressions()[0]
        alias = compiler.quote_name_unless_alias(pk.alias)
        return f"{alias}.{connection.ops.quote_name(VECTOR_COLUMN)}", []


class _TrigramMatches(Func):
    """pg_trgm's `name % text`: similar enough by the server's threshold, index-backed."""

    arg_joiner = " %% "
    template = "(%(expressions)s)"
    output_field = models.BooleanField()


def _form_query(form: tuple[str, ...]) -> SearchQuery:
    return SearchQuery('"' + " ".join(form) + '"', search_type="websearch", config=CONFIG)


def _term_query(term: Term):
    return reduce(operator.or_, (_form_query(form) for form in term.forms))


def tsquery(parsed: ParsedQuery):
    """The tsquery of a parsed query, as a SearchQuery expression."""
    branches = []
    for branch in parsed.branches:
        query = reduce(operator.and_, (_term_query(term) for term in branch.include))
        for term in branch.exclude:
            for form in term.forms:
                query = query & ~_form_query(form)
        branches.append(query)
    return reduce(operator.or_, branches)


def wanted_tsquery(parsed: ParsedQuery):
    """Any included term: what a headline marks."""
    return reduce(operator.or_, (_term_query(term) for term in parsed.wanted_terms))


class PostgresSearchBackend(SearchBackend):
    vendor = "postgresql"

    def _search(self, queryset, spec, parsed):
        query = tsquery(parsed)
        vector = _StoredVector()
        return queryset.filter(SearchVectorExact(vector, query)).annotate(
            **{RANK_FIELD: SearchRank(vector, query, cover_density=True)}
        )

    def _highlight(self, obj, spec, field, text, parsed, markers, max_words):
        start, stop = markers
        options = {"start_sel": start, "stop_sel": stop}
        if max_words:
            max_words = max(2, int(max_words))
            options.update(max_words=max_words, min_words=max(1, max_words // 2))
        else:
            options["highlight_all"] = True
        headline = SearchHeadline(
            Value(text.replace("\x00", " ")), wanted_tsquery(parsed), config=CONFIG, **options
        )
        sql, params = self._compile(headline)
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT {sql}", params)  # noqa: S608 - compiled by the ORM
            return cursor.fetchone()[0]

    def _highlight_many(self, objs, spec, field, texts, parsed, markers, max_words):
        start, stop = markers
        options = {"start_sel": start, "stop_sel": stop}
        if max_words:
            max_words = max(2, int(max_words))
            options.update(max_words=max_words, min_words=max(1, max_words // 2))
        else:
            options["highlight_all"] = True
        headline = SearchHeadline(
            RawSQL("u.t", [], output_field=models.TextField()),
            wanted_tsquery(parsed),
            config=CONFIG,
            **options,
        )
        sql, params = self._compile(headline)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {sql} FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",  # noqa: S608
                [*params, [t.replace("\x00", " ") for t in texts]],
            )
            marked = [row[0] for row in cursor.fetchall()]
        return {obj.pk: m for obj, text, m in zip(objs, texts, marked, strict=True) if text}

    def _compile(self, expression) -> tuple[str, list]:
        """SQL and parameters of an ORM expression that refers to no table (a tsquery, a
        headline of given text), to place in a statement of our own."""
        query = Query(None)
        return query.get_compiler(using=self.using).compile(expression.resolve_expression(query))

    def _session_has_settings(self) -> bool:
        """Whether the connection was opened with LOCAL_SETTINGS already (config.settings
        sends them as startup options)."""
        options = (self.connection.settings_dict.get("OPTIONS") or {}).get("options") or ""
        return all(f"{name}={value}" in options for name, value in LOCAL_SETTINGS.items())

    def _local_settings(self, cursor) -> None:
        """Planner settings for this transaction only (see LOCAL_SETTINGS)."""
        names = list(LOCAL_SETTINGS)
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
            [v for name in names for v in (name, LOCAL_SETTINGS[name])],
        )

    def ranked_ids(self, queryset, query, limit=None):
        """The permitted matches, ranked, as two lists (ids, ranks).

        Every match is ranked by ts_rank, which is cheap; the best RESCORED (or `limit`, if
        more) of those are ranked again by ts_rank_cd (cover density, the search's order)
        and come first. So ranking costs little more than finding the matches, and the first
        pages are exactly ts_rank_cd's. Without a limit, further matches keep ts_rank's
        order, with scores scaled below the last rescored one (see _every_match_ranked)."""
        if limit is None:
            ids, ranks = self.ranked_arrays(queryset, query)
            return ids.tolist(), ranks.tolist()
        return self._ranked(
            queryset, query, partial(self._best_ranked, limit=int(limit)), empty=([], [])
        )

    def ranked_arrays(self, queryset, query):
        """ranked_ids() without a limit, as numpy arrays: a search's total, facet counts and
        pages are computed from these, and 20,000 numbers cost a millisecond to turn into
        Python lists and back."""
        return self._ranked(queryset, query, self._every_match_ranked, empty=_empty_arrays())

    def _ranked(self, queryset, query, rank, empty):
        """`rank(found, query_expr)` for the matches of the parsed `query`, under the
        planner settings; `empty` for a query with nothing to look for."""
        if is_blank(query):
            return empty
        parsed = parse_query(query)
        if not parsed:
            return empty
        query_expr = tsquery(parsed)
        vector = _StoredVector()
        found = queryset.filter(SearchVectorExact(vector, query_expr)).annotate(
            **{RANK_FIELD: SearchRank(vector, query_expr)}
        )
        # Without the settings on the connection, a transaction scopes them: inside a
        # caller's transaction no savepoint of its own (an error still propagates and rolls
        # the caller's block back).
        needs_settings = not self._session_has_settings()
        scope = transaction.atomic(using=self.using, savepoint=False) if needs_settings else None
        with scope or nullcontext():
            if needs_settings:
                with self.connection.cursor() as cursor:
                    self._local_settings(cursor)
            return rank(found, query_expr)

    def _best_ranked(self, found, query_expr, limit):
        """The best `limit` matches, in one statement: PostgreSQL keeps the best by ts_rank
        in a bounded sort and ranks those again."""
        rescored = max(limit, RESCORED)
        best = found.order_by(F(RANK_FIELD).desc(), "pk").values_list("pk", RANK_FIELD)
        sql, params = best[:rescored].query.sql_with_params()
        query_sql, query_params = self._compile(query_expr)
        table = found.model._meta.db_table
        statement = (
            f"WITH best(id, rank) AS MATERIALIZED ({sql}), "  # noqa: S608 - compiled by the ORM
            f"rescored AS MATERIALIZED (SELECT t.id, ts_rank_cd(t.{VECTOR_COLUMN}, {query_sql}) "
            f"AS rank FROM {table} t WHERE t.id IN (SELECT id FROM best)) "
            f"SELECT array(SELECT id FROM rescored ORDER BY rank DESC, id LIMIT {limit}), "
            f"array(SELECT rank FROM rescored ORDER BY rank DESC, id LIMIT {limit})"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(statement, [*params, *query_params])
            ids, ranks = cursor.fetchone()
        return list(ids), [float(r) for r in ranks]

    def _every_match_ranked(self, found, query_expr):
        """Every match, as arrays (int64 ids, float64 ranks), in two statements.

        The first ranks every match by ts_rank and sends them all back unsorted, as two
        arrays in PostgreSQL's binary form (parsing 20,000 numbers from text costs more than
        ranking them): the total and the facet counts are computed from these. numpy orders
        them (cheaper than PostgreSQL sorting a materialized list), and the second statement
        ranks the best RESCORED again (see _cover_density_ranks). Like one statement, the
        answer is the permitted matches as the first statement saw them; a page's records
        are read again through the restricted queryset, so a record hidden since is not
        shown."""
        sql, params = found.order_by().values_list("pk", RANK_FIELD).query.sql_with_params()
        statement = (
            "SELECT array_send(array_agg(h.id)), array_send(array_agg(h.rank)) "  # noqa: S608
            f"FROM ({sql}) AS h(id, rank)"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)
            all_ids, all_ranks = cursor.fetchone()
        import numpy as np

        all_ids, all_ranks = binary_array(all_ids), binary_array(all_ranks)
        if all_ids is None or not len(all_ids):
            return _empty_arrays()
        all_ids, all_ranks = best_first(all_ids, all_ranks)
        rows = self._cover_density_ranks(found.model, query_expr, all_ids[:RESCORED].tolist())
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        ranks = np.fromiter((row[1] for row in rows), dtype=np.float64, count=len(rows))
        if len(all_ids) > RESCORED:
            rest_ids, rest_ranks = all_ids[RESCORED:], all_ranks[RESCORED:]
            floor = float(ranks.min()) if len(ranks) else 0.0
            top = float(rest_ranks[0])  # the highest: they are in order
            scale = min(1.0, floor / top) if top > 0 else 1.0
            ids = np.concatenate([ids, rest_ids])
            ranks = np.concatenate([ranks, rest_ranks * scale])
        return ids, ranks

    def _cover_density_ranks(self, model, query_expr, ids):
        """[(id, ts_rank_cd)] of those of `ids` that still match, best first (then by id).

        `ids` are what the restricted first statement returned, so this reads no record the
        caller may not see. It filters on nothing else, so PostgreSQL looks them up by
        primary key: given the match as a condition, it would rather find every match
        again through the index. The match is read instead, and one edited since is left
        out."""
        query_sql, query_params = self._compile(query_expr)
        vector = f"t.{VECTOR_COLUMN}"
        statement = (
            f"WITH q(q) AS (SELECT {query_sql}) "  # noqa: S608 - compiled by the ORM
            f"SELECT t.id, ts_rank_cd({vector}, q.q), {vector} @@ q.q "
            f"FROM {model._meta.db_table} t, q WHERE t.id = ANY(%s)"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(statement, [*query_params, ids])
            rows = [(pk, rank) for pk, rank, matches in cursor.fetchall() if matches]
        rows.sort(key=lambda row: (-row[1], row[0]))
        return rows

    def term_frequencies(self, model, words):
        """From pg_stats' most common lexemes of the table's search_vector (ANALYZE keeps
        them); a word absent from that list gets half the least common entry's share, as
        PostgreSQL's own estimate for tsvector matches does."""
        words = [w for w in dict.fromkeys(words) if w]
        table = model._meta.db_table
        stats = self._lexeme_stats(table)
        if stats is None or not words:
            return None
        rows, frequencies, floor = stats
        shares = {}
        for word, found in zip(words, self._word_lexemes(words), strict=True):
            parts = found.split()
            shares[word] = min((frequencies.get(p, floor / 2) for p in parts), default=0.0)
        return rows, shares

    def _word_lexemes(self, words: list[str]) -> list[str]:
        """Each word's lexemes (space-separated), read once per word and database."""
        database = self.connection.settings_dict.get("NAME")
        missing = [w for w in words if (database, w) not in _WORD_LEXEMES]
        if missing:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT array(SELECT array_to_string(tsvector_to_array("  # noqa: S608
                    f"to_tsvector('{CONFIG}', u.w)), ' ') "
                    "FROM unnest(%s::text[]) WITH ORDINALITY AS u(w, n) ORDER BY u.n)",
                    [missing],
                )
                lexemes = cursor.fetchone()[0]
            if len(_WORD_LEXEMES) + len(missing) > WORD_LEXEMES_MAX:
                _WORD_LEXEMES.clear()
            found = dict(zip(missing, lexemes, strict=True))
            _WORD_LEXEMES.update(((database, w), lex) for w, lex in found.items())
        else:
            found = {}
        return [found[w] if w in found else _WORD_LEXEMES.get((database, w), "") for w in words]

    def _lexeme_stats(self, table: str):
        """(rows, {lexeme: share}, least share listed), cached a few minutes per table."""
        import time

        key = (self.connection.settings_dict.get("NAME"), table)
        cached = _LEXEME_STATS.get(key)
        if cached and time.monotonic() - cached[0] < LEXEME_STATS_SECONDS:
            return cached[1]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.reltuples, s.most_common_elems::text::text[], "
                "s.most_common_elem_freqs FROM pg_class c "
                "LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
                "AND s.tablename = c.relname AND s.attname = %s "
                "WHERE c.oid = to_regclass(%s)",
                [VECTOR_COLUMN, table],
            )
            row = cursor.fetchone()
        stats = None
        if row and row[1] and row[2] and row[0] and row[0] > 0:
            elems, freqs = row[1], row[2]
            shares = dict(zip(elems, (float(f) for f in freqs[: len(elems)]), strict=True))
            # After the per-element shares come the least and greatest share and nulls.
            floor = float(freqs[len(elems)]) if len(freqs) > len(elems) else min(shares.values())
            stats = (float(row[0]), shares, floor)
        _LEXEME_STATS[key] = (time.monotonic(), stats)
        return stats

    def _similar_names(self, queryset, spec, name, limit, threshold):
        # First among the very similar only (the index then rechecks far fewer rows): when
        # that already gives `limit` names, they are the best ones, the same answer.
        if SIMILARITY_THRESHOLD <= threshold < QUICK_NAME_THRESHOLD:
            # The setting is local to the transaction: when this block is the transaction,
            # it ends with it; inside a caller's transaction it is set back.
            nested = self.connection.in_atomic_block
            with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                    [str(QUICK_NAME_THRESHOLD)],
                )
                rows = self._names_above(queryset, spec, name, limit, QUICK_NAME_THRESHOLD)
                if nested:
                    cursor.execute(
                        "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                        [str(SIMILARITY_THRESHOLD)],
                    )
            if len(rows) >= limit:
                return rows
        return self._names_above(queryset, spec, name, limit, threshold)

    def _names_above(self, queryset, spec, name, limit, threshold):
        candidates = queryset.annotate(name_similarity=TrigramSimilarity(spec.name_column, name))
        if threshold >= SIMILARITY_THRESHOLD:
            candidates = candidates.filter(_TrigramMatches(F(spec.name_column), Value(name)))
        rows = (
            candidates.filter(name_similarity__gte=threshold)
            .order_by("-name_similarity", "pk")
            .values_list("pk", "name_similarity")[:limit]
        )
        return [(pk, float(similarity)) for pk, similarity in rows]

    # --- Structure ------------------------------------------------------------------------

    def _execute(self, statements) -> None:
        with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def _present(self) -> set[str]:
        """What of the index exists: "column:<table>", "trigger:<name>", "index:<name>"."""
        tables = [spec.table for spec in INDEXED]
        watched = tables + list(self._stamped())
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT 'column:' || table_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND column_name = %s "
                "AND table_name = ANY(%s) "
                "UNION ALL SELECT 'trigger:' || t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relname = ANY(%s) "
                "UNION ALL SELECT 'index:' || indexname FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = ANY(%s) "
                "UNION ALL SELECT 'table:' || table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name = %s",
                [VECTOR_COLUMN, tables, watched, tables, STAMP_TABLE],
            )
            return {row[0] for row in cursor.fetchall()}

    def _expected(self) -> set[str]:
        expected = set()
        for spec in INDEXED:
            expected |= {f"column:{spec.table}", f"trigger:{_function(spec)}"}
            expected |= {f"index:{name}" for name in _indexes(spec)}
            if spec.uses_owner_name:
                expected.add(f"trigger:{_owner_function(spec)}")
        expected.add(f"table:{STAMP_TABLE}")
        expected |= {f"trigger:{_stamp_trigger(table)}" for table in self._stamped()}
        return expected

    def _stamped(self) -> dict[str, str]:
        """stamped_tables() that exist yet (migration 0003 installs before 0004 adds some)."""
        existing = set(self.connection.introspection.table_names())
        return {t: name for t, name in stamped_tables().items() if t in existing}

    def stamps(self, names) -> dict[str, int]:
        """{name: stamp} for the given stamp names; 0 for a table never written since
        install; {} when the stamp table is missing (then caches must not trust anything)."""
        names = requested = list(names)
        scope = _STAMPS_IN_SCOPE.get()
        if scope is not None:
            known = scope.get(self.using)
            if known and all(name in known for name in requested):
                return {name: known[name] for name in requested}
            # Every stamp at once: the request's other caches will ask for theirs.
            names = list(dict.fromkeys([*requested, *stamped_tables().values()]))
        try:
            # Inside a transaction a savepoint keeps a missing table from breaking it; in
            # autocommit a failed statement breaks nothing, and BEGIN/COMMIT would cost two
            # round trips per request.
            guard = (
                nullcontext()
                if self.connection.get_autocommit()
                else transaction.atomic(using=self.using)
            )
            with guard, self.connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT name, stamp FROM {STAMP_TABLE} WHERE name = ANY(%s)",  # noqa: S608
                    [names],
                )
                found = dict(cursor.fetchall())
        except DatabaseError:
            return {}
        result = {name: int(found.get(name, 0)) for name in names}
        if scope is not None:
            scope[self.using] = result
        return {name: result[name] for name in requested}

    def install(self) -> None:
        present = self._present()
        statements = [] if "pg_trgm" in self._extensions() else ["CREATE EXTENSION pg_trgm"]
        statements += [s for spec in INDEXED for s in _install_statements(spec, present)]
        statements += _stamp_statements(present, self._stamped())
        self._execute(statements)

    def _extensions(self) -> set[str]:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT extname FROM pg_extension")
            return {row[0] for row in cursor.fetchall()}

    def uninstall(self) -> None:
        # pg_trgm stays: other code may use it, and dropping it needs more privilege.
        statements = [s for spec in INDEXED for s in _uninstall_statements(spec)]
        self._execute(statements + _uninstall_stamp_statements(self._stamped()))

    def is_installed(self) -> bool:
        return self._expected() <= self._present()

    def repair(self) -> None:
        """Install what is missing; refill the vectors only if part of the index itself was
        missing (not merely the change stamps), since refilling rewrites every row."""
        missing = self._expected() - self._present()
        index_parts = {m for m in missing if "registry_search_stamp" not in m}
        if index_parts:
            self.rebuild()
        else:
            self.install()

    def clear(self) -> None:
        self._execute(f"UPDATE {spec.table} SET {VECTOR_COLUMN} = NULL" for spec in INDEXED)  # noqa: S608

    def populate(self) -> dict[str, int]:
        counts = {}
        with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
            for spec in INDEXED:
                cursor.execute(
                    f"UPDATE {spec.table} r SET {VECTOR_COLUMN} = {_vector_sql(spec, 'r')}"  # noqa: S608
                )
                counts[spec.key] = cursor.rowcount
        return counts
