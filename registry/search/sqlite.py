"""Search on SQLite: FTS5 tables kept current by triggers.

Per indexed model two FTS5 tables, keyed by rowid = the record's primary key:

    registry_search_<key>           the weighted texts, tokenize 'porter unicode61
                                    remove_diacritics 2' (English stemming, accents folded)
    registry_search_<key>_trigram   the record's name, tokenize 'trigram', for similar_names

They store their own copy of the text rather than pointing at the model table (external
content): a stored-content table can be corrected by deleting a rowid without knowing the
old values, so a trigger can never leave the index inconsistent. The copy costs a few
kilobytes per record.

Triggers AFTER INSERT / UPDATE / DELETE on registry_tool, registry_need and
accounts_organization rewrite a record's entries in the writing transaction, so a search
sees its own transaction's writes. A tool's entry also holds its organization's name (read
from the organization's own entry) and id (an UNINDEXED column); renaming an organization
rewrites the entries of its tools. Trigger bodies touch only the search tables: when Django
rebuilds a model table for a migration ("remake table"), SQLite re-checks every trigger that
names the table and would refuse the rename if one did.

Ranking is bm25() with column weights (10, 4, 2, 1 for PostgreSQL's A, B, C, D), negated so
that higher is better. The queryset is filtered with `pk IN (SELECT rowid ... MATCH ?)` and
the rank is looked up in the same MATCH's hits (see _Bm25Rank), both plain SQL expressions
of the ORM, so the result is an ordinary queryset that keeps its permission filter.

Caveat: when a later migration makes Django rebuild one of these tables, SQLite drops the
table's own triggers with the old table. `registry.search.ensure_installed` (a post_migrate
receiver) and `manage.py rebuild_search_index` put them back and refill the index.
"""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import F, Func

from .base import INDEXED, ORGANIZATION, RANK_FIELD, IndexSpec, SearchBackend
from .text import inner_trigrams, to_fts5, to_fts5_any, trigram_similarity, trigrams, words_of

TOKENIZE_TEXT = "porter unicode61 remove_diacritics 2"
TOKENIZE_NAMES = "trigram"
BM25_WEIGHTS = {"A": 10.0, "B": 4.0, "C": 2.0, "D": 1.0}
MAX_NAME_CANDIDATES = 500
MAX_SNIPPET_TOKENS = 64  # FTS5's limit for snippet()


def text_table(spec: IndexSpec) -> str:
    return f"registry_search_{spec.key}"


def names_table(spec: IndexSpec) -> str:
    return f"registry_search_{spec.key}_trigram"


def _trigger_names(spec: IndexSpec) -> list[str]:
    names = [f"registry_search_{spec.key}_{event}" for event in ("insert", "update", "delete")]
    if spec.uses_owner_name:
        names += [f"registry_search_{spec.key}_owner_{event}" for event in ("insert", "rename")]
    return names


# A tool's entry carries its organization's id (unindexed) and name. Trigger bodies read and
# write only the search tables, never another model table: when Django rebuilds a table for
# a migration, SQLite re-checks every trigger that names it and fails on the missing table.
OWNER_ID = "organization_id"


def _columns(spec: IndexSpec) -> list[str]:
    return [c.name for c in spec.columns] + ([OWNER_ID] if spec.uses_owner_name else [])


def _create_text_table(spec: IndexSpec) -> str:
    columns = [c.name for c in spec.columns]
    if spec.uses_owner_name:
        columns.append(f"{OWNER_ID} UNINDEXED")
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {text_table(spec)} USING fts5("
        f"{', '.join(columns)}, tokenize = '{TOKENIZE_TEXT}')"
    )


def _row_values(spec: IndexSpec, row: str) -> str:
    """Values of a row's entry from `row` (NEW, in a trigger), search tables only."""
    values = []
    for column in spec.columns:
        if column.name == "organization_name":
            owners = text_table(ORGANIZATION)
            owner_name = f"SELECT name FROM {owners} WHERE rowid = {row}.{OWNER_ID}"  # noqa: S608
            values.append(f"coalesce(({owner_name}), '')")
        else:
            values.append(f"coalesce({row}.{column.name}, '')")
    if spec.uses_owner_name:
        values.append(f"{row}.{OWNER_ID}")
    return ", ".join(values)


def _populate_values(spec: IndexSpec, row: str) -> str:
    """Values of a row's entry from the model tables (for a full rebuild)."""
    values = [c.sql.format(row=row) for c in spec.columns]
    if spec.uses_owner_name:
        values.append(f"{row}.{OWNER_ID}")
    return ", ".join(values)


def _write_entry(spec: IndexSpec, old: str, new: str) -> str:
    """Statements (for a trigger body) replacing the entries of `old` by those of `new`."""
    text, names = text_table(spec), names_table(spec)
    name = f"coalesce({new}.{spec.name_column}, '')"
    return (
        f"DELETE FROM {text} WHERE rowid = {old}.id;\n"  # noqa: S608 - identifiers are ours
        f"DELETE FROM {names} WHERE rowid = {old}.id;\n"
        f"INSERT INTO {text}(rowid, {', '.join(_columns(spec))}) "
        f"VALUES ({new}.id, {_row_values(spec, new)});\n"
        f"INSERT INTO {names}(rowid, name) VALUES ({new}.id, {name});\n"
    )


