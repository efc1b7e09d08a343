"""Reads that only the server-rendered pages need.

Every function here starts from a queryset returned by registry.selectors (and so from
accounts.permissions.restrict), so a page never counts or lists a record its reader may not
see. Nothing here writes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import django_filters
from django.core.cache import cache
from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.http import QueryDict
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from accounts.models import Organization
from core import taxonomy
from registry import selectors
from registry.filtersets import NeedFilterSet, ToolFilterSet, full_text
from registry.models import Tool

RECENT_TOOLS = 6
# Vocabularies longer than this (countries, languages) list only the terms in use.
LONG_VOCABULARY = 40


@dataclass(frozen=True)
class FacetOption:
    """One checkbox of the filter sidebar."""

    code: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class FacetGroup:
    """One group of checkboxes: a query parameter, its label and its options."""

    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)

    @property
    def selected(self) -> list[FacetOption]:
        return [option for option in self.options if option.selected]


def registry_counts(user) -> dict[str, int]:
    """How many tools, organizations and open needs `user` may see."""
    return {
        "tools": selectors.tools_visible_to(user).count(),
        "organizations": selectors.organizations_visible_to(user).count(),
        "open_needs": selectors.needs_visible_to(user)
        .filter(status=taxonomy.NeedStatus.OPEN)
        .count(),
    }


def recently_updated_tools(user, limit: int = RECENT_TOOLS) -> QuerySet[Tool]:
    return selectors.tool_list(user).order_by("-updated_at", "-pk")[:limit]


def tool_successor(user, tool: Tool) -> Tool | None:
    """The tool that replaces a discontinued one, if `user` may see it."""
    successor_id = getattr(tool, "successor_id", None)
    if successor_id is None:
        return None
    return selectors.tools_visible_to(user).filter(pk=successor_id).first()


def organization_list(user, *, text: str = "", sector: str = "") -> QuerySet[Organization]:
    """Organizations `user` may see, each with the number of its tools `user` may see."""
    visible_tools = (
        selectors.tools_visible_to(user)
        .filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values("n")
    )
    organizations = selectors.organizations_visible_to(user).annotate(
        visible_tool_count=Coalesce(Subquery(visible_tools, output_field=IntegerField()), Value(0))
    )
    text = text.strip()
    if text:
        organizations = organizations.filter(name__icontains=text)
    if sector in taxonomy.Sector.values:
        organizations = organizations.filter(sector=sector)
    return organizations.order_by(Lower("name"), "pk")


def _term_labels(model, codes: Iterable[str]) -> dict[str, str]:
    """Labels of vocabulary codes in the active language, in the vocabulary's order."""
    definitions = dict(model.definitions())
    wanted = set(codes)
    rows = model.objects.filter(code__in=wanted)
    return {row.code: str(definitions.get(row.code, row.label)) for row in rows}


def facet_groups(
    filterset_class,
    data: Mapping,
    base_queryset: QuerySet,
    facets: Iterable[str],
    *,
    known_counts: Mapping[str, Iterable[tuple[str, int]]] | None = None,
) -> list[FacetGroup]:
    """The filter sidebar: for each facet, its options and how many records each would give.

    A facet's counts are computed with every filter applied except that facet's own, so that
    ticking a second box of the same group (which widens the result, OR) shows a true number.
    `base_queryset` must come from a selector: it carries the permission filter, so hidden
    records are never counted. `known_counts` may give the (code, count) pairs of facets
    already counted over the same restricted matches with every filter applied; they are
    used for a facet none of whose codes is selected (then both ways of counting agree)."""
    groups = []
    model = base_queryset.model
    known_counts = known_counts or {}
    for name in facets:
        model_field = model._meta.get_field(name)
        selected = [code for code in data.getlist(name) if code]
        if name in known_counts and not selected:
            counts = dict(known_counts[name])
        else:
            others = data.copy()
            others.pop(name, None)
            narrowed = filterset_class(others, queryset=base_queryset).qs
            counts = (
                dict(selectors.facet_counts(narrowed, name))
                if model_field.many_to_many
                else dict(selectors.single_facet_counts(narrowed, name))
            )
        if model_field.many_to_many:
            vocabulary = model_field.related_model
            labels = _term_labels(vocabulary, set(counts) | set(selected))
            order = [code for code, _label in vocabulary.definitions()]
            if len(order) > LONG_VOCABULARY:
                order = sorted(
                    labels,
                    key=lambda code: (code != taxonomy.GLOBAL_REGION, labels[code].casefold()),
                )
        else:
            labels = {code: str(label) for code, label in model_field.choices}
            order = list(labels)
        options = [
            FacetOption(
                code=code,
                label=labels[code],
                count=counts.get(code, 0),
                selected=code in selected,
            )
            for code in order
            if code in labels and (counts.get(code) or code in selected)
        ]
        groups.append(
            FacetGroup(name=name, label=capfirst(model_field.verbose_name), options=options)
        )
    return groups


