"""Downloads of the catalogue as the reader may see it (registry-catalog/1 JSON or CSV)."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from registry.catalog import export_catalog

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def catalog_download(user, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    # export_catalog(user=...) builds every section from restrict() and logs outsider reads.
    response = HttpResponse(export_catalog(fmt, user=user), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="registry-catalog.{fmt}"'
    return response


@require_safe
def catalog_export(request, fmt: str):
    return catalog_download(request.user, fmt)
