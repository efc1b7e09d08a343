"""The outbox: an email is written in the transaction of the event that causes it and
delivered once that transaction commits, by a Celery task that may run any number of times.

Delivery on PostgreSQL locks the row (SELECT ... FOR UPDATE SKIP LOCKED) for the length of
the send, so a second worker skips a message being sent and a worker killed mid-send releases
it at once. SQLite has no row locks: there a sender claims the message with one conditional
UPDATE and the claim expires if the sender dies.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ALWAYS_ON, MANDATORY, Kind, NotificationPreference, OutboxMessage

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# How long a claim on SQLite lasts: longer than any send (EMAIL_TIMEOUT bounds SMTP calls).
CLAIM_LEASE = timedelta(minutes=5)
# The sweep leaves alone what was queued within this time: its own dispatch is on its way.
SWEEP_GRACE = timedelta(minutes=1)
# ...and what was tried within this time: the task's own retries with backoff handle it.
SWEEP_RETRY_QUIET = timedelta(minutes=15)
SWEEP_BATCH = 500


class TransientDeliveryError(Exception):
    """Sending failed for a reason that may go away (the mail server is down or busy)."""


class InvalidUnsubscribeToken(Exception):
    """An unsubscribe link that was not made by us, was altered, or names nothing known."""


# --- Links ----------------------------------------------------------------------------------


def site_url() -> str:
    """The registry's public address, for links in emails (no request to build them from)."""
    return getattr(settings, "SITE_URL", "http://localhost:8000").rstrip("/")


def absolute_url(path: str) -> str:
    return f"{site_url()}{path}"


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Who asked to stop receiving which kind of email: an account, or a bare address."""

    kind: str
    user: object | None = None
    email: str = ""

    @property
    def label(self) -> str:
        return str(Kind(self.kind).label)


def unsubscribe_token(*, kind: str, user=None, email: str = "") -> str:
    """A signed token naming the account (or, with no account, the address) and the kind."""
    if user is not None:
        payload = {"k": str(kind), "u": user.pk}
    else:
        payload = {"k": str(kind), "e": _normal_email(email)}
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> UnsubscribeTarget:
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise InvalidUnsubscribeToken from exc
    if not isinstance(payload, dict) or payload.get("k") not in Kind.values:
        raise InvalidUnsubscribeToken
    if payload["k"] in MANDATORY:  # no link stops these; a token for one was not made by us
        raise InvalidUnsubscribeToken
    if "u" in payload:
        user = get_user_model().objects.filter(pk=payload["u"]).first()
        if user is None:
            raise InvalidUnsubscribeToken
        return UnsubscribeTarget(kind=payload["k"], user=user)
    email = payload.get("e")
    if not isinstance(email, str) or "@" not in email:
        raise InvalidUnsubscribeToken
    return UnsubscribeTarget(kind=payload["k"], email=email)


def unsubscribe_url(*, kind: str, user=None, email: str = "") -> str:
    token = unsubscribe_token(kind=kind, user=user, email=email)
    return absolute_url(reverse("notifications:unsubscribe", args=[token]))


# --- Preferences ----------------------------------------------------------------------------


def _normal_email(email: str) -> str:
    return (email or "").strip().lower()


def is_enabled(*, kind: str, user=None, email: str = "") -> bool:
    """Whether an email of `kind` may go to this account or address. Nobody has chosen
    anything until they do, so a missing preference means yes."""
    if kind in MANDATORY:
        return True
    if user is not None and kind not in ALWAYS_ON:
        if NotificationPreference.objects.filter(user=user, kind=kind, enabled=False).exists():
            return False
    email = _normal_email(email)
    if email:
        return not NotificationPreference.objects.filter(
            user__isnull=True, email=email, kind=kind, enabled=False
        ).exists()
    return True


def preferences_for(user) -> dict[str, bool]:
    """Every kind and whether it is on for `user`."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "enabled"))
    return {kind: kind in ALWAYS_ON or chosen.get(kind, True) for kind in Kind.values}


@transaction.atomic
def preference_set(*, kind: str, enabled: bool, user=None, email: str = ""):
    """Switch one kind on or off for an account, or (with no account) for an address."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown kind of notification.")})
    if kind in MANDATORY:
        raise ValidationError({"kind": _("This kind of email cannot be switched off.")})
    if user is not None:
        if kind in ALWAYS_ON:
            raise ValidationError({"kind": _("This kind of email cannot be switched off.")})
        preference, _created = NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"enabled": enabled}
        )
        return preference
    email = _normal_email(email)
    if not email:
        raise ValidationError({"email": _("An email address is required.")})
    preference, _created = NotificationPreference.objects.update_or_create(
        user=None, email=email, kind=kind, defaults={"enabled": enabled}
    )
    return preference


def unsubscribe(target: UnsubscribeTarget):
    """Apply an unsubscribe link. For a kind a member cannot switch off, the link in the
    email stops that kind for the address it was sent to."""
    if target.user is not None and target.kind not in ALWAYS_ON:
        return preference_set(kind=target.kind, enabled=False, user=target.user)
    email = target.email or getattr(target.user, "email", "")
    return preference_set(kind=target.kind, enabled=False, email=email)


@transaction.atomic
def preferences_update(*, user, enabled_kinds) -> dict[str, bool]:
    """Save the preferences page: every optional kind not in `enabled_kinds` is off."""
    enabled_kinds = set(enabled_kinds)
    for kind in Kind.values:
        if kind not in ALWAYS_ON:
            preference_set(kind=kind, enabled=kind in enabled_kinds, user=user)
    return preferences_for(user)


# --- Queueing -------------------------------------------------------------------------------


def render_email(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) of an email from `<template>_subject.txt` and `<template>_body.txt`,
    the subject on one line (a header cannot hold a line break)."""
    subject = render_to_string(f"{template}_subject.txt", context)
    body = render_to_string(f"{template}_body.txt", context)
    return " ".join(subject.split()), body


