"""What the registry has to tell people by email, and what they asked not to be told."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """Kinds of notification email; each can be switched off on its own (but see ALWAYS_ON
    and MANDATORY)."""

    VERIFICATION_DECISION = (
        "verification_decision",
        _("Moderators' decisions on my organization's verification"),
    )
    INVITATION = "invitation", _("Invitations to join an organization")
    LICENCE_REQUEST = "licence_request", _("Licence requests for my organization's offers")
    LICENCE_DECISION = "licence_decision", _("Decisions on my organization's licence requests")
    CONTACT_MESSAGE = "contact_message", _("Messages sent to me through the registry")
    NEED_COSIGNED = "need_cosigned", _("Other organizations co-signing my organization's needs")
    NEED_DIGEST = "need_digest", _("Weekly digest of new tools matching my organization's needs")
    STALENESS_REMINDER = "staleness_reminder", _("Reminders to review ageing tools and needs")
    REPORT_OUTCOME = "report_outcome", _("Moderators' decisions on entries I reported")
    ACCOUNT_SECURITY = "account_security", _("Changes to how I sign in to my account")


# Kinds nobody can stop, neither on the preferences page nor by address: a security notice
# tells a person that the way they sign in changed (ASVS 2.2.3, 2.5.5), and whoever took over
# an account must not be able to silence it. These emails carry no unsubscribe link.
MANDATORY: frozenset[str] = frozenset({Kind.ACCOUNT_SECURITY})

# Kinds a member cannot switch off on the preferences page. An invitation goes to an address
# that is not (yet) a member, so no member preference applies to it; the person behind the
# address can still refuse further invitations through the link in the email.
ALWAYS_ON: frozenset[str] = frozenset({Kind.INVITATION}) | MANDATORY


class OutboxMessage(models.Model):
    """One email to one recipient, written in the same transaction as the event that caused it
    and delivered afterwards by a Celery task. `dedupe_key` names the event and recipient, so
    the same event never produces two emails."""

    # Delivery stops being attempted after this many tries; the message is marked failed.
    MAX_ATTEMPTS = 8

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    recipient = models.EmailField(_("recipient"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    unsubscribe_url = models.URLField(_("unsubscribe link"), max_length=1000, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Where the database has no row locks (SQLite), a sender claims the message until this
    # time; a sender that dies mid-send leaves a claim that simply expires.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outbox_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}: {self.subject}"

    @property
    def is_pending(self) -> bool:
        return self.sent_at is None and self.failed_at is None


class NotificationPreference(models.Model):
    """Whether a person wants emails of one kind. A row exists only once someone chose; no row
    means the kind is on. An address without an account (an invitee) is kept by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    email = models.EmailField(_("email address"), blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "email", "kind"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(user__isnull=False),
                name="one_preference_per_user_and_kind",
            ),
            models.UniqueConstraint(
                fields=["email", "kind"],
                condition=Q(user__isnull=True),
                name="one_preference_per_address_and_kind",
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(email=""))
                | (Q(user__isnull=True) & ~Q(email="")),
                name="preference_for_a_user_or_an_address",
            ),
        ]

    def __str__(self) -> str:
        who = self.user or self.email
        return f"{who}: {self.kind} {'on' if self.enabled else 'off'}"
