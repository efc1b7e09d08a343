"""One search, for the API and the /search/ page alike: results, total, facet counts,
highlights.

    from registry.search.results import InvalidSearch, search_results

    try:
        results = search_results(request.user, q="shelter referral", type="tool",
                                 params=request.GET, request=request)
    except InvalidSearch as error:
        error.errors                       # {"type": ["..."], "functions": ["..."]}
    results.count                          # permitted matches (int); len(results) too
    results.facets                         # {"functions": [("hotline_reporting", 12), ...]}
    for item in results[0:20]:             # a page: SearchItem(type, record, name, slug,
        item.highlight                     #   summary, highlight (safe HTML), score)

`params` holds the facet filters (`functions=hotline_reporting&regions=KE`, the names of
registry.filtersets; `sector` for organizations); other keys (q, type, page, page_size) are
ignored. The object slices lazily, so Django's and DRF's paginators take it as it is
(`Paginator(results, 20).page(n)`); a slice reads only its page's records, with one
highlight query.

Cost (PostgreSQL, 100,000 tools): the permitted matches are found and ranked once, by one
statement, and the best of them ranked again by a second (registry.search.postgres
`ranked_arrays`); the total and the facet counts are computed from those id arrays
(registry.search.facets, in memory), never by re-running the match.

Permissions: every figure comes from the filterset's queryset, which starts from the
registry selectors and so from `accounts.permissions.restrict()`, and page records are read
again through a restricted queryset; no count or facet includes a record the user may not
see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .text import MAX_QUERY_LENGTH, is_blank

TYPES = ("tool", "need", "organization")
TOOL_FACETS = ["functions", "purposes", "trafficking_types", "target_users", "regions"]
NEED_FACETS = ["functions", "trafficking_types", "target_users", "regions"]
RESERVED_PARAMS = ("q", "type", "page", "page_size")
HIGHLIGHT_WORDS = 30


class InvalidSearch(ValueError):
    """Bad search input; `errors` maps a parameter name to its messages."""

    def __init__(self, errors: Mapping[str, list]):
        super().__init__(errors)
        self.errors = dict(errors)


@dataclass
class SearchItem:
    type: str
    record: models.Model
    slug: str
    name: str
    summary: str
    highlight: SafeString | str
    score: float | None


class SearchResults:
    """The permitted matches of one search; slicing reads a page of SearchItems."""

    def __init__(self, *, kind, text, backend, model, ids, ranks, count, facets, page_source):
        self.kind = kind
        self.text = text
        self.count = count
        self.facets = facets
        self._backend = backend
        self._model = model
        self._ids = ids  # ranked ids (numpy), or None when pages are read from `page_source`
        self._ranks = ranks
        self._page_source = page_source  # a restricted, ordered queryset

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        if isinstance(index, int):
            items = self[index : index + 1]
            if not items:
                raise IndexError(index)
            return items[0]
        start, stop, step = index.indices(self.count)
        if step != 1:
            raise ValueError("Search results slice with step 1 only.")
        if self._ids is not None:
            page_ids = self._ids[start:stop].tolist()
            ranks = dict(zip(page_ids, self._ranks[start:stop].tolist(), strict=True))
            found = {r.pk: r for r in self._page_source.filter(pk__in=page_ids)} if page_ids else {}
            records = [found[pk] for pk in page_ids if pk in found]
        else:
            records = list(self._page_source[start:stop])
            ranks = {}
        return self._items(records, ranks)

    def _items(self, records, ranks) -> list[SearchItem]:
        kind = self.kind
        field = "summary" if kind == "tool" else "description"
        if self.text and records:
            highlights = self._backend.highlight_many(
                records, self.text, field, max_words=HIGHLIGHT_WORDS
            )
        else:
            highlights = [""] * len(records)
        items = []
        for record, highlight in zip(records, highlights, strict=True):
            rank = ranks.get(record.pk)
            items.append(
                SearchItem(
                    type=kind,
                    record=record,
                    slug=record.slug,
                    name=record.title if kind == "need" else record.name,
                    summary=getattr(record, "summary", "") or "",
                    highlight=highlight,
                    score=float(rank) if rank is not None else None,
                )
            )
        return items


def search_results(
    user,
    q: str | None = "",
    type: str = "tool",  # noqa: A002 - the API parameter's name
    params: Mapping | None = None,
    *,
    request=None,
    using: str | None = None,
) -> SearchResults:
    """Search `type` records the user may see for `q`, narrowed by the facet filters in
    `params`; raises InvalidSearch for a bad parameter. See the module docstring."""
    from registry import selectors
    from registry.filtersets import NeedFilterSet, ToolFilterSet
    from registry.search import get_backend

    from .facets import facet_counts

    text = q or ""
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidSearch({"q": [_("At most %(n)d characters.") % {"n": MAX_QUERY_LENGTH}]})
    kind = type or "tool"
    if kind not in TYPES:
        raise InvalidSearch({"type": [_("Choose tool, need or organization.")]})
    backend = get_backend(using)
    params = _filter_params(params)
    has_text = not is_blank(text)

    if kind == "organization":
        queryset = selectors.organizations_visible_to(user)
        sector = params.get("sector")
        if sector:
            queryset = queryset.filter(sector=sector)
        facets = {"sector": selectors.single_facet_counts(queryset, "sector")}
        model = queryset.model
        page_source = queryset
        facet_names: list[str] = []
    else:
        filterset_class, facet_names, base = (
            (ToolFilterSet, TOOL_FACETS, selectors.tool_list(user))
            if kind == "tool"
            else (NeedFilterSet, NEED_FACETS, selectors.need_list(user))
        )
        if any(name in filterset_class.base_filters for name in params):
            filterset = filterset_class(params, queryset=base, request=request)
            if not filterset.is_valid():
                raise InvalidSearch(filterset.errors)
            queryset = filterset.qs
        else:
            # No filter given (most searches): nothing to validate, and the filterset's form,
            # with a permission-checked choice list per field, would be built for nothing.
            queryset = base
        model = queryset.model
        facets = {}
        # Page records: read again through the restricted queryset, without the list
        # page's prefetches (a result shows none of them).
        page_source = queryset.prefetch_related(None).select_related(None)

    if has_text:
        ids, ranks = backend.ranked_arrays(queryset, text)
        count = len(ids)
        if facet_names:
            facets = facet_counts(
                model,
                facet_names,
                ids=ids,
                # Where facets are counted in SQL (no in-memory index), over the matches.
                queryset=lambda: (
                    model._default_manager.filter(
                        pk__in=backend.search(queryset, text).order_by().values("pk")
                    )
                    if count
                    else model._default_manager.none()
                ),
                using=queryset.db,
            )
        return SearchResults(
            kind=kind,
            text=text,
            backend=backend,
            model=model,
            ids=ids,
            ranks=ranks,
            count=count,
            facets=facets,
            page_source=page_source.order_by(),
        )

    ordering = ("-created_at", "pk") if kind == "need" else ("name", "pk")
    ordered = queryset.order_by(*ordering)
    if facet_names:
        facets = facet_counts(
            model,
            facet_names,
            queryset=model._default_manager.filter(pk__in=queryset.order_by().values("pk")),
            using=queryset.db,
        )
    return SearchResults(
        kind=kind,
        text="",
        backend=backend,
        model=model,
        ids=None,
        ranks=None,
        count=ordered.count(),
        facets=facets,
        page_source=page_source.order_by(*ordering),
    )


def _filter_params(params: Mapping | None):
    """`params` without the search's own keys, as a QueryDict-like mapping."""
    from django.http import QueryDict

    if params is None:
        return QueryDict(mutable=True)
    if hasattr(params, "copy") and hasattr(params, "getlist"):
        params = params.copy()
    else:
        copy = QueryDict(mutable=True)
        for key, value in params.items():
            if isinstance(value, list | tuple):
                copy.setlist(key, [str(v) for v in value])
            else:
                copy[key] = str(value)
        params = copy
    for reserved in RESERVED_PARAMS:
        params.pop(reserved, None)
    return params
