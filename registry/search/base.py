"""The search interface every backend implements, and what each model puts in the index.

A backend never chooses rows: it takes a queryset that `accounts.permissions.restrict()`
already narrowed and only filters and ranks within it, so a search can never show a record
its reader may not see. Its answer is the same queryset, still lazy, still countable and
pageable, annotated with `search_rank` (a float, higher is better).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.db import connections, models
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from .text import MAX_NAME_LENGTH, clean_text, is_blank, parse_query

RANK_FIELD = "search_rank"
SIMILARITY_THRESHOLD = 0.3  # pg_trgm's default for its `%` operator
SNIPPET_WORDS = 32


@dataclass(frozen=True)
class IndexedColumn:
    """One text in a record's index entry.

    `sql` reads it from a row of `IndexSpec.table` named by `{row}`, so the same definition
    serves triggers (`{row}` = NEW) and full rebuilds (`{row}` = the table)."""

    name: str
    weight: str  # PostgreSQL's A (most important) to D
    sql: str


@dataclass(frozen=True)
class IndexSpec:
    """How one model is indexed."""

    label: str  # app_label.model_name
    key: str  # short name used in index table and trigger names
    table: str
    columns: tuple[IndexedColumn, ...]
    name_column: str  # the text similar_names() compares
    # Whether the entry includes the owner organization's name (kept current on a rename).
    uses_owner_name: bool = False

    @property
    def watched_columns(self) -> tuple[str, ...]:
        """Columns of `table` whose change alters the entry."""
        own = tuple(c.name for c in self.columns if c.name != "organization_name")
        return own + (("organization_id",) if self.uses_owner_name else ())

    def column(self, name: str) -> IndexedColumn | None:
        return next((c for c in self.columns if c.name == name), None)


def _text(column: str) -> str:
    return f"coalesce({{row}}.{column}, '')"


ORGANIZATION_TABLE = "accounts_organization"

TOOL = IndexSpec(
    label="registry.tool",
    key="tool",
    table="registry_tool",
    columns=(
        IndexedColumn("name", "A", _text("name")),
        IndexedColumn("summary", "B", _text("summary")),
        IndexedColumn("description", "C", _text("description")),
        IndexedColumn(
            "organization_name",
            "D",
            f"coalesce((SELECT o.name FROM {ORGANIZATION_TABLE} o "  # noqa: S608
            "WHERE o.id = {row}.organization_id), '')",
        ),
    ),
    name_column="name",
    uses_owner_name=True,
)
NEED = IndexSpec(
    label="registry.need",
    key="need",
    table="registry_need",
    columns=(
        IndexedColumn("title", "A", _text("title")),
        IndexedColumn("description", "C", _text("description")),
    ),
    name_column="title",
)
ORGANIZATION = IndexSpec(
    label="accounts.organization",
    key="organization",
    table=ORGANIZATION_TABLE,
    columns=(
        IndexedColumn("name", "A", _text("name")),
        IndexedColumn("description", "C", _text("description")),
    ),
    name_column="name",
)
INDEXED = (TOOL, NEED, ORGANIZATION)


def spec_for(model) -> IndexSpec:
    label = model._meta.label_lower
    for spec in INDEXED:
        if spec.label == label:
            return spec
    raise TypeError(
        f"{model._meta.label} is not searchable; searchable are Tool, Need and Organization."
    )


class SearchBackend(ABC):
    """One database's full-text and name-similarity search over the indexed models."""

    vendor: str = ""

    def __init__(self, using: str = "default"):
        self.using = using

    @property
    def connection(self):
        return connections[self.using]

    # --- The interface ----------------------------------------------------------------------

    def search(self, queryset: models.QuerySet, query: str | None) -> models.QuerySet:
        """`queryset` narrowed to records matching `query`, best first (ties by pk).

        A blank query returns `queryset` unchanged; a query with nothing searchable in it
        (punctuation, stop words, only exclusions) returns no rows."""
        if is_blank(query):
            return queryset
        spec = spec_for(queryset.model)
        parsed = parse_query(query)
        if not parsed:
            return queryset.annotate(
                **{RANK_FIELD: models.Value(0.0, output_field=models.FloatField())}
            ).none()
        return self._search(queryset, spec, parsed).order_by(f"-{RANK_FIELD}", "pk")

    def highlight(
        self, obj: models.Model, query: str | None, field: str, *, max_words: int | None = None
    ) -> SafeString:
        """HTML of `field` of `obj` with the query's words in <mark>, the rest escaped.

        With `max_words`, a passage of about that many words around the matches (at most
        64 on SQLite); without, the whole text. A field outside the index, or a text with no
        match, comes back escaped and, with `max_words`, shortened."""
        text = getattr(obj, field, "")
        text = "" if text is None else str(text)
        spec = spec_for(type(obj))
        parsed = parse_query(query) if not is_blank(query) else None
        markers = _markers_absent_from(text)
        if parsed and spec.column(field) and text and markers:
            marked = self._highlight(obj, spec, field, text, parsed, markers, max_words)
            if marked is not None:
                start, stop = markers
                html = escape(marked).replace(start, "<mark>").replace(stop, "</mark>")
                return mark_safe(html)  # noqa: S308 - everything but our markers is escaped
        if max_words:
            text = Truncator(text).words(max_words, truncate="…")
        return escape(text)

    def highlight_many(
        self,
        objs,
        query: str | None,
        field: str,
        *,
        max_words: int | None = None,
    ) -> list[SafeString]:
        """highlight() of each of `objs` (records of one model), in one query where the
        backend can; same order as `objs`."""
        objs = list(objs)
        if not objs:
            return []
        spec = spec_for(type(objs[0]))
        parsed = parse_query(query) if not is_blank(query) else None
        texts = ["" if getattr(o, field, "") is None else str(getattr(o, field, "")) for o in objs]
        markers = _markers_absent_from("".join(texts))
        if not (parsed and spec.column(field) and markers):
            return [self.highlight(o, query, field, max_words=max_words) for o in objs]
        marked = self._highlight_many(objs, spec, field, texts, parsed, markers, max_words)
        start, stop = markers
        result = []
        for obj, text in zip(objs, texts, strict=True):
            html = marked.get(obj.pk) if text else None
            if html is None:
                if max_words:
                    text = Truncator(text).words(max_words, truncate="…")
                result.append(escape(text))
            else:
                html = escape(html).replace(start, "<mark>").replace(stop, "</mark>")
                result.append(mark_safe(html))  # noqa: S308 - all but our markers is escaped
        return result

    def ranked_ids(
        self, queryset: models.QuerySet, query: str | None, limit: int | None = None
    ) -> tuple[list, list]:
        """(ids, ranks) of the records of `queryset` (already restricted) matching `query`,
        best first (ties by pk), at most `limit`: what a result page, its total and its facet
        counts are computed from. This version runs one query; PostgreSQL's runs two when it
        ranks every match. A query with nothing searchable gives two empty lists."""
        found = self.search(queryset, query)
        if is_blank(query) or found.query.is_empty():
            return [], []
        rows = found.values_list("pk", RANK_FIELD)
        rows = list(rows[:limit] if limit is not None else rows)
        return [row[0] for row in rows], [float(row[1] or 0.0) for row in rows]

    def ranked_arrays(self, queryset: models.QuerySet, query: str | None):
        """ranked_ids() without a limit, as numpy arrays (int64 ids, float64 ranks)."""
        import numpy as np

        ids, ranks = self.ranked_ids(queryset, query)
        return np.asarray(ids, dtype=np.int64), np.asarray(ranks, dtype=np.float64)

    def term_frequencies(self, model, words) -> tuple[float, dict[str, float]] | None:
        """(rows of `model`'s table, {word: estimated share of rows whose index entry has
        it}) from the database's statistics, or None where it keeps none worth using. An
        estimate, for choosing words, never for a figure shown to anyone."""
        return None

    def stamps(self, names) -> dict[str, int]:
        """Change stamps of watched tables (see registry.search.postgres); {} where the
        database keeps none, which tells in-process caches not to trust themselves."""
        return {}

    def similar_names(
        self,
        queryset: models.QuerySet,
        name: str | None,
        limit: int = 10,
        *,
        threshold: float = SIMILARITY_THRESHOLD,
    ) -> list[tuple[int, float]]:
        """(pk, similarity 0..1) of records of `queryset` whose name is like `name`.

        Trigram similarity as pg_trgm computes it, so a typo ("Spotlite") still finds the
        record ("Spotlight"); best first, at most `limit`, none below `threshold`."""
        name = clean_text(name or "", MAX_NAME_LENGTH)
        if is_blank(name) or limit <= 0:
            return []
        spec = spec_for(queryset.model)
        return self._similar_names(queryset, spec, name, limit, threshold)

    def rebuild(self) -> dict[str, int]:
        """Empty the index and fill it again from the tables; entries per model."""
        self.install()
        self.clear()
        return self.populate()

    def repair(self) -> None:
        """Put back what is missing; refill the index unless only its helpers were missing."""
        self.rebuild()

    # --- What each backend provides ---------------------------------------------------------

    @abstractmethod
    def _search(self, queryset, spec: IndexSpec, parsed) -> models.QuerySet: ...

    @abstractmethod
    def _highlight(self, obj, spec, field, text, parsed, markers, max_words) -> str | None:
        """`text` (or a passage of it) with matches between the two marker characters."""

    def _highlight_many(self, objs, spec, field, texts, parsed, markers, max_words) -> dict:
        """{pk: marked text or None}; by default one _highlight() per record."""
        return {
            obj.pk: self._highlight(obj, spec, field, text, parsed, markers, max_words)
            for obj, text in zip(objs, texts, strict=True)
            if text
        }

    @abstractmethod
    def _similar_names(self, queryset, spec, name, limit, threshold) -> list[tuple[int, float]]: ...

    @abstractmethod
    def install(self) -> None:
        """Create (or replace) the index structures and triggers; idempotent."""

    @abstractmethod
    def uninstall(self) -> None:
        """Remove everything install() created."""

    @abstractmethod
    def is_installed(self) -> bool:
        """Whether every structure and trigger install() creates is present."""

    @abstractmethod
    def clear(self) -> None:
        """Drop the index's content (not its structure)."""

    @abstractmethod
    def populate(self) -> dict[str, int]:
        """Index every existing row; entries per model key."""


# Private-use characters: never typed, so safe to mark matches before escaping.
_MARKER_PAIRS = (("\ue000", "\ue001"), ("\ue002", "\ue003"), ("\uf8fe", "\uf8ff"))


def _markers_absent_from(text: str) -> tuple[str, str] | None:
    for start, stop in _MARKER_PAIRS:
        if start not in text and stop not in text:
            return start, stop
    return None
