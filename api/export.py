"""`GET /api/v1/export/?format=json|csv`: the catalogue as the caller may see it."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.views import APIView

from registry.export_views import CONTENT_TYPES, catalog_download


class ExportView(APIView):
    """Download the registry-catalog/1 export of every record the caller may read."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(CONTENT_TYPES), default="json")
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request):
        fmt = request.query_params.get("format", "json")
        if fmt not in CONTENT_TYPES:
            raise exceptions.ValidationError({"format": ["Choose json or csv."]})
        return catalog_download(request.user, fmt)
