"""The account hub (profile, organizations, links to every personal page) and the personal API
token pages. Thin: tokens are made and revoked by accounts.tokens, the same service the API
uses, under the same rate limit and the same demand for a recent sign-in."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registry.forms import add_service_errors

from . import permissions, services_account, tokens
from .forms_account import ApiTokenForm, ProfileForm
from .security import twofactor
from .views import recent_sign_in_required


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request):
    """The signed-in person's hub: their profile, organizations and personal pages."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services_account.profile_update(
                    user=user, display_name=form.cleaned_data["display_name"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect("accounts:account")
        user.refresh_from_db(fields=["display_name"])
    else:
        form = ProfileForm(initial={"display_name": user.display_name})
    return render(
        request,
        "accounts/account.html",
        {
            "profile_form": form,
            "memberships": services_account.my_memberships(user),
            "join_requests": services_account.my_pending_join_requests(user),
            "may_create_organization": permissions.can_create_organization(user),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def token_list(request):
    """The person's own tokens: never their secrets, which the registry does not keep. Each
    says whether it was made after two-factor authentication, and so reads restricted
    records."""
    required = twofactor.two_factor_required(request.user)
    listed = list(tokens.tokens_of(request.user).order_by("-created_at", "-id"))
    for token in listed:
        token.reads_restricted = tokens.token_reads_restricted(token, two_factor_required=required)
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": listed, "two_factor_required": required},
    )


class _TokenCreation:
    """Stands for the API's token view in the API's scoped rate limit: the pages and the API
    share one budget (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["tokens"])."""

    throttle_scope = "tokens"  # noqa: S105 (a rate-limit scope, not a secret)


def _creation_wait(request) -> float | None:
    """None if the person may make another token now; otherwise the seconds to wait. Counts
    this attempt against the same budget as the API's POST /api/v1/tokens/."""
    from api.throttling import ScopedThrottle

    throttle = ScopedThrottle()
    if throttle.allow_request(request, _TokenCreation()):
        return None
    return throttle.wait() or 0


def _two_factor_offer(request) -> dict | None:
    """None when a token made now passes the two-factor gate; otherwise where this session
    can pass the second factor first: the setup page, or confirming with a code."""
    user = request.user
    if not twofactor.two_factor_required(user) or twofactor.is_verified(user):
        return None
    if twofactor.has_two_factor(user):
        query = urlencode({REDIRECT_FIELD_NAME: reverse("accounts:token-create")})
        return {"has_device": True, "url": f"{reverse('accounts:reauthenticate')}?{query}"}
    return {"has_device": False, "url": reverse("accounts:two-factor-setup")}


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@recent_sign_in_required
def token_create(request):
    """Name, access and expiry of a new token; the answer shows its secret this once.

    A token outlives the session, so making one asks for the password if it was not typed in
    the last few minutes (as the API does). A token records whether this session passed
    two-factor authentication; when the person's role requires it and the session has not,
    the form says the token will not read restricted records and offers the second factor
    first."""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    two_factor = _two_factor_offer(request)
    status = 200
    retry_after = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            retry_after = _creation_wait(request)
            if retry_after is not None:
                status = 429
                minutes = max(1, math.ceil(retry_after / 60))
                message = ngettext(
                    "You have made too many tokens in the last hour. Try again in %(minutes)d "
                    "minute.",
                    "You have made too many tokens in the last hour. Try again in %(minutes)d "
                    "minutes.",
                    minutes,
                )
                form.add_error(None, message % {"minutes": minutes})
            else:
                try:
                    token, secret = tokens.token_create(
                        user=request.user, **form.service_arguments()
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                    form.describe_fields()
                else:
                    # Rendered into this answer only: never put in a URL, the session or a
                    # message, so it cannot be shown a second time.
                    return render(
                        request,
                        "accounts/tokens_created.html",
                        {"token": token, "secret": secret, "two_factor": two_factor},
                    )
    response = render(
        request,
        "accounts/tokens_create.html",
        {"form": form, "two_factor": two_factor},
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_revoke(request, pk: int):
    """Confirm, then revoke one of the person's own tokens. Anyone else's is a 404."""
    token = get_object_or_404(tokens.tokens_of(request.user), pk=pk)
    if request.method == "POST":
        tokens.token_revoke(user=request.user, token=token)
        message = _("The token “%(name)s” is revoked: it no longer works.")
        messages.success(request, message % {"name": token.name})
        return redirect("accounts:tokens")
    return render(request, "accounts/tokens_revoke.html", {"token": token})
