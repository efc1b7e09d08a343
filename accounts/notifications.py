"""Emails about accounts and organizations. Built here, sent from Celery tasks."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from .models import Invitation, Membership, Organization


def send_verification_decision(organization_id: int) -> int:
    """Tell every member of an organization the moderators' decision about it."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    recipients = list(
        Membership.objects.filter(organization=organization)
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )
    if not recipients:
        return 0
    context = {"organization": organization}
    subject = render_to_string("emails/verification_subject.txt", context).strip()
    body = render_to_string("emails/verification_body.txt", context)
    sent = 0
    for email in recipients:
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    return sent


def send_invitation(invitation_id: int, accept_url: str) -> int:
    invitation = Invitation.objects.select_related("organization").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_open:
        return 0
    context = {"invitation": invitation, "accept_url": accept_url}
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    body = render_to_string("emails/invitation_body.txt", context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
