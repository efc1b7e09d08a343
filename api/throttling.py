"""Rate limits: per anonymous address and per user everywhere, stricter for some scopes.

Rates are read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] at request time (so tests may
override them). A view with `throttle_scope = "overlap"` is limited by "overlap.anon" or
"overlap.user" (or plain "overlap") besides the general limits. Setting
API_THROTTLE_ENABLED = False switches every limit off (test suites that crawl the API).

The general limits apply to the catalogue's bulk-reading pages too, with these same classes
and counters (config.throttling): one budget per address or user for the API and the pages.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


def throttling_enabled() -> bool:
    return bool(getattr(settings, "API_THROTTLE_ENABLED", True))


class _RatesFromSettings:
    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}.")
        return rates[self.scope]

    def allow_request(self, request, view):
        if not throttling_enabled():
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    """Anonymous callers, per address."""


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    """Signed-in callers (session or token), per user."""


class ScopedThrottle(_RatesFromSettings, SimpleRateThrottle):
    """A stricter limit for views that name a `throttle_scope`."""

    scope = None
    rate = None

    def __init__(self):  # the rate depends on the view; it is chosen in allow_request
        pass

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        kind = "user" if request.user and request.user.is_authenticated else "anon"
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        self.scope = f"{scope}.{kind}" if f"{scope}.{kind}" in rates else scope
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
