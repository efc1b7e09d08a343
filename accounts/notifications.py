"""Emails about accounts and organizations, queued in the notifications outbox.

The services call these inside the transaction of the event (a verification decision, an
invitation), so the emails commit with it. Each email has a deduplication key naming the event
and the recipient, so running these functions again queues nothing more.
"""

from __future__ import annotations

from notifications.models import Kind
from notifications.services import enqueue, render_email

from .models import Invitation, Organization, User


def send_verification_decision(organization_id: int) -> int:
    """Tell every member of an organization the moderators' latest decision about it.
    Returns how many emails were queued (or already were, for this decision)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    members = (
        User.objects.filter(is_active=True, memberships__organization=organization)
        .distinct()
        .order_by("email")
    )
    context = {"organization": organization}
    subject, body = render_email("emails/verification", context)
    decided = (
        organization.verification_decided_at.isoformat()
        if organization.verification_decided_at
        else "undecided"
    )
    queued = 0
    for user in members:
        message = enqueue(
            kind=Kind.VERIFICATION_DECISION,
            recipient=user,
            subject=subject,
            body=body,
            dedupe_key=f"verification:{organization.pk}:{decided}:{user.pk}",
        )
        queued += message is not None
    return queued


def send_invitation(invitation_id: int, accept_url: str) -> int:
    """Queue the invitation email (to an address, member or not). Returns 1 if queued."""
    invitation = Invitation.objects.select_related("organization").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_open:
        return 0
    context = {"invitation": invitation, "accept_url": accept_url}
    subject, body = render_email("emails/invitation", context)
    message = enqueue(
        kind=Kind.INVITATION,
        recipient=invitation.email,
        subject=subject,
        body=body,
        dedupe_key=f"invitation:{invitation.pk}",
    )
    return int(message is not None)
