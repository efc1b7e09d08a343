"""Conversations about records: members asking an organization about its tool or need, and
reports of entries that are wrong or harmful.

Neither side of a conversation ever sees the other's email address: the asker is shown by
display name and organization, the answer is signed by the owning organization. Every text is
stored as typed and rendered escaped.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Longest message or report detail a person may write (characters).
MESSAGE_MAX_LENGTH = 4000
DETAILS_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 2000


class ContactThread(models.Model):
    """A conversation a member of one organization starts with the organization that owns a
    tool or a need. `organization` is the organization addressed, fixed when the thread
    starts; exactly one of `tool` and `need` is the record asked about."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_threads",
    )
    asker_organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("asking organization"),
        on_delete=models.CASCADE,
        related_name="contact_threads_started",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization asked"),
        on_delete=models.CASCADE,
        related_name="contact_threads_received",
    )
    tool = models.ForeignKey(
        "registry.Tool",
        verbose_name=_("tool"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_threads",
    )
    need = models.ForeignKey(
        "registry.Need",
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_threads",
    )
    # The record's name when the thread started: the asker saw it then, and keeps seeing the
    # conversation even if the record is later renamed or closed to them.
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message at"), db_index=True)
    # Which side wrote last: decides whose inbox counts the thread as unread.
    last_message_by_owner = models.BooleanField(_("last message by the owners"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        verbose_name = _("contact thread")
        verbose_name_plural = _("contact threads")
        constraints = [
            models.CheckConstraint(
                condition=(Q(tool__isnull=False) & Q(need__isnull=True))
                | (Q(tool__isnull=True) & Q(need__isnull=False)),
                name="contact_thread_about_one_record",
            )
        ]
        indexes = [models.Index(fields=["organization", "-last_message_at"])]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("community:thread-detail", args=[self.pk])

    @property
    def record(self):
        return self.tool if self.tool_id else self.need

    @property
    def record_kind(self) -> str:
        return "tool" if self.tool_id else "need"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class ContactMessage(models.Model):
    """One message of a thread, written by the asker or by a member of the organization
    asked (`from_owner`). A message that closes the thread carries `closes_thread`."""

    thread = models.ForeignKey(ContactThread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_messages",
    )
    from_owner = models.BooleanField(_("written by the organization asked"), default=False)
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    closes_thread = models.BooleanField(_("closes the conversation"), default=False)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")

    def __str__(self) -> str:
        return f"{self.thread_id}: {self.body[:40]}"


class ContactThreadRead(models.Model):
    """When a person last opened a thread: what came after counts as unread for them."""

    thread = models.ForeignKey(ContactThread, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_thread_reads"
    )
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("thread read")
        verbose_name_plural = _("thread reads")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_read_mark_per_thread")
        ]

    def __str__(self) -> str:
        return f"{self.thread_id} read by {self.user_id} at {self.read_at:%Y-%m-%d %H:%M}"


class RecordReport(models.Model):
    """A signed-in person tells the moderators that a tool, need or organization is wrong,
    outdated, harmful, a duplicate or holds personal data. Exactly one of `tool`, `need` and
    `organization` is set; a person has at most one open report per record."""

    class Reason(models.TextChoices):
        WRONG = "wrong", _("Wrong information")
        OUTDATED = "outdated", _("Outdated")
        HARMFUL = "harmful", _("Harmful or abusive")
        DUPLICATE = "duplicate", _("Duplicate of another entry")
        PERSONAL_DATA = "personal_data", _("Contains personal data")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        ACTIONED = "actioned", _("Entry hidden or organization suspended")
        DISMISSED = "dismissed", _("Dismissed")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="record_reports",
    )
    tool = models.ForeignKey(
        "registry.Tool",
        verbose_name=_("tool"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    need = models.ForeignKey(
        "registry.Need",
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    # The record's name when reported, as the reporter saw it.
    record_label = models.CharField(_("entry"), max_length=200)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    details = models.TextField(_("details"), max_length=DETAILS_MAX_LENGTH, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution_note = models.TextField(
        _("moderator's note"), max_length=NOTE_MAX_LENGTH, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(tool__isnull=False, need__isnull=True, organization__isnull=True)
                    | Q(tool__isnull=True, need__isnull=False, organization__isnull=True)
                    | Q(tool__isnull=True, need__isnull=True, organization__isnull=False)
                ),
                name="report_about_one_record",
            ),
            models.UniqueConstraint(
                fields=["reporter", "tool"],
                condition=Q(status="open", tool__isnull=False),
                name="one_open_report_per_reporter_and_tool",
            ),
            models.UniqueConstraint(
                fields=["reporter", "need"],
                condition=Q(status="open", need__isnull=False),
                name="one_open_report_per_reporter_and_need",
            ),
            models.UniqueConstraint(
                fields=["reporter", "organization"],
                condition=Q(status="open", organization__isnull=False),
                name="one_open_report_per_reporter_and_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.record_label}"

    @property
    def record(self):
        return self.tool or self.need or self.organization

    @property
    def record_kind(self) -> str:
        if self.tool_id:
            return "tool"
        if self.need_id:
            return "need"
        return "organization"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
