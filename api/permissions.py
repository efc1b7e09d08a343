"""Request-level gates of the API. Record-level rules live in accounts.permissions only.

Here: anonymous callers may only read (401 otherwise), some endpoints are for signed-in
callers only, and a read-only token may not write (403)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from accounts.models import ApiToken


class ApiAccess(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        safe = request.method in permissions.SAFE_METHODS
        authenticated = bool(request.user and request.user.is_authenticated)
        if not authenticated:
            return safe and getattr(view, "anonymous_reads", True)
        token = request.auth
        if isinstance(token, ApiToken) and not safe and not token.allows_writes:
            self.message = _("This token may only read.")
            return False
        return True
