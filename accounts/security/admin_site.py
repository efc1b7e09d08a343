"""The Django admin behind the registry's own sign-in, second factor included.

Django's admin has a sign-in form of its own that knows nothing of two-factor authentication.
This site sends that form's visitors to the registry's sign-in page (password, then code) and
lets a staff member in only once `accounts.permissions.may_enter_admin` says so: with
REGISTRY_REQUIRE_2FA on, after a code in this session. Its password change goes to the
registry's own page, which notifies the person by email.

`AccountSecurityConfig.ready` gives the default admin site this class, so every app's
`admin.py` registrations stay as they are.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts import permissions

from . import twofactor


def _admin_next(request) -> str:
    candidate = request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME)
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


class TwoFactorAdminSite(admin.AdminSite):
    """The default admin site, entered through the registry's sign-in and second factor."""

    def has_permission(self, request) -> bool:
        return permissions.may_enter_admin(request.user)

    def login(self, request, extra_context=None):
        """No password form here: the registry's sign-in page asks for it and for the code."""
        user = request.user
        target = _admin_next(request)
        if permissions.may_enter_admin(user):
            return redirect(target)
        if not user.is_authenticated:
            query = urlencode({REDIRECT_FIELD_NAME: target})
            return redirect(f"{reverse('accounts:login')}?{query}")
        if not (user.is_active and user.is_staff):
            messages.error(request, _("Your account has no access to the administration."))
            return redirect("registry:home")
        if not twofactor.has_two_factor(user):
            messages.warning(
                request,
                _("The administration needs two-factor authentication: set it up first."),
            )
            return redirect("accounts:two-factor-setup")
        # A device exists but this session did not pass it: sign in again, code included.
        messages.info(request, _("Sign in again with your two-factor code to continue."))
        query = urlencode({REDIRECT_FIELD_NAME: target})
        return redirect(f"{reverse('accounts:login')}?{query}")

    def password_change(self, request, extra_context=None):
        return redirect("accounts:password-change")


def install() -> None:
    """Give the default admin site (`admin.site`) this class, keeping its registrations."""
    admin.site.__class__ = TwoFactorAdminSite
