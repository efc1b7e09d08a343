"""Session rotation on a change of privileges, and signing out everywhere.

Django's `login()` already gives a session a new key at sign-in. Here a session also gets a
new key (the person stays signed in) when their memberships or platform groups change: a
signal bumps their stamp once the change is committed, and the middleware compares the stamp
remembered in the session with the current one on the next request.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.models import Membership

from .models import SessionSecurity

STAMP_SESSION_KEY = "_privilege_stamp"


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


class SessionSecurityMiddleware:
    """Gives a signed-in session a new key when the person's privileges changed since."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user_id = session.get(SESSION_KEY) if session is not None else None
        if user_id is not None:
            stamp = current_stamp(user_id)
            remembered = session.get(STAMP_SESSION_KEY)
            if remembered is None:
                session[STAMP_SESSION_KEY] = stamp
            elif remembered != stamp:
                session.cycle_key()
                session[STAMP_SESSION_KEY] = stamp
        return self.get_response(request)


def sessions_of(user_id) -> list[str]:
    """Keys of the stored sessions signed in as this person (fine at the registry's scale)."""
    keys = []
    for session in Session.objects.iterator():
        # get_decoded() answers {} for a corrupt or tampered session: it belongs to no one.
        if str(session.get_decoded().get(SESSION_KEY)) == str(user_id):
            keys.append(session.session_key)
    return keys


@transaction.atomic
def sign_out_everywhere(user) -> int:
    """End every session of `user` (this one included) and raise their stamp."""
    bump_stamp(user.pk)
    keys = sessions_of(user.pk)
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)
