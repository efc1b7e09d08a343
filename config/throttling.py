"""Rate limits for the pages that read the catalogue in bulk: the search page, the catalogue
lists, the feeds and the downloads. Without them a scraper simply left the throttled API for
the pages that show the same records (issue 17, finding 11).

One implementation with the API's: the same DRF throttles (api.throttling), so the same rates
(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]: "anon" per address for anonymous callers, "user"
per account for signed-in ones), the same cache and counters (a caller has one budget for the
pages and the API together), the same reading of the caller's address (X-Forwarded-For
trusted only REST_FRAMEWORK["NUM_PROXIES"] deep) and the same switch (API_THROTTLE_ENABLED).
A refused request gets 429 with Retry-After and a short page.
"""

from __future__ import annotations

import math

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from api.throttling import AnonThrottle, UserThrottle, throttling_enabled

# URL names of the throttled pages (a test checks that each still names a route).
THROTTLED_PAGES: frozenset[str] = frozenset(
    {
        "registry:search",
        "registry:tool-list",
        "registry:need-list",
        "registry:organization-list",
        "registry:licence-list",
        "feed-tools",
        "feed-needs",
        "catalog-export",
    }
)


def page_wait(request) -> float | None:
    """None if this request may go on; otherwise the seconds to wait. Like DRF's views, every
    throttle counts the request, and the longest wait is the answer."""
    waits = []
    for throttle in (AnonThrottle(), UserThrottle()):
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 0)
    return max(waits) if waits else None


class PageThrottleMiddleware:
    """Applies the API's rate limits to the views named in THROTTLED_PAGES."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name not in THROTTLED_PAGES or not throttling_enabled():
            return None
        wait = page_wait(request)
        if wait is None:
            return None
        seconds = max(1, math.ceil(wait))
        response = render(request, "429.html", {"retry_after": seconds}, status=429)
        response["Retry-After"] = str(seconds)
        add_never_cache_headers(response)
        return response
