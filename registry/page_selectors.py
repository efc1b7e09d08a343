"""Reads that only the server-rendered pages need.

Every function here starts from a queryset returned by registry.selectors (and so from
accounts.permissions.restrict), so a page never counts or lists a record its reader may not
see. Nothing here writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.utils.text import capfirst

from accounts.models import Organization
from registry import selectors, taxonomy
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
) -> list[FacetGroup]:
    """The filter sidebar: for each facet, its options and how many records each would give.

    A facet's counts are computed with every filter applied except that facet's own, so that
    ticking a second box of the same group (which widens the result, OR) shows a true number.
    `base_queryset` must come from a selector: it carries the permission filter, so hidden
    records are never counted."""
    groups = []
    model = base_queryset.model
    for name in facets:
        others = data.copy()
        others.pop(name, None)
        narrowed = filterset_class(others, queryset=base_queryset).qs
        model_field = model._meta.get_field(name)
        selected = [code for code in data.getlist(name) if code]
        if model_field.many_to_many:
            counts = dict(selectors.facet_counts(narrowed, name))
            vocabulary = model_field.related_model
            labels = _term_labels(vocabulary, set(counts) | set(selected))
            order = [code for code, _label in vocabulary.definitions()]
            if len(order) > LONG_VOCABULARY:
                order = sorted(
                    labels,
                    key=lambda code: (code != taxonomy.GLOBAL_REGION, labels[code].casefold()),
                )
        else:
            counts = dict(selectors.single_facet_counts(narrowed, name))
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


def tools_meeting_need(user, need) -> list:
    """Tools `user` may see whose text and facets overlap the need, best first."""
    from registry.overlap import Draft, find_overlaps

    draft = Draft(
        kind="need",
        title=need.title,
        description=need.description,
        functions=tuple(need.facet_codes("functions")),
        trafficking_types=tuple(need.facet_codes("trafficking_types")),
        target_users=tuple(need.facet_codes("target_users")),
        regions=tuple(need.facet_codes("regions")),
    )
    matches = find_overlaps(draft, user=user, limit=NEED_CANDIDATES * 2, exclude=[need])
    return [m for m in matches if m.type == "tool"][:NEED_CANDIDATES]


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
    tools = selectors.tools_visible_to(user).in_bulk({pk for a, b, _s in found for pk in (a, b)})
    return [
        DuplicatePair(first=tools[a], second=tools[b], score=score)
        for a, b, score in found
        if a in tools and b in tools
    ]