# --- Writing pages ----------------------------------------------------------------------------

NEED_CANDIDATES = 6
LICENCE_PAGE = 50


def tools_meeting_need(user, need, *, with_dismissed: bool = False):
    """Tools `user` may see that may meet the need: those its editors confirmed first, then
    the overlap engine's suggestions, best first (never a tool already decided on, so a
    dismissed tool is not suggested again); with `with_dismissed`, the dismissed ones too.
    See registry.matching_selectors.tools_for_need."""
    from registry import matching_selectors

    return matching_selectors.tools_for_need(
        user, need, limit=NEED_CANDIDATES, with_dismissed=with_dismissed
    )


def requesting_organizations(user) -> list[Organization]:
    """The organizations on whose behalf `user` may request a licence."""
    from registry.forms import organizations_for
    from registry.models import LicenseRequest

    return organizations_for(user, LicenseRequest)


@dataclass(frozen=True)
class OfferRow:
    """A licence offer on the marketplace, with the viewer's organizations that may ask."""

    offer: object
    eligible: list[Organization]


def licence_offers_with_eligibility(user, organizations: list[Organization]) -> list[OfferRow]:
    offers = (
        selectors.license_offer_list(user)
        .filter(status=taxonomy.LicenseOfferStatus.ACTIVE)
        .order_by("-created_at", "-pk")[:LICENCE_PAGE]
    )
    return [
        OfferRow(
            offer=offer,
            eligible=[org for org in organizations if offer.refusal_for(org) is None],
        )
        for offer in offers
    ]


def licence_requests_of(user) -> dict[str, list]:
    """Licence requests `user` may see: those to decide (incoming) and those sent."""
    from accounts.permissions import access_context

    if not getattr(user, "is_authenticated", False):
        return {"incoming": [], "outgoing": []}
    member_of = set(access_context(user).roles)
    rows = list(
        selectors.license_request_list(user)
        .select_related("offer__organization")
        .order_by("-created_at", "-pk")[:LICENCE_PAGE]
    )
    return {
        "incoming": [r for r in rows if r.offer.organization_id in member_of],
        "outgoing": [r for r in rows if r.organization_id in member_of],
    }


@dataclass(frozen=True)
class SharedRecord:
    """A private or restricted record of the organization and who it is shared with."""

    record: object
    shared_with: list[Organization]

    @property
    def key(self) -> str:
        return f"{self.record._meta.model_name}:{self.record.slug}"


def workspace(user, organization: Organization) -> dict:
    """Everything an organization's dashboard shows, each part through restrict()."""
    from accounts.models import Invitation, JoinRequest, Membership
    from accounts.permissions import restrict, shared_with
    from accounts.roles import Action

    tools = list(selectors.organization_tools(user, organization))
    needs = list(selectors.organization_needs(user, organization))
    requests = selectors.license_request_list(user)
    may_manage = permissions_may_manage(user, organization)
    shareable = [
        record
        for record in [*tools, *needs]
        if record.visibility in (taxonomy.Visibility.PRIVATE, taxonomy.Visibility.RESTRICTED)
    ]
    shareable_ids = {
        model: set(
            restrict(
                model.objects.filter(pk__in=[r.pk for r in shareable]), user, Action.SHARE
            ).values_list("pk", flat=True)
        )
        for model in {type(r) for r in shareable}
    }
    shared = [
        SharedRecord(record=r, shared_with=list(shared_with(r).order_by("name")))
        for r in shareable
        if r.pk in shareable_ids.get(type(r), set())
    ]
    return {
        "tools": tools,
        "needs": needs,
        "uses": list(selectors.tool_uses_by(user, organization)),
        "offers": list(selectors.license_offer_list(user).filter(organization=organization)),
        "incoming": list(
            requests.filter(offer__organization=organization).order_by("-created_at", "-pk")
        ),
        "outgoing": list(requests.filter(organization=organization).order_by("-created_at", "-pk")),
        "members": list(
            restrict(Membership.objects.filter(organization=organization), user)
            .select_related("user")
            .order_by("user__email")
        ),
        "invitations": [
            i
            for i in restrict(Invitation.objects.filter(organization=organization), user)
            if i.is_open
        ],
        "join_requests": list(
            restrict(
                JoinRequest.objects.filter(
                    organization=organization, status=JoinRequest.Status.PENDING
                ),
                user,
            ).select_related("user")
        ),
        "shared": shared,
        "may_manage": may_manage,
    }


