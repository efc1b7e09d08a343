"""Account pages: sign-in (with a second step for two-factor), two-factor setup and removal,
the security page (sign out everywhere), password change, confirming the password again
before a sensitive change, the privacy notice, the personal-data export and account
deletion. Thin: the work is in accounts.security."""

from __future__ import annotations

import json
import time
from functools import wraps
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import (
    REDIRECT_FIELD_NAME,
    get_user_model,
    logout,
    update_session_auth_hash,
    user_login_failed,
)
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from .forms import AccountDeleteForm, CodeForm, ReauthenticateForm, RegistryPasswordChangeForm
from .security import credentials, privacy, twofactor
from .security.sessions import (
    RENEWAL_REQUIRED_KEY,
    absolute_timeout,
    idle_timeout,
    is_recent,
    mark_authenticated,
    password_is_weak,
    sessions_of,
    sign_out_everywhere,
)

PENDING_SESSION_KEY = "_two_factor_pending"
PENDING_LIFETIME_SECONDS = 300


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _count_wrong_password(request, user) -> None:
    """A wrong password typed by a signed-in person counts towards the sign-in lockout."""
    user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)


def _lockout_response(request, user):
    """The lockout page if this account is locked out: pages that ask a signed-in person for
    their password must not become a way to keep guessing it."""
    credentials = {"username": user.email}
    if request.method == "POST" and AxesProxyHandler.is_locked(request, credentials):
        return get_lockout_response(request, credentials=credentials)
    return None


def recent_sign_in_required(view):
    """Sensitive changes need a sign-in (or the password typed again) within the last
    REGISTRY_REAUTHENTICATE_SECONDS; otherwise the person confirms their password first."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_recent(request):
            query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
            return redirect(f"{reverse('accounts:reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


def _remind_to_set_up(request, user) -> None:
    if (
        getattr(settings, "REGISTRY_REQUIRE_2FA", True)
        and twofactor.needs_two_factor(user)
        and not twofactor.has_two_factor(user)
    ):
        messages.warning(
            request,
            _(
                "Your role requires two-factor authentication: restricted records stay "
                "hidden until you set it up on your security page."
            ),
        )


class SignInView(auth_views.LoginView):
    """Email and password; then, for a person with two-factor on, a code (second step)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = False

    def form_valid(self, form):
        user = form.get_user()
        weak = password_is_weak(form.cleaned_data.get("password") or "", user)
        if twofactor.has_two_factor(user):
            # Not signed in yet: the session only remembers who passed the password step.
            self.request.session[PENDING_SESSION_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_redirect_url(),
                "weak": weak,
            }
            return redirect("accounts:two-factor-verify")
        response = super().form_valid(form)
        if weak:
            return _require_password_change(self.request)
        _remind_to_set_up(self.request, user)
        return response


def _require_password_change(request):
    """The password typed at sign-in is common or too short by today's rules: nothing but the
    password change page until it is replaced."""
    request.session[RENEWAL_REQUIRED_KEY] = True
    messages.warning(
        request,
        _(
            "Your password is on a list of common or breached passwords, or too short. "
            "Choose a new one to continue."
        ),
    )
    return redirect("accounts:password-change")


def _pending_user(request):
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_LIFETIME_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second sign-in step: a code from the app, or a recovery code."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    credentials = {"username": user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        # Too many wrong passwords or codes: the same lockout as the password step.
        del request.session[PENDING_SESSION_KEY]
        return get_lockout_response(request, credentials=credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            del request.session[PENDING_SESSION_KEY]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            if pending.get("weak"):
                return _require_password_change(request)
            return redirect(_safe_next(request, pending.get("next")))
        # A wrong code counts towards the sign-in lockout like a wrong password.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        form.add_error("code", _("This code is not valid. Try again, or use a recovery code."))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
@recent_sign_in_required
def two_factor_setup(request):
    """Show a new secret (QR code and text), and confirm it with a first code."""
    if twofactor.has_two_factor(request.user):
        return redirect("accounts:security")
    device = twofactor.pending_totp_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm_totp_device(
            device, form.cleaned_data["code"], keep_session_key=request.session.session_key
        )
        if codes is not None:
            otp_login(request, device)
            # The session gained the second factor: a new key, as at any sign-in.
            request.session.cycle_key()
            return render(request, "accounts/two_factor_recovery_codes.html", {"codes": codes})
        form.add_error("code", _("This code is not valid. Check your device's clock."))
    uri = device.config_url
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "secret": twofactor.secret_of(device),
            "otpauth_uri": uri,
            "qr_code": twofactor.qr_code_data_uri(uri),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_disable(request):
    """Turning two-factor off needs a current code."""
    if not twofactor.has_two_factor(request.user):
        return redirect("accounts:security")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify_code(request.user, form.cleaned_data["code"]) is not None:
            twofactor.disable_two_factor(request.user)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:security")
        form.add_error("code", _("This code is not valid."))
    return render(request, "accounts/two_factor_disable.html", {"form": form})


@login_required
@require_GET
def security(request):
    """Two-factor status, signing out everywhere, and the privacy tools."""
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "has_two_factor": twofactor.has_two_factor(user),
            "needs_two_factor": twofactor.needs_two_factor(user),
            "is_verified": twofactor.is_verified(user),
            "session_count": len(sessions_of(user.pk)),
            "session_idle_minutes": idle_timeout() // 60,
            "session_max_hours": absolute_timeout() // 3600,
        },
    )


