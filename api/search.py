"""`GET /api/v1/search/`: full-text search over what the caller may see, with facet counts.

The work is registry.search.results.search_results(), shared with the /search/ page: the
result set, its total and every facet count are computed from querysets that start from
`restrict()`, so no figure reveals a hidden record. This view only reads the parameters,
pages the results and shapes the answer.

The parameters are checked as the schema documents them (SearchQuerySerializer): every facet
against its vocabulary whatever the `type`, a blank parameter the same as an absent one (as on
every list), a parameter that takes one value given once.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from core import taxonomy
from registry.models import (
    Function,
    Language,
    Purpose,
    Region,
    TargetUser,
    Technology,
    TraffickingType,
)
from registry.search.results import (
    NEED_FACETS,
    TOOL_FACETS,
    TYPES,
    InvalidSearch,
    SearchItem,
    search_results,
)
from registry.search.text import MAX_QUERY_LENGTH

from .filters import single_value, without_blank_values
from .pagination import MAX_PAGE_SIZE, requested_page_size

__all__ = ["MAX_QUERY_LENGTH", "NEED_FACETS", "TOOL_FACETS", "TYPES", "SearchView"]

# The facet parameters of a search and their vocabularies. Each is checked against its
# vocabulary whatever the `type`, and applied where it means something (`status` to needs,
# `maturity` to tools, `sector` to organizations' own sector and to records' organizations).
SEARCH_FACETS = {
    "functions": Function.definitions,
    "purposes": Purpose.definitions,
    "trafficking_types": TraffickingType.definitions,
    "target_users": TargetUser.definitions,
    "technologies": Technology.definitions,
    "regions": Region.definitions,
    "languages": Language.definitions,
    "maturity": lambda: taxonomy.Maturity.choices,
    "availability": lambda: taxonomy.Availability.choices,
    "status": lambda: taxonomy.NeedStatus.choices,
    "sector": lambda: taxonomy.Sector.choices,
}
_PAGE_NUMBER = re.compile(r"[0-9]{1,9}")


class SearchQuerySerializer(serializers.Serializer):
    """The query parameters of a search (a blank one is the same as an absent one)."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_QUERY_LENGTH,
        help_text=_("Search text: words, a phrase in quotes, or a sentence."),
    )
    type = serializers.ChoiceField(choices=TYPES, required=False, default="tool")

    def get_fields(self):
        fields = super().get_fields()
        for name, definitions in SEARCH_FACETS.items():
            fields[name] = serializers.ListField(
                child=serializers.ChoiceField(choices=definitions()),
                required=False,
                help_text=_("Facet codes; several mean any of them."),
            )
        return fields


class SearchPagination(PageNumberPagination):
    """`?page=` (from 1) and `?page_size=` (1..100, default 20). A page past the last one,
    or one that is not a whole number, is a 404 (as DRF answers); a page size out of range
    is a 400."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        return requested_page_size(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param) or "1"
        if not _PAGE_NUMBER.fullmatch(raw):
            # Django's paginator reads "٣" or "1.0" as numbers; the schema says integer.
            raise exceptions.NotFound(self.invalid_page_message)
        return raw


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
            SearchQuerySerializer,
            OpenApiParameter(
                "page",
                {"type": "integer", "minimum": 1},
                description="Page number (from 1); a page past the last one is a 404.",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                description=f"Results per page (default {SearchPagination.page_size}).",
            ),
        ],
        responses={200: SearchResponseSerializer},
    )
    def get(self, request):
        for name in ("q", "type", "page", "page_size"):
            single_value(request.query_params, name)
        params = without_blank_values(request.query_params)
        query = SearchQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        try:
            found = search_results(
                request.user,
                q=query.validated_data.get("q", ""),
                type=query.validated_data["type"],
                params=params,
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
