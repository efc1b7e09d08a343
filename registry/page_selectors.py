"""Reads that only the server-rendered pages need.

Every function here starts from a queryset returned by registry.selectors (and so from
accounts.permissions.restrict), so a page never counts or lists a record its reader may not
see. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
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
