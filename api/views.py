"""Non-viewset views of the API: the JSON 404 for unknown API paths and the docs page."""

from __future__ import annotations

from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularSwaggerView

from .exceptions import NotFoundAnywhere, error_response


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer in the API's error shape, not with an HTML page."""
    response = error_response(NotFoundAnywhere())
    from rest_framework.renderers import JSONRenderer

    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {}
    response.render()
    return response


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI served from our own static files (drf-spectacular-sidecar): no CDN."""

    url_name = "api:schema"