def permissions_may_manage(user, organization: Organization) -> bool:
    from accounts.models import Membership
    from accounts.permissions import can_create

    return can_create(user, Membership, organization)


# --- Moderation -------------------------------------------------------------------------------

DUPLICATE_SCAN_LIMIT = 200
DUPLICATES_CACHE_SECONDS = 600


@dataclass(frozen=True)
class DuplicatePair:
    """Two visible tools whose texts and facets overlap so strongly they may be one tool."""

    first: Tool
    second: Tool
    score: float


def verification_queue(user) -> QuerySet[Organization]:
    from accounts.models import VerificationStatus
    from accounts.permissions import restrict

    return restrict(
        Organization.objects.filter(verification_status=VerificationStatus.PENDING), user
    ).order_by("updated_at", "pk")


def access_log(user):
    from accounts.models import AccessLogEntry
    from accounts.permissions import restrict

    return restrict(AccessLogEntry.objects.all(), user).select_related("user", "owner_organization")


def _duplicate_pairs(user, limit: int) -> list[tuple[int, int, float]]:
    from registry.overlap import Draft, find_overlaps

    tools = list(
        selectors.tools_visible_to(user)
        .prefetch_related("functions", "trafficking_types", "target_users", "regions")
        .order_by("pk")[:limit]
    )
    pairs: dict[tuple[int, int], float] = {}
    for tool in tools:
        draft = Draft(
            kind="tool",
            title=tool.name,
            description=" ".join(p for p in (tool.summary, tool.description) if p),
            functions=tuple(tool.facet_codes("functions")),
            trafficking_types=tuple(tool.facet_codes("trafficking_types")),
            target_users=tuple(tool.facet_codes("target_users")),
            regions=tuple(tool.facet_codes("regions")),
        )
        for match in find_overlaps(draft, user=user, limit=5, exclude=[tool]):
            if match.type == "tool" and match.likely_duplicate:
                key = tuple(sorted((tool.pk, match.record.pk)))
                pairs[key] = max(pairs.get(key, 0.0), match.score)
    return sorted(((a, b, s) for (a, b), s in pairs.items()), key=lambda p: -p[2])


def duplicate_tools(user, *, limit: int = DUPLICATE_SCAN_LIMIT) -> list[DuplicatePair]:
    """Pairs of tools `user` may see that are likely duplicates, strongest first.

    Scanning runs one overlap query per tool, so it covers the first `limit` tools and is
    cached for ten minutes per reader (what a reader may see differs between readers)."""
    # The key carries a fingerprint of what the reader sees, so an edit, a new tool or a
    # changed permission is never answered from a stale scan.
    seen = selectors.tools_visible_to(user).aggregate(
        n=Count("pk"), changed=Max("updated_at"), last=Max("pk")
    )
    fingerprint = "|".join(str(part) for part in (getattr(user, "pk", None), limit, *seen.values()))
    key = "registry:duplicates:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _duplicate_pairs(user, limit)
        cache.set(key, found, DUPLICATES_CACHE_SECONDS)
    from registry.matching_selectors import reviewed_pair_keys

    tools = selectors.tools_visible_to(user).in_bulk({pk for a, b, _s in found for pk in (a, b)})
    # A pair a moderator has reviewed (duplicate or not) leaves the report.
    reviewed = reviewed_pair_keys(tools)
    return [
        DuplicatePair(first=tools[a], second=tools[b], score=score)
        for a, b, score in found
        if a in tools and b in tools and (a, b) not in reviewed
    ]


# --- The search page --------------------------------------------------------------------------

SEARCH_TYPES = ("tool", "need", "organization")
SEARCH_PAGE_SIZE = 20
SEARCH_PREVIEW = 5  # results of each type shown when searching every type at once
SEARCH_SNIPPET_WORDS = 30
SEARCH_SUGGESTIONS = 3
SEARCH_WORD_LINKS = 5
_WORD = re.compile(r"[^\W_]+")
# The filters each type of result offers, in the order the sidebar shows them.
SEARCH_FACETS = {
    "tool": [
        "functions",
        "purposes",
        "trafficking_types",
        "target_users",
        "regions",
        "maturity",
        "availability",
    ],
    "need": [
        "functions",
        "purposes",
        "trafficking_types",
        "target_users",
        "regions",
        "status",
        "urgency",
    ],
    "organization": ["sector"],
}


