"""`GET /api/v1/search/`: full-text search over what the caller may see, with facet counts.

The work is registry.search.results.search_results(), shared with the /search/ page: the
result set, its total and every facet count are computed from querysets that start from
`restrict()`, so no figure reveals a hidden record. This view only reads the parameters,
pages the results and shapes the answer.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.search.results import (
    NEED_FACETS,
    TOOL_FACETS,
    TYPES,
    InvalidSearch,
    SearchItem,
    search_results,
)
from registry.search.text import MAX_QUERY_LENGTH

__all__ = ["MAX_QUERY_LENGTH", "NEED_FACETS", "TOOL_FACETS", "TYPES", "SearchView"]


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


def _item(request, item: SearchItem) -> dict:
    return {
        "type": item.type,
        "slug": item.slug,
        "name": item.name,
        "url": request.build_absolute_uri(item.record.get_absolute_url()),
        "summary": item.summary,
        "highlight": item.highlight,
        "score": item.score,
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
                for f in [
                    "functions",
                    "purposes",
                    "trafficking_types",
                    "target_users",
                    "technologies",
                    "regions",
                    "languages",
                    "maturity",
                    "availability",
                    "status",
                    "sector",
                ]
            ],
        ],
        responses={200: SearchResponseSerializer},
    )
    def get(self, request):
        try:
            found = search_results(
                request.user,
                q=request.query_params.get("q", ""),
                type=request.query_params.get("type", "tool"),
                params=request.query_params,
                request=request,
            )
        except InvalidSearch as error:
            raise exceptions.ValidationError(error.errors) from None
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(found, request, view=self)
        response = paginator.get_paginated_response([_item(request, item) for item in page])
        response.data["facets"] = {
            name: [{"code": code, "count": count} for code, count in counts]
            for name, counts in found.facets.items()
        }
        return Response(response.data)
