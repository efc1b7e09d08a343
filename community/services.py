"""Writes of the community app: conversations with the owners of a record, and reports.

Every function takes the acting person as `actor`, checks it against accounts.permissions,
validates, writes in one transaction and queues the notification emails in that same
transaction (community.notifications), so an email exists exactly when its event does.
A record or thread the actor may not read raises its DoesNotExist (the pages answer 404).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import permissions
from accounts.models import Organization, User
from accounts.roles import Action
from core.errors import PermissionDenied
from registry.models import Need, Tool

from . import notifications
from .models import (
    DETAILS_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    ContactMessage,
    ContactThread,
    ContactThreadRead,
    RecordReport,
)

RATE_WINDOW = timedelta(days=1)
# Defaults of the settings that cap what one person may send in RATE_WINDOW (overridable in
# the project's settings under the same names).
DEFAULT_THREADS_PER_DAY = 5
DEFAULT_MESSAGES_PER_DAY = 60
DEFAULT_REPORTS_PER_DAY = 20


def threads_per_day() -> int:
    return int(getattr(settings, "COMMUNITY_CONTACT_THREADS_PER_DAY", DEFAULT_THREADS_PER_DAY))


def messages_per_day() -> int:
    return int(getattr(settings, "COMMUNITY_MESSAGES_PER_DAY", DEFAULT_MESSAGES_PER_DAY))


def reports_per_day() -> int:
    return int(getattr(settings, "COMMUNITY_REPORTS_PER_DAY", DEFAULT_REPORTS_PER_DAY))


# --- Checks ---------------------------------------------------------------------------------


def clean_text(value, *, field: str, max_length: int, required: bool) -> str:
    """Plain text as typed, trimmed; refused if empty (when required), too long, or holding
    characters no database stores (NUL)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")}, code="invalid")
    value = value.strip()
    if "\x00" in value:
        raise ValidationError({field: _("Null characters are not allowed.")}, code="null")
    if required and not value:
        raise ValidationError({field: _("This field is required.")}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            {
                field: ngettext(
                    "Write at most %(limit)d character.",
                    "Write at most %(limit)d characters.",
                    max_length,
                )
                % {"limit": max_length}
            },
            code="max_length",
        )
    return value


def _require_readable(actor, obj) -> None:
    """The caller must not learn that a record or thread it may not read exists."""
    if not permissions.can(actor, Action.VIEW, obj):
        raise type(obj).DoesNotExist


def _rate_limit(count: int, limit: int, message: str) -> None:
    if count >= limit:
        raise ValidationError(message % {"limit": limit}, code="rate_limited")


def _record_parts(record) -> dict:
    if isinstance(record, Tool):
        return {"tool": record}
    if isinstance(record, Need):
        return {"need": record}
    if isinstance(record, Organization):
        return {"organization": record}
    raise ValidationError(_("Only tools, needs and organizations can be reported."))


def _mark_read(thread: ContactThread, user: User, moment) -> None:
    ContactThreadRead.objects.update_or_create(
        thread=thread, user=user, defaults={"read_at": moment}
    )


# --- Conversations --------------------------------------------------------------------------


@transaction.atomic
def thread_start(
    *, actor: User, record: Tool | Need, asker_organization: Organization, body: str
) -> ContactThread:
    """`actor`, for `asker_organization`, asks the owners of `record` a question."""
    if not isinstance(record, (Tool, Need)):
        raise ValidationError(_("Only the owners of a tool or a need can be contacted."))
    _require_readable(actor, record)
    allowed = permissions.contact_organization_ids(actor, record)
    if not allowed:
        raise PermissionDenied(
            _("Only members of a verified organization may contact the owners of an entry.")
        )
    if asker_organization is None or asker_organization.pk not in allowed:
        raise ValidationError(
            {"asker_organization": _("Choose a verified organization you belong to.")}
        )
    body = clean_text(body, field="body", max_length=MESSAGE_MAX_LENGTH, required=True)
    now = timezone.now()
    started = ContactThread.objects.filter(asker=actor, created_at__gte=now - RATE_WINDOW)
    _rate_limit(
        started.count(),
        threads_per_day(),
        _("You may start at most %(limit)d conversations a day. Try again tomorrow."),
    )
    subject = str(getattr(record, "name", None) or getattr(record, "title", ""))[:200]
    thread = ContactThread(
        asker=actor,
        asker_organization=asker_organization,
        organization_id=record.organization_id,
        subject=subject,
        last_message_at=now,
        last_message_by_owner=False,
        **_record_parts(record),
    )
    thread.full_clean()
    thread.save()
    message = ContactMessage.objects.create(thread=thread, author=actor, body=body)
    # The row's own timestamp, so "unread" compares like with like.
    thread.last_message_at = message.created_at
    thread.save(update_fields=["last_message_at"])
    _mark_read(thread, actor, message.created_at)
    notifications.contact_message_sent(message)
    return thread


