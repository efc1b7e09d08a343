"""Emails of the community app, queued in the outbox (notifications.services.enqueue) inside
the transaction of the event. No email names the other side's address: the asker appears by
display name and organization, answers are signed by the organization asked. Message bodies
are not copied into emails (they may hold operational detail); the email links to the thread,
which the reader opens signed in."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Kind
from notifications.services import absolute_url, enqueue, render_email
from registry.notification_events import organization_deciders

from .models import ContactMessage, RecordReport


def public_name(user: User | None) -> str:
    """How a person appears to the other side: their display name, never their address."""
    if user is None:
        return _("A former member")
    return user.display_name.strip() or _("A member")


def contact_message_sent(message: ContactMessage) -> int:
    """Tell the other side of the thread about `message`: the asker when the organization
    asked wrote, otherwise the owners and editors of the organization asked. One email per
    message and recipient (the deduplication key names both)."""
    thread = message.thread
    if message.from_owner:
        recipients = [thread.asker] if thread.asker is not None else []
    elif thread.organization.is_suspended:
        recipients = []  # its members read nothing while it is suspended
    else:
        recipients = list(organization_deciders(thread.organization_id))
    context = {
        "thread": thread,
        "message": message,
        "asker_name": public_name(thread.asker),
        "thread_url": absolute_url(thread.get_absolute_url()),
        "is_first": not message.from_owner and thread.messages.count() == 1,
    }
    subject, body = render_email("community/emails/contact_message", context)
    queued = 0
    for user in recipients:
        if user.pk == message.author_id:
            continue
        sent = enqueue(
            kind=Kind.CONTACT_MESSAGE,
            recipient=user,
            subject=subject,
            body=body,
            dedupe_key=f"contact-message:{message.pk}:{user.pk}",
        )
        queued += sent is not None
    return queued


def report_resolved(report: RecordReport) -> int:
    """Tell the person who reported an entry what the moderators decided."""
    if report.reporter is None:
        return 0
    context = {
        "report": report,
        "reports_url": absolute_url(reverse("community:my-reports")),
    }
    subject, body = render_email("community/emails/report_outcome", context)
    sent = enqueue(
        kind=Kind.REPORT_OUTCOME,
        recipient=report.reporter,
        subject=subject,
        body=body,
        dedupe_key=f"report-outcome:{report.pk}:{report.status}:{report.reporter_id}",
    )
    return int(sent is not None)
