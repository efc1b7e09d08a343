"""Security notices: an email to a person whenever the way they sign in changes (ASVS 2.2.3,
2.5.5). It says what changed and when, never a secret, and what to do if it was not them.

Each notice is written to the notifications outbox (kind ACCOUNT_SECURITY) in the transaction
of the change it reports, under a deduplication key naming the event, so it exists exactly when
the change does and a broker outage only delays it. These emails cannot be switched off, by
preference or by link (notifications.models.MANDATORY). Callers only call notify(); the
changes nobody calls it for (a password or email address set anywhere, an authenticator
removed in the admin) are caught by the signals below.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, is_password_usable
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from notifications.models import Kind
from notifications.services import absolute_url, enqueue

CREDENTIAL_CHANGED = "password_changed"
TWO_FACTOR_ENABLED = "two_factor_enabled"
TWO_FACTOR_DISABLED = "two_factor_disabled"
RECOVERY_CODE_USED = "recovery_code_used"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
EMAIL_CHANGED = "email_changed"

# What each notice says happened (its subject line too).
EVENTS = {
    CREDENTIAL_CHANGED: _("Your password was changed"),
    TWO_FACTOR_ENABLED: _("Two-factor authentication was turned on"),
    TWO_FACTOR_DISABLED: _("Two-factor authentication was turned off"),
    RECOVERY_CODE_USED: _("One of your recovery codes was used"),
    SIGNED_OUT_EVERYWHERE: _("All your sessions were ended"),
    EMAIL_CHANGED: _("The email address of your account was changed"),
}


def notify(*, user, event: str, remaining_codes: int | None = None, to: str = ""):
    """Queue the notice for `event` to `user` (at `to` if given, else at the account's address)
    in the outbox, inside the caller's transaction: it commits with the change it reports, and
    is sent once that commits (later, by the outbox sweep, if the broker is down). Returns the
    queued message, or None when there is nobody to tell."""
    if event not in EVENTS:
        raise ValueError(f"Unknown security event {event!r}")
    return _queue(user=user, event=event, at=timezone.now(), remaining_codes=remaining_codes, to=to)


def _dedupe_key(*, user_id: int, event: str, at: datetime, to: str) -> str:
    """One notice per event and recipient: the event is the account, what changed and when
    (to the microsecond); `to` is hashed to keep the key short."""
    where = hashlib.sha256(to.strip().lower().encode()).hexdigest()[:16] if to else "account"
    return f"security:{user_id}:{event}:{at.isoformat()}:{where}"


def _queue(*, user, event: str, at: datetime, remaining_codes: int | None, to: str):
    if not getattr(user, "is_active", False) or not (to or user.email):
        return None
    # In the site's default language: the registry does not record a person's language.
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "event": event,
            "what": EVENTS[event],
            "at": at,
            "remaining_codes": remaining_codes,
            "security_url": absolute_url(reverse("accounts:security")),
        }
        subject = " ".join(str(EVENTS[event]).split())
        body = render_to_string("accounts/emails/security_notice.txt", context)
        return enqueue(
            kind=Kind.ACCOUNT_SECURITY,
            recipient=to or user,
            subject=subject,
            body=body,
            dedupe_key=_dedupe_key(user_id=user.pk, event=event, at=at, to=to),
        )


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="security-notice-totp-removed")
def _authenticator_removed(sender, instance, **kwargs):
    """A confirmed authenticator app removed, by the person or by an administrator in the
    admin (a lost phone): the person hears of it. Not when the device goes with the account
    itself: nobody is left to tell, and a message queued now would outlive the account."""
    origin = kwargs.get("origin")
    origin_model = origin.model if isinstance(origin, QuerySet) else type(origin)
    if instance.confirmed and not issubclass(origin_model, get_user_model()):
        notify(user=instance.user, event=TWO_FACTOR_DISABLED)


@receiver(pre_save, sender=get_user_model(), dispatch_uid="security-notice-credentials")
def _credentials_changing(sender, instance, raw=False, update_fields=None, **kwargs):
    """Whoever changes a password or an email address (the person, an administrator in the
    admin, a command), the person hears of it. Setting a first password is no change, nor is
    Django re-hashing the same password at sign-in (that leaves `_password` unset). What
    changed is noted here and queued once the row is saved (_credentials_changed)."""
    instance._security_notices = []
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "email"} & set(update_fields):
        return
    old = sender.objects.filter(pk=instance.pk).values("password", "email").first()
    if old is None:
        return
    new_password = getattr(instance, "_password", None)
    if (
        new_password is not None
        and old["password"]
        and is_password_usable(old["password"])
        and not check_password(new_password, old["password"])
    ):
        instance._security_notices.append({"event": CREDENTIAL_CHANGED})
    old_email = (old["email"] or "").strip().lower()
    if old_email and old_email != (instance.email or "").strip().lower():
        instance._security_notices.append({"event": EMAIL_CHANGED, "to": old_email})
        instance._security_notices.append({"event": EMAIL_CHANGED})


@receiver(post_save, sender=get_user_model(), dispatch_uid="security-notice-credentials-saved")
def _credentials_changed(sender, instance, raw=False, **kwargs):
    for notice in getattr(instance, "_security_notices", ()):
        notify(user=instance, **notice)
    instance._security_notices = []


def send_notice(
    *, user_id: int, event: str, at: str, remaining_codes: int | None, to: str = ""
) -> bool:
    """Queue one notice for an event of the past (the body of the security-notice task, kept
    for tasks queued by earlier versions): the same event queues the same message once.
    False if the person is gone."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or event not in EVENTS:
        return False
    message = _queue(
        user=user,
        event=event,
        at=datetime.fromisoformat(at),
        remaining_codes=remaining_codes,
        to=to,
    )
    return message is not None
