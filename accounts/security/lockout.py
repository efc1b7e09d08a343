"""Sign-in lockout with django-axes: how an attempt names its account, how many failures lock
what, and the audit log line written when a lockout starts (axes keeps the attempts
themselves, listed in the admin).

Three counts are kept, each over the failures of the cool-off period (AXES_COOLOFF_TIME) and
each with a limit of its own (`LockoutHandler`):

- one account from one address: AXES_FAILURE_LIMIT (5), the ordinary lockout;
- one address, whatever accounts it tries: REGISTRY_LOCKOUT_ADDRESS_LIMIT (20), against
  password spraying;
- one account, from any address: REGISTRY_LOCKOUT_ACCOUNT_LIMIT (10), against guesses spread
  over many addresses. Higher than the first, so that five guesses from one address never
  lock the owner out everywhere else.

A successful sign-in forgives that account's failures from that address, and nothing else:
an address that signs into its own account now and then keeps the failures it made against
others, so it cannot spray passwords indefinitely.
"""

from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
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


def _failure_limit(parameter, base_limit: int) -> int:
    """The failures that lock the combination `parameter` of AXES_LOCKOUT_PARAMETERS. The
    account-wide limit is kept above the per-address one whatever the settings say: otherwise
    anyone could lock an owner out everywhere with the guesses of one address."""
    names = frozenset([parameter] if isinstance(parameter, str) else parameter)
    if names == {"ip_address"}:
        return max(settings.REGISTRY_LOCKOUT_ADDRESS_LIMIT, base_limit)
    if names == {"username"}:
        return max(settings.REGISTRY_LOCKOUT_ACCOUNT_LIMIT, base_limit + 1)
    return base_limit


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, with one limit per lockout parameter and a success that
    forgives only the failures of that account from that address (see the module docstring).

    Axes compares one number, `get_failures`, with one limit, AXES_FAILURE_LIMIT. Here that
    number is the count closest to its own limit, moved onto AXES_FAILURE_LIMIT's scale
    (failures + AXES_FAILURE_LIMIT - its limit), so it reaches AXES_FAILURE_LIMIT exactly when
    one of the three counts reaches its own limit, and axes' lockout, signals, log and
    lockout page work unchanged."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        base_limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        counts = self.get_user_attempts(request, credentials)  # one per parameter, same order
        closest = 0
        for parameter, attempts in zip(parameters, counts, strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            closest = max(closest, failures + base_limit - _failure_limit(parameter, base_limit))
        return closest

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful sign-in: that account's failures from that address only."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count
