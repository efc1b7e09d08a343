"""`GET /api/v1/export/?format=json|csv`: the catalogue as the caller may see it."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.views import APIView

from registry.export_views import CONTENT_TYPES, catalog_download

from .filters import single_value


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
        # Blank is the same as absent, as for every query parameter of the API.
        fmt = single_value(request.query_params, "format") or "json"
        if fmt not in CONTENT_TYPES:
            raise exceptions.ValidationError({"format": [_("Choose json or csv.")]})
        return catalog_download(request.user, fmt)
