"""The one page allowed a looser Content-Security-Policy: the Swagger UI at /api/docs/.

drf-spectacular's Swagger template starts the UI with an inline script and an inline style
block, which the site-wide policy forbids. That page shows no user content, so it alone may
run inline code; every other page keeps the strict policy from settings.
"""

from __future__ import annotations

DOCS_VIEW = "api:docs"
DOCS_POLICY_UPDATE = {
    "script-src": ["'unsafe-inline'"],
    "style-src": ["'unsafe-inline'"],
}


class ApiDocsPolicyMiddleware:
    """Sets django-csp's per-response update for the API docs page (it sits after
    csp.middleware.CSPMiddleware, so the CSP middleware sees the update on the way out)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name == DOCS_VIEW:
            response._csp_update = DOCS_POLICY_UPDATE
        return response
