"""Non-viewset views of the API: the JSON 404 for unknown API paths, the error handlers that
keep the API's shape for failures outside any view, and the docs page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer

from .exceptions import NotFoundAnywhere, error_response

API_PREFIX = "/api/"


def _rendered(exc: exceptions.APIException):
    response = error_response(exc)
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {}
    response.render()
    return response


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer in the API's error shape, not with an HTML page."""
    return _rendered(NotFoundAnywhere())


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    """handler400 (a malformed request caught before any view: a bad Host header, too many
    parameters): in the API's shape under /api/, the site's page elsewhere."""
    if _is_api(request):
        return _rendered(exceptions.ParseError(_("The request is malformed.")))
    return defaults.bad_request(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    """handler404: under /api/ every path has the API's 404 (api.urls routes them all there;
    this covers a 404 raised before routing), the site's page elsewhere."""
    if _is_api(request):
        return _rendered(NotFoundAnywhere())
    return defaults.page_not_found(request, exception, template_name)


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
