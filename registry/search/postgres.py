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
"""

from __future__ import annotations

import operator
from functools import reduce

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
    TrigramSimilarity,
)
from django.db import models, transaction
from django.db.models import F, Func, Value
from django.db.models.sql import Query

from .base import (
    INDEXED,
    ORGANIZATION_TABLE,
    RANK_FIELD,
    SIMILARITY_THRESHOLD,
    IndexSpec,
    SearchBackend,
)
from .text import ParsedQuery, Term

CONFIG = "english"
VECTOR_COLUMN = "search_vector"


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
        query = Query(None)
        compiler = query.get_compiler(using=self.using)
        sql, params = compiler.compile(headline.resolve_expression(query))
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT {sql}", params)  # noqa: S608 - compiled by the ORM
            return cursor.fetchone()[0]

    def _similar_names(self, queryset, spec, name, limit, threshold):
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
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT 'column:' || table_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND column_name = %s "
                "AND table_name = ANY(%s) "
                "UNION ALL SELECT 'trigger:' || t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relname = ANY(%s) "
                "UNION ALL SELECT 'index:' || indexname FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = ANY(%s)",
                [VECTOR_COLUMN, tables, tables, tables],
            )
            return {row[0] for row in cursor.fetchall()}

    def _expected(self) -> set[str]:
        expected = set()
        for spec in INDEXED:
            expected |= {f"column:{spec.table}", f"trigger:{_function(spec)}"}
            expected |= {f"index:{name}" for name in _indexes(spec)}
            if spec.uses_owner_name:
                expected.add(f"trigger:{_owner_function(spec)}")
        return expected

    def install(self) -> None:
        present = self._present()
        statements = [] if "pg_trgm" in self._extensions() else ["CREATE EXTENSION pg_trgm"]
        statements += [s for spec in INDEXED for s in _install_statements(spec, present)]
        self._execute(statements)

    def _extensions(self) -> set[str]:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT extname FROM pg_extension")
            return {row[0] for row in cursor.fetchall()}

    def uninstall(self) -> None:
        # pg_trgm stays: other code may use it, and dropping it needs more privilege.
        self._execute(s for spec in INDEXED for s in _uninstall_statements(spec))

    def is_installed(self) -> bool:
        return self._expected() <= self._present()

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