def _add_message(*, actor: User, thread: ContactThread, body: str, closes: bool):
    from_owner = permissions.is_thread_owner_side(actor, thread) and thread.asker_id != actor.pk
    message = ContactMessage.objects.create(
        thread=thread, author=actor, from_owner=from_owner, body=body, closes_thread=closes
    )
    thread.last_message_at = message.created_at
    thread.last_message_by_owner = from_owner
    fields = ["last_message_at", "last_message_by_owner", "status"]
    if closes:
        thread.status = ContactThread.Status.CLOSED
        thread.closed_at = message.created_at
        thread.closed_by = actor
        fields += ["closed_at", "closed_by"]
    else:
        thread.status = ContactThread.Status.ANSWERED if from_owner else ContactThread.Status.OPEN
    thread.save(update_fields=fields)
    _mark_read(thread, actor, message.created_at)
    return message


def _locked(thread: ContactThread) -> ContactThread:
    """The thread re-read under a row lock, so two replies or a reply and a close do not
    interleave (SQLite serialises writers anyway)."""
    return ContactThread.objects.select_for_update().get(pk=thread.pk)


@transaction.atomic
def thread_reply(*, actor: User, thread: ContactThread, body: str) -> ContactMessage:
    """Add a message to an open thread, as its asker or as an owner or editor of the
    organization asked; the other side is notified."""
    _require_readable(actor, thread)
    thread = _locked(thread)
    if thread.is_closed:
        raise ValidationError(_("This conversation is closed."), code="closed")
    if not permissions.can_write_in_thread(actor, thread):
        raise PermissionDenied(_("You may read this conversation but not write in it."))
    body = clean_text(body, field="body", max_length=MESSAGE_MAX_LENGTH, required=True)
    sent = ContactMessage.objects.filter(
        author=actor, created_at__gte=timezone.now() - RATE_WINDOW
    ).count()
    _rate_limit(
        sent,
        messages_per_day(),
        _("You may send at most %(limit)d messages a day. Try again tomorrow."),
    )
    message = _add_message(actor=actor, thread=thread, body=body, closes=False)
    notifications.contact_message_sent(message)
    return message


@transaction.atomic
def thread_close(*, actor: User, thread: ContactThread, note: str = "") -> ContactThread:
    """Close an open thread: the organization asked declines (the asker is told, with the
    note if any), or the asker withdraws the question."""
    _require_readable(actor, thread)
    thread = _locked(thread)
    if thread.is_closed:
        raise ValidationError(_("This conversation is already closed."), code="closed")
    if not permissions.can_close_thread(actor, thread):
        raise PermissionDenied(_("You may read this conversation but not close it."))
    note = clean_text(note, field="note", max_length=MESSAGE_MAX_LENGTH, required=False)
    message = _add_message(actor=actor, thread=thread, body=note, closes=True)
    if message.from_owner:
        notifications.contact_message_sent(message)
    return thread


@transaction.atomic
def thread_mark_read(*, actor: User, thread: ContactThread) -> None:
    """Everything in `thread` so far counts as read by `actor`."""
    _require_readable(actor, thread)
    _mark_read(thread, actor, thread.last_message_at)


# --- Reports --------------------------------------------------------------------------------