class OrganizationSearchFilterSet(django_filters.FilterSet):
    """The search page's filters for organizations: words and sector."""

    sector = django_filters.MultipleChoiceFilter(choices=taxonomy.Sector.choices)
    q = django_filters.CharFilter(method="filter_text")

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        return full_text(queryset, value)


def _search_model(kind: str):
    from registry.models import Need

    return {"tool": Tool, "need": Need, "organization": Organization}[kind]


def _search_filterset(kind: str):
    return {
        "tool": ToolFilterSet,
        "need": NeedFilterSet,
        "organization": OrganizationSearchFilterSet,
    }[kind]


def _search_base(user, kind: str) -> QuerySet:
    """What `user` may see of one type, loaded for a result list (restrict() inside)."""
    if kind == "tool":
        return selectors.tool_list(user)
    if kind == "need":
        return selectors.need_list(user)
    return organization_list(user)


def search_facet_labels(kind: str, name: str) -> dict[str, str]:
    """Every code the filter `name` of `kind` accepts, with its label (the active language)."""
    model_field = _search_model(kind)._meta.get_field(name)
    if model_field.many_to_many:
        return {code: str(label) for code, label in model_field.related_model.definitions()}
    return {code: str(label) for code, label in model_field.choices}


@dataclass(frozen=True)
class SearchFilter:
    """One active filter of the search page: a parameter, a code and what to call them."""

    name: str
    code: str
    group_label: str
    label: str


@dataclass(frozen=True)
class SearchRequest:
    """The search page's parameters once read: words, type, known filter codes.

    `filters` maps each filter name to its codes, in the order given; codes that no
    vocabulary knows are left out and their parameter named in `ignored`."""

    text: str
    kind: str  # "all" or one of SEARCH_TYPES
    filters: dict[str, list[str]]
    ignored: tuple[str, ...] = ()

    def data_for(self, kind: str) -> QueryDict:
        """The filterset data of one type: the words and the filters that type has."""
        data = QueryDict(mutable=True)
        if self.text:
            data["q"] = self.text
        for name in SEARCH_FACETS[kind]:
            if self.filters.get(name):
                data.setlist(name, self.filters[name])
        return data

    @property
    def active_filters(self) -> list[SearchFilter]:
        chosen = []
        for name, codes in self.filters.items():
            kind = next(k for k in SEARCH_TYPES if name in SEARCH_FACETS[k])
            labels = search_facet_labels(kind, name)
            group = capfirst(_search_model(kind)._meta.get_field(name).verbose_name)
            chosen += [SearchFilter(name, code, group, labels[code]) for code in codes]
        return chosen


def read_search_request(text: str, kind: str, params: Mapping) -> SearchRequest:
    """Keep, from `params`, the codes of every filter some type of result has."""
    filters: dict[str, list[str]] = {}
    ignored = []
    names = dict.fromkeys(name for k in SEARCH_TYPES for name in SEARCH_FACETS[k])
    for name in names:
        given = [code for code in params.getlist(name) if code]
        if not given:
            continue
        kinds = [k for k in SEARCH_TYPES if name in SEARCH_FACETS[k]]
        known = search_facet_labels(kinds[0], name)
        codes = list(dict.fromkeys(code for code in given if code in known))
        if len(codes) < len(set(given)):
            ignored.append(name)
        if codes:
            filters[name] = codes
    return SearchRequest(text=text.strip(), kind=kind, filters=filters, ignored=tuple(ignored))


def search_records(user, kind: str, search: SearchRequest) -> QuerySet:
    """Records of one type that `user` may see and that match the words and filters, the
    best matches first (by name, or newest need first, without words)."""
    base = _search_base(user, kind)
    queryset = _search_filterset(kind)(search.data_for(kind), queryset=base).qs
    if search.text:
        return queryset
    if kind == "need":
        return queryset.order_by("-created_at", "-pk")
    return queryset.order_by(Lower("name"), "pk")


def search_matches(user, kind: str, search: SearchRequest):
    """The matches of one type, best first, as a sequence a Paginator pages, and the facet
    counts already computed over them ({} if none).

    Tools and needs go through registry.search.results.search_results (the API's search:
    ranked once, pages read with one highlight query, facet counts of the whole match); the
    organizations' sector filter takes several codes here, so they go through
    search_records."""
    if kind in ("tool", "need"):
        from registry.search.results import InvalidSearch, search_results

        params = search.data_for(kind)
        params.pop("q", None)
        try:
            results = search_results(user, q=search.text, type=kind, params=params)
        except InvalidSearch:
            pass  # codes were checked by read_search_request; never fail the page over it
        else:
            return results, results.facets
    return search_records(user, kind, search), {}


