"""Writes about people and organizations: creation, vetting, memberships, the access log."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import permissions
from .models import (
    AccessLogEntry,
    Membership,
    Organization,
    Role,
    User,
    VerificationStatus,
)
from .roles import Action


def _unique_org_slug(name: str) -> str:
    base = slugify(name)[:90] or "organization"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def organization_create(*, actor: User | None, **data: Any) -> Organization:
    """Create an organization; a person who creates one becomes its first owner.
    It starts unverified whoever creates it, unless the system (an import) says otherwise."""
    if actor is not None and not permissions.can_create_organization(actor):
        raise PermissionDenied(_("Sign in to create an organization."))
    if actor is not None:
        data.pop("verification_status", None)
    if not data.get("slug"):
        data["slug"] = _unique_org_slug(data.get("name", ""))
    organization = Organization(**data)
    organization.full_clean()
    organization.save()
    if actor is not None:
        Membership.objects.create(user=actor, organization=organization, role=Role.OWNER)
        permissions.forget_access_context(actor)
    return organization


@transaction.atomic
def organization_update(*, actor: User | None, organization: Organization, **data: Any):
    if actor is not None and not permissions.can(actor, Action.CHANGE, organization):
        raise PermissionDenied(_("You may not change this organization."))
    for forbidden in ("verification_status", "verification_decided_by", "group"):
        data.pop(forbidden, None)
    for name, value in data.items():
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
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
    organization.verification_status = status
    organization.verification_reason = reason.strip()
    organization.verification_decided_by = actor
    organization.verification_decided_at = timezone.now()
    organization.save()
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
