"""Writes about people and organizations: creation, vetting, memberships, the access log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from registry.history import record_change, snapshot

from . import permissions
from .models import (
    AccessLogEntry,
    Invitation,
    JoinRequest,
    Membership,
    Organization,
    Role,
    User,
    VerificationStatus,
)
from .notifications import send_invitation, send_verification_decision
from .roles import Action


def _unique_org_slug(name: str) -> str:
    base = slugify(name)[:90] or "organization"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def organization_create(
    *, actor: User | None, unclaimed: bool = False, **data: Any
) -> Organization:
    """Create an organization; a person who creates one becomes its first owner, unless it is
    `unclaimed`: a catalogue entry nobody belongs to yet, which only moderators and
    administrators add (a catalogue import). It starts unverified whoever creates it, unless
    the system (an import) says otherwise."""
    if actor is not None and not permissions.can_create_organization(actor):
        raise PermissionDenied(_("Sign in to create an organization."))
    if unclaimed and actor is not None and not permissions.can_create_unclaimed_organization(actor):
        raise PermissionDenied(_("Only moderators add organizations that nobody belongs to."))
    if actor is not None:
        data.pop("verification_status", None)
    if not data.get("slug"):
        data["slug"] = _unique_org_slug(data.get("name", ""))
    organization = Organization(**data)
    organization.full_clean()
    organization.save()
    record_change(actor=actor, record=organization, action="created")
    if actor is not None and not unclaimed:
        Membership.objects.create(user=actor, organization=organization, role=Role.OWNER)
        permissions.forget_access_context(actor)
    return organization


@transaction.atomic
def organization_update(*, actor: User | None, organization: Organization, **data: Any):
    if actor is not None and not permissions.can(actor, Action.CHANGE, organization):
        raise PermissionDenied(_("You may not change this organization."))
    for forbidden in ("verification_status", "verification_decided_by", "group"):
        data.pop(forbidden, None)
    before = snapshot(organization)
    for name, value in data.items():
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    record_change(actor=actor, record=organization, action="updated", before=before)
    return organization


@transaction.atomic
def organization_request_verification(*, actor: User, organization: Organization):
    if not permissions.role_in(actor, organization.pk) == Role.OWNER and not (
        permissions.is_administrator(actor)
    ):
        raise PermissionDenied(_("Only an owner asks for verification."))
    if organization.verification_status not in (VerificationStatus.UNVERIFIED,):
        raise ValidationError(
            {"verification_status": _("Only an unverified organization asks for verification.")}
        )
    organization.verification_status = VerificationStatus.PENDING
    organization.save(update_fields=["verification_status", "updated_at"])
    return organization


@transaction.atomic
def organization_decide(
    *, actor: User | None, organization: Organization, status: str, reason: str = ""
) -> Organization:
    """A moderator verifies, rejects (back to unverified) or suspends an organization."""
    if actor is not None and not permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators vet organizations."))
    if status not in VerificationStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status != VerificationStatus.VERIFIED and not reason.strip() and actor is not None:
        raise ValidationError({"reason": _("Give a reason for this decision.")})
    before = snapshot(organization)
    organization.verification_status = status
    organization.verification_reason = reason.strip()
    organization.verification_decided_by = actor
    organization.verification_decided_at = timezone.now()
    organization.save()
    record_change(actor=actor, record=organization, action="updated", before=before)
    # The members' emails are written in this transaction, so they exist exactly when the
    # decision does; a broker outage after the commit only delays them (the outbox sweep).
    send_verification_decision(organization.pk)
    return organization


@transaction.atomic
def membership_add(
    *, actor: User | None, organization: Organization, user: User, role: str = Role.VIEWER
) -> Membership:
    if actor is not None and not permissions.can_create(actor, Membership, organization):
        raise PermissionDenied(_("Only an owner manages members."))
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created:
        raise ValidationError({"user": _("This person is already a member.")})
    permissions.forget_access_context(user)
    return membership


def _owner_count(organization_id: int) -> int:
    return Membership.objects.filter(organization_id=organization_id, role=Role.OWNER).count()


@transaction.atomic
def membership_change_role(*, actor: User | None, membership: Membership, role: str):
    if actor is not None and not permissions.can(actor, Action.MANAGE_MEMBERS, membership):
        raise PermissionDenied(_("Only an owner manages members."))
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    # Lock the organization's owners so two demotions cannot leave it without one.
    list(Membership.objects.select_for_update().filter(organization_id=membership.organization_id))
    if membership.role == Role.OWNER and role != Role.OWNER:
        if _owner_count(membership.organization_id) <= 1:
            raise ValidationError({"role": _("The last owner cannot step down.")})
    membership.role = role
    membership.save(update_fields=["role"])
    permissions.forget_access_context(membership.user)
    return membership


@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    """An owner removes a member, or a member leaves. The last owner cannot leave."""
    leaving = actor is not None and actor.pk == membership.user_id
    if (
        actor is not None
        and not leaving
        and not permissions.can(actor, Action.MANAGE_MEMBERS, membership)
    ):
        raise PermissionDenied(_("Only an owner manages members."))
    list(Membership.objects.select_for_update().filter(organization_id=membership.organization_id))
    if membership.role == Role.OWNER and _owner_count(membership.organization_id) <= 1:
        raise ValidationError({"user": _("The last owner cannot leave the organization.")})
    membership.delete()
    permissions.forget_access_context(membership.user)


def access_log_record(*, user, record, surface: str) -> AccessLogEntry | None:
    """Write down a read of a restricted or private record by an outsider."""
    if not permissions.is_outside_reader(user, record):
        return None
    return AccessLogEntry.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        record_type=record._meta.model_name,
        record_id=record.pk,
        record_label=str(record)[:200],
        visibility=record.visibility,
        owner_organization_id=getattr(record, "organization_id", None),
        surface=surface,
    )


def access_log_record_many(*, user, records, surface: str) -> int:
    """The same for a list of records read at once (exports, search results)."""
    entries = [
        AccessLogEntry(
            user=user if getattr(user, "is_authenticated", False) else None,
            record_type=r._meta.model_name,
            record_id=r.pk,
            record_label=str(r)[:200],
            visibility=r.visibility,
            owner_organization_id=getattr(r, "organization_id", None),
            surface=surface,
        )
        for r in records
        if permissions.is_outside_reader(user, r)
    ]
    AccessLogEntry.objects.bulk_create(entries)
    return len(entries)


# --- Invitations and join requests ----------------------------------------------------------

INVITATION_SALT = "accounts.invitation"
INVITATION_LIFETIME = timedelta(days=7)


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT)


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    organization: Organization,
    email: str,
    role: str = Role.VIEWER,
    accept_url_builder=None,
) -> Invitation:
    """An owner invites someone by email; the email is queued with the invitation, in the
    same transaction, and goes out once that commits."""
    if not permissions.can_create(actor, Membership, organization):
        raise PermissionDenied(_("Only an owner invites members."))
    email = (email or "").strip().lower()
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    invitation.save()
    if accept_url_builder is not None:
        send_invitation(invitation.pk, accept_url_builder(invitation_token(invitation)))
    return invitation


@transaction.atomic
def invitation_accept(*, actor: User, token: str) -> Membership:
    """Accept an invitation through its signed link: once, before it expires, and only by the
    person whose email address it was sent to."""
    try:
        payload = signing.loads(
            token, salt=INVITATION_SALT, max_age=INVITATION_LIFETIME.total_seconds()
        )
        invitation = Invitation.objects.select_for_update().get(pk=payload["invitation"])
    except (signing.BadSignature, KeyError, TypeError, Invitation.DoesNotExist) as exc:
        raise ValidationError({"token": _("This invitation link is not valid.")}) from exc
    if not invitation.is_open:
        raise ValidationError({"token": _("This invitation has expired or was already used.")})
    if actor.email.lower() != invitation.email.lower():
        raise ValidationError({"token": _("This invitation was sent to another email address.")})
    membership, created = Membership.objects.get_or_create(
        user=actor, organization=invitation.organization, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    permissions.forget_access_context(actor)
    return membership


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    if not permissions.can_create(actor, Membership, invitation.organization):
        raise PermissionDenied(_("Only an owner manages invitations."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def join_request_create(*, actor: User, organization: Organization, message: str = ""):
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to ask to join an organization."))
    if Membership.objects.filter(user=actor, organization=organization).exists():
        raise ValidationError({"organization": _("You already belong to this organization.")})
    if JoinRequest.objects.filter(
        user=actor, organization=organization, status=JoinRequest.Status.PENDING
    ).exists():
        raise ValidationError({"organization": _("Your request is already waiting.")})
    join_request = JoinRequest(organization=organization, user=actor, message=message)
    join_request.full_clean()
    join_request.save()
    return join_request


@transaction.atomic
def join_request_decide(
    *, actor: User, join_request: JoinRequest, approve: bool, role: str = Role.VIEWER
) -> JoinRequest:
    if not permissions.can_create(actor, Membership, join_request.organization):
        raise PermissionDenied(_("Only an owner decides join requests."))
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError({"status": _("This request was already decided.")})
    if approve:
        if role not in Role.values:
            raise ValidationError({"role": _("Unknown role.")})
        Membership.objects.get_or_create(
            user=join_request.user, organization=join_request.organization, defaults={"role": role}
        )
        permissions.forget_access_context(join_request.user)
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.save()
    return join_request