@transaction.atomic
def report_create(*, actor: User, record, reason: str, details: str = "") -> RecordReport:
    """`actor` tells the moderators that a tool, need or organization is wrong or harmful."""
    parts = _record_parts(record)
    _require_readable(actor, record)
    if not permissions.can_report(actor, record):
        raise PermissionDenied(_("This entry cannot be reported."))
    if reason not in RecordReport.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")}, code="invalid_choice")
    details = clean_text(details, field="details", max_length=DETAILS_MAX_LENGTH, required=False)
    if reason == RecordReport.Reason.OTHER and not details:
        raise ValidationError({"details": _("Say what is wrong.")}, code="required")
    open_reports = RecordReport.objects.filter(
        reporter=actor, status=RecordReport.Status.OPEN, **parts
    )
    if open_reports.exists():
        raise ValidationError(
            _("You have already reported this entry; a moderator will look at it."),
            code="duplicate",
        )
    recent = RecordReport.objects.filter(
        reporter=actor, created_at__gte=timezone.now() - RATE_WINDOW
    ).count()
    _rate_limit(
        recent,
        reports_per_day(),
        _("You may send at most %(limit)d reports a day. Try again tomorrow."),
    )
    label = getattr(record, "name", None) or getattr(record, "title", "")
    report = RecordReport(
        reporter=actor, record_label=str(label)[:200], reason=reason, details=details, **parts
    )
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:  # the same report sent twice at once
        raise ValidationError(
            _("You have already reported this entry; a moderator will look at it."),
            code="duplicate",
        ) from exc
    return report


class Decision:
    HIDE = "hide"
    DISMISS = "dismiss"
    CHOICES = (HIDE, DISMISS)


def _hide_record(*, actor: User, record, note: str) -> None:
    """Reuse the moderators' own actions: hide a tool or need, suspend an organization."""
    if isinstance(record, Organization):
        from accounts.models import VerificationStatus
        from accounts.services import organization_decide

        organization_decide(
            actor=actor,
            organization=record,
            status=VerificationStatus.SUSPENDED,
            reason=note,
        )
        return
    from registry.services import record_hide

    record_hide(actor=actor, record=record, hidden=True, reason=note)


@transaction.atomic
def report_resolve(
    *, actor: User, report: RecordReport, decision: str, note: str = ""
) -> list[RecordReport]:
    """A moderator hides the reported record (which settles every open report about it) or
    dismisses this one report, with a note; each reporter is told the outcome. Returns the
    reports resolved."""
    if not permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators resolve reports."))
    _require_readable(actor, report)
    report = RecordReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_open:
        raise ValidationError(_("This report has already been resolved."), code="resolved")
    if not permissions.can_resolve_report(actor, report):
        raise PermissionDenied(_("You may not resolve this report."))
    if decision not in Decision.CHOICES:
        raise ValidationError({"decision": _("Choose to hide the entry or dismiss the report.")})
    note = clean_text(note, field="note", max_length=NOTE_MAX_LENGTH, required=True)
    record = report.record
    now = timezone.now()
    if decision == Decision.HIDE:
        try:
            _hide_record(actor=actor, record=record, note=note)
        except ValidationError as error:
            # The moderation services name their own fields (hidden_reason, reason, status).
            raise ValidationError({"note": error.messages}) from error
        parts = {report.record_kind: record}
        settled = list(
            RecordReport.objects.select_for_update()
            .filter(status=RecordReport.Status.OPEN, **parts)
            .order_by("pk")
        )
        status = RecordReport.Status.ACTIONED
    else:
        settled = [report]
        status = RecordReport.Status.DISMISSED
    for item in settled:
        item.status = status
        item.resolved_at = now
        item.resolved_by = actor
        item.resolution_note = note
        item.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note"])
        notifications.report_resolved(item)
    return settled


# --- Deleting an account (accounts.security.privacy.account_delete) -------------------------


def personal_data_forget(*, user: User) -> None:
    """Before an account is deleted: its conversations and reports stay (they belong to the
    organizations and to the moderation record) but no longer name their author. The foreign
    keys are SET_NULL too; doing it here, explicitly, keeps it true if that ever changes."""
    ContactThread.objects.filter(asker=user).update(asker=None)
    ContactThread.objects.filter(closed_by=user).update(closed_by=None)
    ContactMessage.objects.filter(author=user).update(author=None)
    RecordReport.objects.filter(reporter=user).update(reporter=None)
    RecordReport.objects.filter(resolved_by=user).update(resolved_by=None)
    ContactThreadRead.objects.filter(user=user).delete()
