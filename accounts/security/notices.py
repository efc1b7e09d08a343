"""Security notices: an email to a person whenever the way they sign in changes (ASVS 2.2.3,
2.5.5). It says what changed and when, never a secret, and what to do if it was not them.

Queued once the change is committed; sent by a Celery task that retries while the mail
server is unreachable. These emails cannot be switched off: the notification preferences
have no kind for them. (When the outbox gains an always-on "account security" kind, this is
the one place to route them through it.)
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, is_password_usable
from django.db import transaction
from django.db.models.signals import post_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def notify(*, user, event: str, remaining_codes: int | None = None, to: str = "") -> None:
    """Queue the notice for `event` to `user` (at `to` if given, else at the address their
    account has when it is sent), sent after the current transaction commits."""
    if event not in EVENTS:
        raise ValueError(f"Unknown security event {event!r}")
    if not (to or getattr(user, "email", "")):
        return
    user_id = user.pk
    at = timezone.now().isoformat()

    def _queue() -> None:
        from .tasks import send_security_notice

        send_security_notice.delay(user_id, event, at, remaining_codes, to)

    transaction.on_commit(_queue, robust=True)


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="security-notice-totp-removed")
def _authenticator_removed(sender, instance, **kwargs):
    """A confirmed authenticator app removed, by the person or by an administrator in the
    admin (a lost phone): the person hears of it."""
    if instance.confirmed:
        notify(user=instance.user, event=TWO_FACTOR_DISABLED)


@receiver(pre_save, sender=get_user_model(), dispatch_uid="security-notice-credentials")
def _credentials_changed(sender, instance, raw=False, update_fields=None, **kwargs):
    """Whoever changes a password or an email address (the person, an administrator in the
    admin, a command), the person hears of it. Setting a first password is no change, nor is
    Django re-hashing the same password at sign-in (that leaves `_password` unset)."""
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
        notify(user=instance, event=CREDENTIAL_CHANGED)
    old_email = (old["email"] or "").strip().lower()
    if old_email and old_email != (instance.email or "").strip().lower():
        notify(user=instance, event=EMAIL_CHANGED, to=old_email)
        notify(user=instance, event=EMAIL_CHANGED)


def send_notice(
    *, user_id: int, event: str, at: str, remaining_codes: int | None, to: str = ""
) -> bool:
    """Build and send one notice now (the task's body), in the site's default language: the
    registry does not record a person's language."""
    from datetime import datetime

    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or event not in EVENTS:
        return False
    site = getattr(settings, "SITE_URL", "http://localhost:8000").rstrip("/")
    context = {
        "user": user,
        "event": event,
        "what": EVENTS[event],
        "at": datetime.fromisoformat(at),
        "remaining_codes": remaining_codes,
        "security_url": f"{site}{reverse('accounts:security')}",
    }
    subject = " ".join(str(EVENTS[event]).split())
    body = render_to_string("accounts/emails/security_notice.txt", context)
    send_mail(subject, body, None, [to or user.email])
    return True