def enqueue(*, kind: str, recipient, subject: str, body: str, dedupe_key: str):
    """Queue one email in the caller's transaction and deliver it once that commits.

    Every email the registry sends goes through here, called inside the transaction of the
    event that causes it: the row commits with the event or not at all, and a dispatch lost
    to a broker outage is picked up by the sweep (deliver_pending_outbox).

    `recipient` is a user or, for someone without an account, an email address. Returns the
    message, the existing one if `dedupe_key` was already queued (nothing more is sent), or
    None when the recipient switched this kind off. A MANDATORY kind ignores preferences and
    carries no unsubscribe link."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    user = recipient if hasattr(recipient, "pk") and hasattr(recipient, "email") else None
    email = _normal_email(user.email if user is not None else recipient)
    if not email or (user is not None and not user.is_active):
        return None
    if not is_enabled(kind=kind, user=user, email=email):
        return None
    # A member's link switches the kind off for the account; otherwise for the address.
    link_user = user if kind not in ALWAYS_ON else None
    link = "" if kind in MANDATORY else unsubscribe_url(kind=kind, user=link_user, email=email)
    footer = render_to_string(
        "emails/notifications/footer.txt",
        {
            "kind_label": Kind(kind).label,
            "unsubscribe_url": link,
            "preferences_url": absolute_url(reverse("notifications:preferences")),
            "has_account": user is not None,
        },
    ).strip()
    message, created = OutboxMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "recipient": email,
            "user": user,
            "subject": " ".join(subject.split())[:255],
            "body": f"{body.rstrip()}\n\n-- \n{footer}\n",
            "unsubscribe_url": link,
        },
    )
    if created:
        message_id = message.pk
        transaction.on_commit(lambda: dispatch(message_id), robust=True)
    return message


def dispatch(message_id: int) -> bool:
    """Hand one message to a worker, after the transaction that queued it committed. If the
    broker is unreachable the message stays pending and the sweep dispatches it later: the
    caller's write has committed and must not fail now. Returns whether it was handed over."""
    from .tasks import deliver_outbox_message

    try:
        deliver_outbox_message.delay(message_id)
    except Exception:  # any broker or network error: the sweep is the fallback
        logger.warning(
            "Could not dispatch outbox message %s; the sweep will send it.",
            message_id,
            exc_info=True,
        )
        return False
    return True


# --- Delivery -------------------------------------------------------------------------------


def is_transient(exc: BaseException) -> bool:
    """Whether retrying later may succeed: connection trouble or a 4xx reply from the server."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):
        return False
    return isinstance(exc, (ConnectionError, TimeoutError, OSError))


def is_permanent(exc: BaseException) -> bool:
    """Whether the mail server refused the message for good (5xx, bad recipient)."""
    return isinstance(exc, smtplib.SMTPException) and not is_transient(exc)


def _message_id(message: OutboxMessage) -> str:
    # The same Message-ID on every attempt lets mail clients fold a rare duplicate into one.
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    return f"<outbox.{message.pk}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"


def _send(message: OutboxMessage) -> None:
    headers = {"Message-ID": _message_id(message)}
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers=headers,
    ).send(fail_silently=False)


def _failure_fields(attempts: int, exc: BaseException) -> dict:
    fields = {"last_error": f"{type(exc).__name__}: {exc}"[:2000]}
    if is_permanent(exc) or attempts >= OutboxMessage.MAX_ATTEMPTS:
        fields["failed_at"] = timezone.now()
    return fields


def _raise_for(exc: BaseException, message_id: int) -> bool:
    if is_transient(exc):
        raise TransientDeliveryError(str(exc)) from exc
    if is_permanent(exc):
        logger.warning("Outbox message %s refused by the mail server: %s", message_id, exc)
        return False
    raise exc


def deliver(message_id: int) -> bool:
    """Send one queued message unless it was sent, given up, or is being sent right now.
    Returns whether it was sent by this call; raises TransientDeliveryError to be retried."""
    if connection.features.has_select_for_update_skip_locked:
        return _deliver_with_row_lock(message_id)
    return _deliver_with_claim(message_id)


def _deliver_with_row_lock(message_id: int) -> bool:
    failure = None
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, sent_at__isnull=True, failed_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        message.last_attempt_at = timezone.now()
        try:
            _send(message)
        except Exception as exc:
            failure = exc
            for name, value in _failure_fields(message.attempts, exc).items():
                setattr(message, name, value)
        else:
            message.sent_at = timezone.now()
            message.last_error = ""
        # Committing here records the attempt even when the send failed.
        message.save(
            update_fields=["attempts", "last_attempt_at", "sent_at", "failed_at", "last_error"]
        )
    if failure is not None:
        return _raise_for(failure, message_id)
    return True


def _deliver_with_claim(message_id: int) -> bool:
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True, failed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        _send(message)
    except Exception as exc:
        OutboxMessage.objects.filter(pk=message_id).update(
            claimed_until=None, **_failure_fields(message.attempts, exc)
        )
        return _raise_for(exc, message_id)
    OutboxMessage.objects.filter(pk=message_id).update(
        sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return True


def pending_message_ids(*, now=None, limit: int = SWEEP_BATCH) -> list[int]:
    """Messages whose dispatch was lost: unsent, not given up, older than the grace period
    and not tried recently, oldest first."""
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(
            sent_at__isnull=True,
            failed_at__isnull=True,
            created_at__lte=now - SWEEP_GRACE,
            attempts__lt=OutboxMessage.MAX_ATTEMPTS,
        )
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now - SWEEP_RETRY_QUIET))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
