"""Sign-in lockout with django-axes: how an attempt names its account, and the audit log line
written when a lockout starts (axes keeps the attempts themselves, listed in the admin)."""

from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.dispatch import receiver

logger = logging.getLogger("registry.security")


def username_of_attempt(request, credentials) -> str | None:
    """The account an attempt aims at, lower-cased: accounts are found case-insensitively, so
    the lockout must not be dodged by changing the case of an email address."""
    username = None
    if credentials:
        username = credentials.get("username") or credentials.get("email")
    if username is None and request is not None and hasattr(request, "POST"):
        username = request.POST.get("username")
    return username.strip().lower() if isinstance(username, str) else username


@receiver(user_locked_out)
def log_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    logger.warning("Sign-in locked out: account=%s address=%s", username, ip_address)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' backend, except for credentials checked outside any request (a management
    command, the demo loader): there is no address to lock, and nothing to guess through."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
