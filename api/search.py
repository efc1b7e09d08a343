"""`GET /api/v1/search/`: full-text search over what the caller may see, with facet counts.

The result set, its total and every facet count are computed from querysets that start from
`restrict()`, so no figure reveals a hidden record.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import selectors
from registry.filtersets import NeedFilterSet, ToolFilterSet
from registry.models import Need, Tool
from registry.search import get_backend

MAX_QUERY_LENGTH = 500
TYPES = ("tool", "need", "organization")
TOOL_FACETS = ["functions", "purposes", "trafficking_types", "target_users", "regions"]
NEED_FACETS = ["functions", "trafficking_types", "target_users", "regions"]


class SearchPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class SearchResultSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES)
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField()
    summary = serializers.CharField(allow_blank=True)
    highlight = serializers.CharField(allow_blank=True, help_text=_("HTML with <mark> tags."))
    score = serializers.FloatField(allow_null=True)


class FacetCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    count = serializers.IntegerField()


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SearchResultSerializer(many=True)
    facets = serializers.DictField(child=FacetCountSerializer(many=True))


def _item(request, backend, record, kind: str, text: str) -> dict:
    name = record.title if kind == "need" else record.name
    summary = getattr(record, "summary", "") or ""
    field = "summary" if kind == "tool" else "description"
    highlight = backend.highlight(record, text, field, max_words=30) if text else ""
    rank = getattr(record, "search_rank", None)
    return {
        "type": kind,
        "slug": record.slug,
        "name": name,
        "url": request.build_absolute_uri(record.get_absolute_url()),
        "summary": summary,
        "highlight": highlight,
        "score": float(rank) if rank is not None else None,
    }


class SearchView(APIView):
    """Search tools, needs or organizations (`type`), narrowed by facet codes."""

    permission_classes = [permissions.AllowAny]
    pagination_class = SearchPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Search text (websearch style)."),
            OpenApiParameter("type", OpenApiTypes.STR, enum=list(TYPES), default="tool"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
            *[
                OpenApiParameter(f, OpenApiTypes.STR, many=True, description="Facet code(s).")
                for f in ["functions", "purposes", "trafficking_types", "target_users",
                          "technologies", "regions", "languages", "maturity", "availability",
                          "status", "sector"]
            ],
        ],
        responses={200: SearchResponseSerializer},
    )
    def get(self, request):
        text = request.query_params.get("q", "")
        if len(text) > MAX_QUERY_LENGTH:
            raise exceptions.ValidationError(
                {"q": [_("At most %(n)d characters.") % {"n": MAX_QUERY_LENGTH}]}
            )
        kind = request.query_params.get("type", "tool")
        if kind not in TYPES:
            raise exceptions.ValidationError({"type": [_("Choose tool, need or organization.")]})
        backend = get_backend()
        user = request.user
        params = request.query_params.copy()
        for reserved in ("q", "type", "page", "page_size"):
            params.pop(reserved, None)

        if kind == "organization":
            queryset = selectors.organizations_visible_to(user)
            sector = request.query_params.get("sector")
            if sector:
                queryset = queryset.filter(sector=sector)
            facets = {"sector": selectors.single_facet_counts(queryset, "sector")}
        else:
            filterset_class, facet_names, base = (
                (ToolFilterSet, TOOL_FACETS, selectors.tool_list(user))
                if kind == "tool"
                else (NeedFilterSet, NEED_FACETS, selectors.need_list(user))
            )
            filterset = filterset_class(params, queryset=base, request=request)
            if not filterset.is_valid():
                raise exceptions.ValidationError(filterset.errors)
            queryset = filterset.qs
            facets = {}
        if text.strip():
            queryset = backend.search(queryset, text)
        elif kind == "tool":
            queryset = queryset.order_by("name", "pk")
        elif kind == "need":
            queryset = queryset.order_by("-created_at", "pk")
        else:
            queryset = queryset.order_by("name", "pk")
        if kind != "organization":
            model = Tool if kind == "tool" else Need
            ids = queryset.order_by().values("pk")
            narrowed = model.objects.filter(pk__in=ids)
            facets = {name: selectors.facet_counts(narrowed, name) for name in facet_names}

        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        results = [_item(request, backend, record, kind, text) for record in page]
        response = paginator.get_paginated_response(results)
        response.data["facets"] = {
            name: [{"code": code, "count": count} for code, count in counts]
            for name, counts in facets.items()
        }
        return Response(response.data)
