"""Small helpers for the registry's templates: query strings, facet badges, safeguards."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core import taxonomy

register = template.Library()

SHORT_VISIBILITY = {
    taxonomy.Visibility.PUBLIC: _("Public"),
    taxonomy.Visibility.REGISTERED: _("Registered users"),
    taxonomy.Visibility.VERIFIED: _("Verified organizations"),
    taxonomy.Visibility.RESTRICTED: _("Restricted"),
    taxonomy.Visibility.PRIVATE: _("Private"),
}


@register.simple_tag(takes_context=True)
def query_without(context, key: str, value: str | None = None) -> str:
    """The current query string without one value of `key` (or all of `key`), and without
    the page number, which no longer points at the same records."""
    request = context.get("request")
    if request is None:
        return "?"
    query = request.GET.copy()
    query.pop("page", None)
    if value is None:
        query.pop(key, None)
    else:
        remaining = [v for v in query.getlist(key) if v != str(value)]
        query.setlist(key, remaining)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def record_facets(record, *names: str) -> list[tuple[str, list]]:
    """(label, terms) for each named multi-valued facet of `record` that has terms.

    The terms come from prefetched rows when the selector prefetched them."""
    facets = []
    for name in names:
        terms = list(getattr(record, name).all())
        if terms:
            label = capfirst(record._meta.get_field(name).verbose_name)
            facets.append((label, terms))
    return facets


@register.simple_tag
def safeguard_checklist(tool) -> list[tuple[str, bool]]:
    """All the registry's safeguards, each with whether `tool` states it follows it."""
    present = {term.pk for term in tool.safeguards.all()}
    return [(label, code in present) for code, label in taxonomy.Safeguard.choices]


@register.filter
def short_visibility(code: str) -> str:
    return SHORT_VISIBILITY.get(code, code)


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    return dict(taxonomy.region_choices())


@register.filter
def country_name(code: str) -> str:
    return _countries().get(code, code)


@register.filter
def any_selected(facet_groups) -> bool:
    """Whether any option of the filter sidebar is ticked."""
    return any(group.selected for group in facet_groups or [])
