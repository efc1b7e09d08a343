"""Reads of the catalogue. Every one starts from accounts.permissions.restrict()."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from accounts.models import Organization
from accounts.permissions import Action, restrict
from registry.models import LicenseOffer, LicenseRequest, Need, Tool, ToolUse

TOOL_FACETS = [
    "purposes",
    "focus_areas",
    "functions",
    "trafficking_types",
    "target_users",
    "technologies",
    "regions",
    "languages",
    "safeguards",
]
NEED_FACETS = [
    "purposes",
    "focus_areas",
    "functions",
    "trafficking_types",
    "target_users",
    "technologies",
    "regions",
    "languages",
]


def tools_visible_to(user, action: str = Action.VIEW) -> QuerySet[Tool]:
    return restrict(Tool.objects.all(), user, action)


def tool_list(user) -> QuerySet[Tool]:
    """Tools for a list page or API list, with what a list item shows loaded up front."""
    return (
        tools_visible_to(user)
        .select_related("organization")
        .prefetch_related("functions", "regions", "target_users", "restricted_to_sectors")
    )


def tool_detail(user, slug: str) -> Tool:
    tool = (
        tools_visible_to(user)
        .select_related("organization")
        .prefetch_related(*TOOL_FACETS, "restricted_to_sectors")
        .filter(slug=slug)
        .first()
    )
    if tool is None:
        raise Http404
    return tool


def tool_uses_of(user, tool: Tool) -> QuerySet[ToolUse]:
    return restrict(ToolUse.objects.filter(tool=tool), user).select_related("organization")


def tool_uses_by(user, organization: Organization) -> QuerySet[ToolUse]:
    return restrict(ToolUse.objects.filter(organization=organization), user).select_related("tool")


def license_offers_for_tool(user, tool: Tool) -> QuerySet[LicenseOffer]:
    return restrict(LicenseOffer.objects.filter(tool=tool), user).prefetch_related(
        "eligible_sectors", "eligible_countries"
    )


def license_offer_list(user) -> QuerySet[LicenseOffer]:
    return (
        restrict(LicenseOffer.objects.all(), user)
        .select_related("tool", "organization")
        .prefetch_related("eligible_sectors", "eligible_countries")
    )


def license_request_list(user) -> QuerySet[LicenseRequest]:
    return restrict(LicenseRequest.objects.all(), user).select_related(
        "offer", "offer__tool", "organization"
    )


def needs_visible_to(user, action: str = Action.VIEW) -> QuerySet[Need]:
    return restrict(Need.objects.all(), user, action)


def need_list(user) -> QuerySet[Need]:
    return (
        needs_visible_to(user)
        .select_related("organization")
        .prefetch_related("functions", "regions", "restricted_to_sectors")
    )


def need_detail(user, slug: str) -> Need:
    need = (
        needs_visible_to(user)
        .select_related("organization")
        .prefetch_related(*NEED_FACETS, "restricted_to_sectors")
        .filter(slug=slug)
        .first()
    )
    if need is None:
        raise Http404
    return need


def organizations_visible_to(user) -> QuerySet[Organization]:
    return restrict(Organization.objects.all(), user)


def organization_detail(user, slug: str) -> Organization:
    organization = organizations_visible_to(user).filter(slug=slug).first()
    if organization is None:
        raise Http404
    return organization


def organization_tools(user, organization: Organization) -> QuerySet[Tool]:
    return tool_list(user).filter(organization=organization)


def organization_needs(user, organization: Organization) -> QuerySet[Need]:
    return need_list(user).filter(organization=organization)


def facet_counts(queryset: QuerySet, facet: str) -> list[tuple[str, int]]:
    """(code, count) for one multi-valued facet over an already-restricted queryset.

    Counting through the link table keeps it one grouped query; the input queryset carries
    the permission filter, so no hidden record is ever counted."""
    model = queryset.model
    through = model._meta.get_field(facet).remote_field.through
    own_fk = f"{model._meta.model_name}_id"
    target_fk = f"{model._meta.get_field(facet).related_model._meta.model_name}_id"
    rows = (
        through.objects.filter(**{f"{own_fk}__in": queryset.order_by().values("pk")})
        .values(target_fk)
        .annotate(n=Count(own_fk))
        .order_by("-n", target_fk)
    )
    return [(row[target_fk], row["n"]) for row in rows]


def single_facet_counts(queryset: QuerySet, field: str) -> list[tuple[str, int]]:
    rows = queryset.order_by().values(field).annotate(n=Count("pk")).order_by("-n", field)
    return [(row[field], row["n"]) for row in rows]


def prefetch_facets(queryset: QuerySet, facets: list[str]) -> QuerySet:
    return queryset.prefetch_related(*[Prefetch(f) for f in facets])