@login_required
@require_POST
def sign_out_everywhere_view(request):
    """End every session of the person, this one included, and revoke their API tokens."""
    sign_out_everywhere(request.user)
    logout(request)
    messages.success(
        request, _("You are signed out on every device, and your API tokens are revoked.")
    )
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request):
    """Type the password again; then go on to the page that asked for it.

    A person with two-factor on whose session has not passed it (signed in before it was
    set up, say) gives a code too: the session then counts as having passed it, so, for
    instance, a token made next reads restricted records."""
    user = request.user
    locked = _lockout_response(request, user)
    if locked is not None:
        return locked
    ask_code = twofactor.has_two_factor(user) and not twofactor.is_verified(user)
    form = ReauthenticateForm(request.POST or None, user=user, ask_code=ask_code)
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if request.method == "POST":
        if form.is_valid():
            device = twofactor.verify_code(user, form.cleaned_data["code"]) if ask_code else None
            if not ask_code or device is not None:
                if device is not None:
                    otp_login(request, device)
                    request.session.cycle_key()
                mark_authenticated(request)
                return redirect(_safe_next(request, next_url))
            form.add_error("code", _("This code is not valid. Try again, or use a recovery code."))
            _count_wrong_password(request, user)
        elif "password" in form.errors:
            _count_wrong_password(request, user)
    return render(
        request,
        "accounts/reauthenticate.html",
        {"form": form, "next": next_url or ""},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """The current password and the new one twice. Other sessions end; this one stays, with a
    new key; an email tells the person."""
    user = request.user
    locked = _lockout_response(request, user)
    if locked is not None:
        return locked
    form = RegistryPasswordChangeForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                credentials.password_change(
                    user=user,
                    new_password=form.cleaned_data["new_password1"],
                    keep_session_key=request.session.session_key,
                )
            except ValidationError as exc:
                form.add_error("new_password1", exc)
            else:
                update_session_auth_hash(request, user)
                mark_authenticated(request)
                request.session.pop(RENEWAL_REQUIRED_KEY, None)
                messages.success(
                    request,
                    _(
                        "Your password is changed. Your other sessions have been signed out "
                        "and your API tokens revoked."
                    ),
                )
                return redirect("accounts:security")
        if "old_password" in form.errors:
            _count_wrong_password(request, user)
    return render(
        request,
        "accounts/password_change.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def privacy_notice(request):
    return render(
        request,
        "accounts/privacy.html",
        {
            "access_log_retention_days": settings.ACCESS_LOG_RETENTION_DAYS,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


@login_required
@require_GET
def personal_data_export(request):
    data = privacy.personal_data_export(request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-registry-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """Confirm with the password; refused while the person is an organization's last owner."""
    user = request.user
    locked = _lockout_response(request, user)
    if locked is not None:
        return locked
    form = AccountDeleteForm(request.POST or None, user=user)
    last_owned = list(privacy.organizations_where_last_owner(user))
    if request.method == "POST":
        if form.is_valid() and not last_owned:
            try:
                privacy.account_delete(user=user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                logout(request)
                messages.success(request, _("Your account has been deleted."))
                return redirect(settings.LOGOUT_REDIRECT_URL)
        elif "password" in form.errors:
            _count_wrong_password(request, user)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/account_delete.html",
        {"form": form, "last_owned": last_owned},
        status=status,
    )
