"""Server-rendered pages of the registry.

Views stay thin: every read goes through registry.selectors or registry.page_selectors (which
start from accounts.permissions.restrict), so a page shows exactly what its reader may see and
answers 404 for anything else.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.services import access_log_record
from registry import page_selectors, selectors, taxonomy
from registry.filtersets import NeedFilterSet, ToolFilterSet

PAGE_SIZE = 20

# The filter sidebar of each list, in the order the groups are shown.
TOOL_SIDEBAR = [
    "functions",
    "purposes",
    "trafficking_types",
    "target_users",
    "regions",
    "maturity",
    "availability",
    "technologies",
    "focus_areas",
    "languages",
    "safeguards",
]
NEED_SIDEBAR = ["functions", "regions", "status", "urgency"]

TOOL_ORDERINGS = {
    "name": (Lower("name"), "pk"),
    "updated": ("-updated_at", "-pk"),
}


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@require_safe
def home(request):
    return render(
        request,
        "registry/home.html",
        {
            "counts": page_selectors.registry_counts(request.user),
            "recent_tools": page_selectors.recently_updated_tools(request.user),
        },
    )


@require_safe
def tool_list(request):
    tools = selectors.tool_list(request.user)
    filterset = ToolFilterSet(request.GET, queryset=tools)
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort")
    if sort not in TOOL_ORDERINGS:
        # A text search is ordered by relevance unless the reader asks otherwise.
        sort = "relevance" if query else "name"
    return render(
        request,
        "registry/tool_list.html",
        {
            "filterset": filterset,
            "page_obj": _page(
                request,
                filterset.qs
                if sort == "relevance"
                else filterset.qs.order_by(*TOOL_ORDERINGS[sort]),
            ),
            "facets": page_selectors.facet_groups(ToolFilterSet, request.GET, tools, TOOL_SIDEBAR),
            "query": query,
            "sort": sort,
        },
    )


@require_safe
def tool_detail(request, slug):
    tool = selectors.tool_detail(request.user, slug)
    access_log_record(user=request.user, record=tool, surface="page")
    return render(
        request,
        "registry/tool_detail.html",
        {
            "tool": tool,
            "uses": selectors.tool_uses_of(request.user, tool),
            "offers": selectors.license_offers_for_tool(request.user, tool),
            "successor": page_selectors.tool_successor(request.user, tool),
        },
    )


@require_safe
def need_list(request):
    needs = selectors.need_list(request.user)
    filterset = NeedFilterSet(request.GET, queryset=needs)
    return render(
        request,
        "registry/need_list.html",
        {
            "filterset": filterset,
            "page_obj": _page(request, filterset.qs.order_by("-created_at", "-pk")),
            "facets": page_selectors.facet_groups(NeedFilterSet, request.GET, needs, NEED_SIDEBAR),
        },
    )


@require_safe
def need_detail(request, slug):
    need = selectors.need_detail(request.user, slug)
    access_log_record(user=request.user, record=need, surface="page")
    return render(request, "registry/need_detail.html", {"need": need})


@require_safe
def organization_list(request):
    query = request.GET.get("q", "").strip()
    sector = request.GET.get("sector", "")
    organizations = page_selectors.organization_list(request.user, text=query, sector=sector)
    return render(
        request,
        "registry/organization_list.html",
        {
            "page_obj": _page(request, organizations),
            "query": query,
            "sector": sector,
            "sectors": taxonomy.Sector.choices,
        },
    )


@require_safe
def organization_detail(request, slug):
    organization = selectors.organization_detail(request.user, slug)
    return render(
        request,
        "registry/organization_detail.html",
        {
            "organization": organization,
            "tools": selectors.organization_tools(request.user, organization),
            "needs": selectors.organization_needs(request.user, organization),
            "uses": selectors.tool_uses_by(request.user, organization),
        },
    )
