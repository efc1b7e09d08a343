"""Changing a password: the new one is checked by the password validators, stored hashed,
every other session of the person ends, and they are told by email (the user's pre-save
signal in accounts.security.notices, which also covers changes made in the admin)."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.db import transaction

from .sessions import sessions_of


@transaction.atomic
def password_change(*, user, new_password: str, keep_session_key: str | None = None) -> int:
    """Set `user`'s password, end their other sessions (all but `keep_session_key`) and queue
    the notice. Returns how many sessions were ended."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Django already refuses sessions signed in under the old password; deleting them also
    # removes them from the store at once.
    ended = [key for key in sessions_of(user.pk) if key != keep_session_key]
    Session.objects.filter(session_key__in=ended).delete()
    # The notice email is queued by accounts.security.notices on the user's save.
    return len(ended)
