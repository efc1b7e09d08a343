"""A person's own data: everything held on them as one JSON document, and deleting the account.

Records belong to organizations, not to the people who typed them: deleting an account keeps
the tools, needs and licence requests, and their authored-by fields become empty (each of those
foreign keys is SET_NULL).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    AccessLogEntry,
    ApiToken,
    Invitation,
    JoinRequest,
    Membership,
    Role,
    User,
)

EXPORT_FORMAT = "registry-personal-data/1"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data_export(user: User) -> dict[str, Any]:
    """All personal data the registry holds on `user`."""
    from community.selectors import personal_data as community_personal_data
    from notifications.models import NotificationPreference, OutboxMessage
    from registry.models import LicenseRequest

    from .twofactor import has_two_factor

    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(timezone.now()),
        "profile": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
            "platform_groups": sorted(user.groups.values_list("name", flat=True)),
            "two_factor_enabled": has_two_factor(user),
        },
        "memberships": [
            {
                "organization": m.organization.name,
                "organization_slug": m.organization.slug,
                "role": m.role,
                "since": _iso(m.created_at),
            }
            for m in Membership.objects.filter(user=user).select_related("organization")
        ],
        "join_requests": [
            {
                "organization": j.organization.name,
                "message": j.message,
                "status": j.status,
                "created_at": _iso(j.created_at),
                "decided_at": _iso(j.decided_at),
            }
            for j in JoinRequest.objects.filter(user=user).select_related("organization")
        ],
        "invitations_received": [
            {
                "organization": i.organization.name,
                "email": i.email,
                "role": i.role,
                "created_at": _iso(i.created_at),
                "expires_at": _iso(i.expires_at),
                "accepted_at": _iso(i.accepted_at),
                "revoked_at": _iso(i.revoked_at),
            }
            for i in Invitation.objects.filter(email__iexact=user.email).select_related(
                "organization"
            )
        ],
        "licence_requests_made": [
            {
                "offer": str(r.offer),
                "organization": r.organization.name,
                "message": r.message,
                "status": r.status,
                "created_at": _iso(r.created_at),
            }
            for r in LicenseRequest.objects.filter(requested_by=user).select_related(
                "offer", "organization", "offer__tool"
            )
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "scope": t.scope,
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
                "two_factor_verified": t.two_factor_verified,
            }
            for t in ApiToken.objects.filter(user=user)
        ],
        "notification_preferences": [
            {"kind": p.kind, "enabled": p.enabled, "updated_at": _iso(p.updated_at)}
            for p in NotificationPreference.objects.filter(
                Q(user=user) | Q(user__isnull=True, email__iexact=user.email)
            )
        ],
        "emails_sent": [
            {"kind": o.kind, "subject": o.subject, "created_at": _iso(o.created_at)}
            for o in OutboxMessage.objects.filter(user=user)
        ],
        "access_log_reads": [
            {
                "record_type": e.record_type,
                "record_id": e.record_id,
                "record": e.record_label,
                "visibility": e.visibility,
                "surface": e.surface,
                "at": _iso(e.at),
            }
            for e in AccessLogEntry.objects.filter(user=user)
        ],
        # Conversations started, messages written and reports made (community app).
        **community_personal_data(user),
    }


def organizations_where_last_owner(user: User):
    """Organizations in which `user` is the only owner (they would be left without one)."""
    from accounts.models import Organization

    owned = Membership.objects.filter(user=user, role=Role.OWNER).values("organization_id")
    return (
        Organization.objects.filter(pk__in=owned)
        .annotate(owners=Count("memberships", filter=Q(memberships__role=Role.OWNER)))
        .filter(owners__lte=1)
        .order_by("name")
    )


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account and what is only about its holder. Refused while the person is the
    last owner of an organization (someone must be left to manage it). The sign-in failure
    log (axes) keeps its lines about the address: it is the audit trail of attacks."""
    from axes.models import AccessAttempt

    from notifications.models import NotificationPreference, OutboxMessage

    from .sessions import sessions_of

    last_owned = list(organizations_where_last_owner(user))
    if last_owned:
        names = ", ".join(o.name for o in last_owned)
        raise ValidationError(
            _(
                "You are the last owner of %(names)s. Make someone else an owner, or leave "
                "the organization, before deleting your account."
            )
            % {"names": names},
            code="last_owner",
        )
    email = user.email
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key__in=sessions_of(user.pk)).delete()
    OutboxMessage.objects.filter(Q(user=user) | Q(recipient__iexact=email)).delete()
    NotificationPreference.objects.filter(email__iexact=email).delete()
    AccessAttempt.objects.filter(username__iexact=email).delete()
    # Conversations and reports stay with the organizations, no longer naming their author.
    from community.services import personal_data_forget

    personal_data_forget(user=user)
    user.delete()


def access_log_cutoff():
    return timezone.now() - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)


def purge_access_log_entries() -> int:
    """Delete access-log entries older than the retention period; returns how many."""
    deleted, _detail = AccessLogEntry.objects.filter(at__lt=access_log_cutoff()).delete()
    return deleted