def search_type_counts(
    user, search: SearchRequest, known: Mapping[str, int] | None = None
) -> dict[str, int]:
    """How many results each type gives for the words and the filters that type has, and
    their sum under "all"; each figure counts only records `user` may see. `known` gives
    the totals already counted (the type being shown)."""
    known = known or {}
    counts = {
        kind: known[kind] if kind in known else search_records(user, kind, search).count()
        for kind in SEARCH_TYPES
    }
    counts["all"] = sum(counts.values())
    return counts


def search_facet_groups(
    user, kind: str, search: SearchRequest, known_counts: Mapping | None = None
) -> list[FacetGroup]:
    """The filter sidebar of one type, its counts restricted to what `user` may see."""
    return facet_groups(
        _search_filterset(kind),
        search.data_for(kind),
        _search_base(user, kind),
        SEARCH_FACETS[kind],
        known_counts=known_counts,
    )


@dataclass(frozen=True)
class SearchHit:
    """One result as the page shows it: HTML with the matched words marked, all escaped."""

    kind: str
    record: object
    title: SafeString
    snippet: SafeString

    @property
    def url(self) -> str:
        return self.record.get_absolute_url()


# Which texts of each type are shown: the title, then the first passage that matches.
_HIT_FIELDS = {
    "tool": ("name", ("summary", "description")),
    "need": ("title", ("description",)),
    "organization": ("name", ("description",)),
}
# What a result shows besides its texts.
_HIT_RELATED = {"tool": ("organization", "functions"), "need": ("organization", "functions")}


def search_hits(kind: str, rows: Iterable, text: str) -> list[SearchHit]:
    """Results ready to show, from records or search_results items of one type (already
    restricted and searched): the title and a passage with the matches highlighted by the
    search backend, which escapes every character of the record's own text. An item's
    passage is kept when it matches; otherwise the next text that matches is shown."""
    from django.db.models import prefetch_related_objects

    from registry.search import get_backend

    rows = list(rows)
    records = [getattr(row, "record", row) for row in rows]
    if not records:
        return []
    prefetch_related_objects(records, *_HIT_RELATED.get(kind, ()))
    backend = get_backend()
    title_field, passage_fields = _HIT_FIELDS[kind]
    titles = backend.highlight_many(records, text, title_field)
    # An item of search_results carries the passage of the first field already.
    passages = [getattr(row, "highlight", None) or None for row in rows]
    searching = bool(text.strip())
    for position, name in enumerate(passage_fields):
        pending = [
            i
            for i, record in enumerate(records)
            if getattr(record, name, "")
            and (passages[i] is None or (searching and "<mark>" not in passages[i]))
            and not (position == 0 and passages[i] is not None)
        ]
        found = backend.highlight_many(
            [records[i] for i in pending], text, name, max_words=SEARCH_SNIPPET_WORDS
        )
        for i, passage in zip(pending, found, strict=True):
            if passages[i] is None or "<mark>" in passage:
                passages[i] = passage
    return [
        SearchHit(kind, record, title, passage or conditional_escape(""))
        for record, title, passage in zip(records, titles, passages, strict=True)
    ]


def search_suggestions(user, kinds: Iterable[str], text: str) -> list[tuple[str, str]]:
    """(kind, name) of records `user` may see whose name is spelt like `text`, for
    "did you mean"; names only, at most SEARCH_SUGGESTIONS."""
    from registry.search import get_backend

    backend = get_backend()
    found: dict[str, tuple[float, str, str]] = {}
    for kind in kinds:
        visible = _search_base(user, kind).order_by()
        title_field = _HIT_FIELDS[kind][0]
        scores = dict(backend.similar_names(visible, text, limit=SEARCH_SUGGESTIONS))
        for pk, title in visible.filter(pk__in=list(scores)).values_list("pk", title_field):
            if title.casefold() != text.casefold():
                best = found.get(title.casefold())
                if best is None or scores[pk] > best[0]:
                    found[title.casefold()] = (scores[pk], kind, title)
    ranked = sorted(found.values(), key=lambda row: (-row[0], row[2].casefold()))
    return [(kind, title) for _score, kind, title in ranked[:SEARCH_SUGGESTIONS]]


def search_words(text: str) -> list[str]:
    """The separate words of a search of several words, to try one at a time."""
    words = list(dict.fromkeys(word.casefold() for word in _WORD.findall(text)))
    return words[:SEARCH_WORD_LINKS] if len(words) > 1 else []