def _changed(spec: IndexSpec) -> str:
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("id", *spec.watched_columns))


def _owner_refresh(spec: IndexSpec, org: str) -> str:
    return (
        f"UPDATE {text_table(spec)} SET organization_name = coalesce({org}.name, '') "  # noqa: S608
        f"WHERE {OWNER_ID} = {org}.id;\n"
    )


def install_statements(spec: IndexSpec) -> list[str]:
    text, names = text_table(spec), names_table(spec)
    statements = [
        _create_text_table(spec),
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {names} USING fts5("
        f"name, tokenize = '{TOKENIZE_NAMES}')",
    ]
    statements += [f"DROP TRIGGER IF EXISTS {name}" for name in _trigger_names(spec)]
    insert, update, delete = _trigger_names(spec)[:3]
    statements += [
        f"CREATE TRIGGER {insert} AFTER INSERT ON {spec.table} BEGIN\n"
        f"{_write_entry(spec, 'new', 'new')}END",
        f"CREATE TRIGGER {update} AFTER UPDATE ON {spec.table} WHEN {_changed(spec)} BEGIN\n"
        f"{_write_entry(spec, 'old', 'new')}END",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {spec.table} BEGIN\n"
        f"DELETE FROM {text} WHERE rowid = old.id;\n"
        f"DELETE FROM {names} WHERE rowid = old.id;\nEND",
    ]
    if spec.uses_owner_name:
        # A tool may be written before its organization inside one transaction (foreign
        # keys are checked at commit), so an organization's insert refreshes its tools too.
        owner_insert, owner_rename = _trigger_names(spec)[3:]
        statements += [
            f"CREATE TRIGGER {owner_insert} AFTER INSERT ON {ORGANIZATION.table} BEGIN\n"
            f"{_owner_refresh(spec, 'new')}END",
            f"CREATE TRIGGER {owner_rename} AFTER UPDATE OF name ON {ORGANIZATION.table} "
            f"WHEN old.name IS NOT new.name BEGIN\n{_owner_refresh(spec, 'new')}END",
        ]
    return statements


class _MatchingRows(Func):
    """`pk IN (SELECT rowid FROM <fts table> WHERE <fts table> MATCH <expression>)`."""

    output_field = models.BooleanField()

    def __init__(self, table: str, match: str):
        super().__init__(F("pk"))
        self.table = table
        self.match = match

    def as_sql(self, compiler, connection, **extra_context):
        pk_sql, pk_params = compiler.compile(self.get_source_expressions()[0])
        table = connection.ops.quote_name(self.table)
        sql = f"{pk_sql} IN (SELECT rowid FROM {table} WHERE {table} MATCH %s)"  # noqa: S608
        return sql, (*pk_params, self.match)


class _Bm25Rank(Func):
    """The row's bm25() for a MATCH, negated so that higher is better.

    bm25() gathers statistics over the whole index for each query it runs, so it must run
    once per search, not once per row: the hits are an uncorrelated subquery, and its
    `LIMIT -1` stops SQLite from pushing the row's key into it (which would make it a
    per-row query). SQLite then evaluates it once, looked up through an automatic index."""

    output_field = models.FloatField()

    def __init__(self, table: str, weights: tuple[float, ...], match: str):
        super().__init__(F("pk"))
        self.table = table
        self.weights = weights
        self.match = match

    def as_sql(self, compiler, connection, **extra_context):
        pk_sql, pk_params = compiler.compile(self.get_source_expressions()[0])
        table = connection.ops.quote_name(self.table)
        weights = ", ".join(repr(float(w)) for w in self.weights)
        sql = (
            f"(SELECT hits.score FROM (SELECT rowid AS id, -bm25({table}, {weights}) AS score "  # noqa: S608
            f"FROM {table} WHERE {table} MATCH %s LIMIT -1) AS hits WHERE hits.id = {pk_sql})"
        )
        return sql, (self.match, *pk_params)


class SQLiteSearchBackend(SearchBackend):
    vendor = "sqlite"

    def _search(self, queryset, spec, parsed):
        table = text_table(spec)
        match = to_fts5(parsed)
        weights = tuple(BM25_WEIGHTS[c.weight] for c in spec.columns)
        return queryset.filter(_MatchingRows(table, match)).annotate(
            **{RANK_FIELD: _Bm25Rank(table, weights, match)}
        )

    def _highlight(self, obj, spec, field, text, parsed, markers, max_words):
        if obj.pk is None:
            return None
        table = text_table(spec)
        index = [c.name for c in spec.columns].index(field)
        match = to_fts5_any(parsed.wanted_terms, column=field)
        start, stop = markers
        if max_words:
            tokens = max(1, min(int(max_words), MAX_SNIPPET_TOKENS))
            function, args = "snippet", [start, stop, "…", tokens]
            placeholders = "%s, %s, %s, %s"
        else:
            function, args = "highlight", [start, stop]
            placeholders = "%s, %s"
        sql = (
            f"SELECT {function}({table}, {index}, {placeholders}) FROM {table} "  # noqa: S608 - identifiers are ours
            f"WHERE {table} MATCH %s AND rowid = %s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*args, match, obj.pk])
            row = cursor.fetchone()
        return row[0] if row else None

    def _highlight_many(self, objs, spec, field, texts, parsed, markers, max_words):
        pks = [obj.pk for obj, text in zip(objs, texts, strict=True) if text and obj.pk]
        if not pks:
            return {}
        table = text_table(spec)
        index = [c.name for c in spec.columns].index(field)
        match = to_fts5_any(parsed.wanted_terms, column=field)
        start, stop = markers
        if max_words:
            tokens = max(1, min(int(max_words), MAX_SNIPPET_TOKENS))
            function, args = "snippet", [start, stop, "…", tokens]
            placeholders = "%s, %s, %s, %s"
        else:
            function, args = "highlight", [start, stop]
            placeholders = "%s, %s"
        ids = ", ".join("%s" for _ in pks)
        sql = (
            f"SELECT rowid, {function}({table}, {index}, {placeholders}) FROM {table} "  # noqa: S608 - identifiers are ours
            f"WHERE {table} MATCH %s AND rowid IN ({ids})"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*args, match, *pks])
            return dict(cursor.fetchall())

    def _similar_names(self, queryset, spec, name, limit, threshold):
        grams = inner_trigrams(name)
        if grams:
            table = names_table(spec)
            match = " OR ".join(f'"{gram}"' for gram in grams)
            candidates = (
                queryset.filter(_MatchingRows(table, match))
                .annotate(trigram_rank=_Bm25Rank(table, (1.0,), match))
                .order_by("-trigram_rank", "pk")
            )
        else:
            # Words under three letters have no inner trigram to look up.
            candidates = queryset
            for word in words_of(name):
                candidates = candidates.filter(**{f"{spec.name_column}__icontains": word})
            candidates = candidates.order_by("pk")
        wanted = trigrams(name)
        scored = []
        for pk, candidate in candidates.values_list("pk", spec.name_column)[:MAX_NAME_CANDIDATES]:
            similarity = trigram_similarity(wanted, candidate or "")
            if similarity >= threshold:
                scored.append((pk, similarity))
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored[:limit]

    # --- Structure ------------------------------------------------------------------------

    def _execute(self, statements) -> None:
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def install(self) -> None:
        with transaction.atomic(using=self.using):
            self._execute(s for spec in INDEXED for s in install_statements(spec))

    def uninstall(self) -> None:
        statements = []
        for spec in INDEXED:
            statements += [f"DROP TRIGGER IF EXISTS {name}" for name in _trigger_names(spec)]
            statements += [
                f"DROP TABLE IF EXISTS {text_table(spec)}",
                f"DROP TABLE IF EXISTS {names_table(spec)}",
            ]
        with transaction.atomic(using=self.using):
            self._execute(statements)

    def is_installed(self) -> bool:
        expected = set()
        for spec in INDEXED:
            expected |= {("table", text_table(spec)), ("table", names_table(spec))}
            expected |= {("trigger", name) for name in _trigger_names(spec)}
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')"
            )
            present = set(cursor.fetchall())
        return expected <= present

    def clear(self) -> None:
        statements = []
        for spec in INDEXED:
            statements += [f"DELETE FROM {text_table(spec)}", f"DELETE FROM {names_table(spec)}"]  # noqa: S608
        with transaction.atomic(using=self.using):
            self._execute(statements)

    def populate(self) -> dict[str, int]:
        counts = {}
        with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
            for spec in INDEXED:
                text, names = text_table(spec), names_table(spec)
                cursor.execute(f"DELETE FROM {text}")  # noqa: S608 - identifiers are ours
                cursor.execute(f"DELETE FROM {names}")  # noqa: S608
                cursor.execute(
                    f"INSERT INTO {text}(rowid, {', '.join(_columns(spec))}) "  # noqa: S608
                    f"SELECT r.id, {_populate_values(spec, 'r')} FROM {spec.table} r"
                )
                cursor.execute(
                    f"INSERT INTO {names}(rowid, name) "  # noqa: S608
                    f"SELECT r.id, coalesce(r.{spec.name_column}, '') FROM {spec.table} r"
                )
                cursor.execute(f"INSERT INTO {text}({text}) VALUES ('optimize')")  # noqa: S608
                cursor.execute(f"INSERT INTO {names}({names}) VALUES ('optimize')")  # noqa: S608
                cursor.execute(f"SELECT count(*) FROM {text}")  # noqa: S608
                counts[spec.key] = cursor.fetchone()[0]
        return counts
