"""Session rotation on a change of privileges, session timeouts, recent sign-in, and
signing out everywhere.

Django's `login()` already gives a session a new key at sign-in. Here a session also gets a
new key (the person stays signed in) when their memberships or platform groups change: a
signal bumps their stamp once the change is committed, and the middleware compares the stamp
remembered in the session with the current one on the next request.

The same middleware ends a signed-in session after REGISTRY_SESSION_IDLE_SECONDS without a
request (30 minutes) and REGISTRY_SESSION_MAX_SECONDS after the sign-in however busy it is
(12 hours): ASVS 3.3.2 at level 2. The time of the last sign-in (password, or password again
on the confirmation page) also decides whether a sensitive change may go ahead without
asking for the password again (`is_recent`).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model, logout, password_validation
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import Membership

from .models import SessionSecurity

STAMP_SESSION_KEY = "_privilege_stamp"
AUTHENTICATED_AT_KEY = "_authenticated_at"
LAST_SEEN_KEY = "_last_seen_at"
# Set at sign-in when the password typed no longer passes the password rules (a common,
# breached password: ASVS 2.1.7); the session then reaches only the password change page.
RENEWAL_REQUIRED_KEY = "_must_renew_credentials"
# The last-seen time is written at most this often, so a busy session is not saved on every
# request (an idle timeout is measured to within this much).
LAST_SEEN_RESOLUTION = 60


def idle_timeout() -> int:
    return int(getattr(settings, "REGISTRY_SESSION_IDLE_SECONDS", 30 * 60))


def absolute_timeout() -> int:
    return int(getattr(settings, "REGISTRY_SESSION_MAX_SECONDS", 12 * 60 * 60))


def reauthentication_window() -> int:
    return int(getattr(settings, "REGISTRY_REAUTHENTICATE_SECONDS", 10 * 60))


def mark_authenticated(request) -> None:
    """Remember that the person proved who they are just now (signed in, or typed their
    password again)."""
    now = int(time.time())
    request.session[AUTHENTICATED_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now


def is_recent(request) -> bool:
    """Whether this session's person proved who they are within the re-authentication window:
    sensitive changes (two-factor set-up, API tokens) otherwise ask for the password again."""
    session = getattr(request, "session", None)
    at = session.get(AUTHENTICATED_AT_KEY) if session is not None else None
    return isinstance(at, int) and 0 <= time.time() - at <= reauthentication_window()


def _expired(session, now: float) -> bool:
    authenticated_at = session.get(AUTHENTICATED_AT_KEY)
    last_seen = session.get(LAST_SEEN_KEY)
    if not isinstance(authenticated_at, int) or not isinstance(last_seen, int):
        return False  # a session from before these keys existed: the middleware adds them
    return now - last_seen > idle_timeout() or now - authenticated_at > absolute_timeout()


def current_stamp(user_id) -> int:
    stamp = SessionSecurity.objects.filter(user_id=user_id).values_list("stamp", flat=True)
    return next(iter(stamp), 0)


def bump_stamp(user_id) -> None:
    """Raise the person's stamp (if they still exist: a deleted account has no sessions)."""
    if not get_user_model().objects.filter(pk=user_id).exists():
        return
    security, created = SessionSecurity.objects.get_or_create(user_id=user_id)
    SessionSecurity.objects.filter(pk=security.pk).update(stamp=F("stamp") + 1)


def _bump_on_commit(user_id) -> None:
    transaction.on_commit(lambda: bump_stamp(user_id))


@receiver(post_save, sender=Membership, dispatch_uid="security-stamp-membership-save")
def _membership_saved(sender, instance, **kwargs):
    _bump_on_commit(instance.user_id)


@receiver(post_delete, sender=Membership, dispatch_uid="security-stamp-membership-delete")
def _membership_deleted(sender, instance, **kwargs):
    _bump_on_commit(instance.user_id)


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    user_model = get_user_model()
    if isinstance(instance, user_model):
        _bump_on_commit(instance.pk)
    else:  # group.user_set.add(...): the users are in pk_set
        for user_id in pk_set or ():
            _bump_on_commit(user_id)


m2m_changed.connect(
    _groups_changed,
    sender=get_user_model().groups.through,
    dispatch_uid="security-stamp-groups",
)


@receiver(user_logged_in, dispatch_uid="security-stamp-login")
def _remember_stamp_at_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[STAMP_SESSION_KEY] = current_stamp(user.pk)
        mark_authenticated(request)


class SessionSecurityMiddleware:
    """Ends a signed-in session that idled or lived too long, and gives one a new key when the
    person's privileges changed since."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user_id = session.get(SESSION_KEY) if session is not None else None
        if user_id is not None:
            now = time.time()
            if _expired(session, now):
                # Idle too long, or signed in too long ago: sign in again.
                logout(request)
                return self.get_response(request)
            if not isinstance(session.get(AUTHENTICATED_AT_KEY), int):
                session[AUTHENTICATED_AT_KEY] = int(now)
            last_seen = session.get(LAST_SEEN_KEY)
            if not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN_KEY] = int(now)
            stamp = current_stamp(user_id)
            remembered = session.get(STAMP_SESSION_KEY)
            if remembered is None:
                session[STAMP_SESSION_KEY] = stamp
            elif remembered != stamp:
                session.cycle_key()
                session[STAMP_SESSION_KEY] = stamp
            if session.get(RENEWAL_REQUIRED_KEY) and not _may_pass(request):
                return redirect("accounts:password-change")
        return self.get_response(request)


def _may_pass(request) -> bool:
    """What a session that must change its password may still reach."""
    allowed = (
        reverse("accounts:password-change"),
        reverse("accounts:logout"),
        reverse("set_language"),
    )
    static = "/" + settings.STATIC_URL.lstrip("/")
    return request.path in allowed or request.path.startswith(static)


def password_is_weak(password: str, user) -> bool:
    """Whether a password typed at sign-in fails today's password rules."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError:
        return True
    return False


def sessions_of(user_id) -> list[str]:
    """Keys of the stored sessions signed in as this person (fine at the registry's scale)."""
    keys = []
    for session in Session.objects.iterator():
        # get_decoded() answers {} for a corrupt or tampered session: it belongs to no one.
        if str(session.get_decoded().get(SESSION_KEY)) == str(user_id):
            keys.append(session.session_key)
    return keys


def sign_out_other_sessions(user, *, keep_session_key: str | None) -> int:
    """End every session of `user` but the one with `keep_session_key` (after a change of
    password or of the second factor). Returns how many ended."""
    ended = [key for key in sessions_of(user.pk) if key != keep_session_key]
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


@transaction.atomic
def sign_out_everywhere(user) -> int:
    """End every session of `user` (this one included), raise their stamp, and revoke their
    API tokens: a token outlives any session, so "everywhere" includes the programs holding
    one (issue 17, finding 9)."""
    from accounts.tokens import tokens_revoke_all

    from . import notices

    bump_stamp(user.pk)
    keys = sessions_of(user.pk)
    Session.objects.filter(session_key__in=keys).delete()
    tokens_revoke_all(user=user)
    notices.notify(user=user, event=notices.SIGNED_OUT_EVERYWHERE)
    return len(keys)
