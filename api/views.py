"""Non-viewset views of the API: the JSON 404 for unknown API paths and the docs page."""

from __future__ import annotations

from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
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
    """Swagger UI served from our own static files (drf-spectacular-sidecar): no CDN, and
    nothing inline, so the page keeps the site's strict Content-Security-Policy. Our template
    (`templates/api/swagger_ui.html`) puts the schema address and the CSRF header on the page
    as data attributes and starts the UI from `static/js/api-docs.js`; its few style rules are
    `static/css/api-docs.css`."""

    url_name = "api:schema"
    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # drf-spectacular opens the opener policy for OAuth pop-ups; there are none here, so
        # the site-wide `same-origin` applies (SecurityMiddleware sets it when absent).
        del response["Cross-Origin-Opener-Policy"]
        return response
