"""Changing a password: the new one is checked by the password validators, stored hashed,
every other session of the person ends, their API tokens are revoked, and they are told by
email (the user's pre-save signal in accounts.security.notices, which also covers changes
made in the admin)."""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver

from accounts.tokens import tokens_revoke_all

from .sessions import sign_out_other_sessions


@transaction.atomic
def password_change(*, user, new_password: str, keep_session_key: str | None = None) -> int:
    """Set `user`'s password, end their other sessions (all but `keep_session_key`), revoke
    their API tokens and queue the notice. Returns how many sessions were ended."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    # The tokens are revoked by the signal below on this save, the notice is queued by
    # accounts.security.notices.
    user.save(update_fields=["password"])
    # Django already refuses sessions signed in under the old password; deleting them also
    # removes them from the store at once.
    return sign_out_other_sessions(user, keep_session_key=keep_session_key)


@receiver(pre_save, sender=get_user_model(), dispatch_uid="security-tokens-password-change")
def _revoke_tokens_on_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    """Whoever sets a new password (the person, an administrator in the admin, a command),
    the person's API tokens are revoked: a token outlives the password it was made under, and
    a new password is how someone takes back an account that was used by another (issue 17,
    finding 9). Revoking them all is simpler and safer than asking which to keep."""
    if raw or instance.pk is None or getattr(instance, "_password", None) is None:
        return  # set_password() was not called: the password did not change
    if update_fields is not None and "password" not in update_fields:
        return
    old = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        tokens_revoke_all(user=instance)
