"""The account hub's reads and writes: a person's own profile and organizations.

Tokens have their own module (accounts.tokens); this one holds only what the hub page needs
beyond it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from . import permissions
from .models import JoinRequest, Membership, Organization, User

PROFILE_FIELDS = ("display_name",)


@transaction.atomic
def profile_update(*, user: User, display_name: str) -> User:
    """Change the person's own display name (the email address is changed elsewhere)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("Sign in to change your profile."))
    user.display_name = (display_name or "").strip()
    other_fields = [f.name for f in User._meta.fields if f.name not in PROFILE_FIELDS]
    user.full_clean(exclude=other_fields, validate_unique=False)
    user.save(update_fields=list(PROFILE_FIELDS))
    return user


def my_memberships(user: User):
    """The person's memberships, in the organizations they may read (their own suspended
    ones included), with each organization loaded."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    readable = permissions.restrict(Organization.objects.all(), user)
    return (
        Membership.objects.filter(user_id=user.pk, organization__in=readable)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )


def my_pending_join_requests(user: User):
    """The person's own join requests still waiting for an owner's answer."""
    if not getattr(user, "is_authenticated", False):
        return JoinRequest.objects.none()
    readable = permissions.restrict(Organization.objects.all(), user)
    return (
        permissions.restrict(JoinRequest.objects.all(), user)
        .filter(user_id=user.pk, status=JoinRequest.Status.PENDING, organization__in=readable)
        .select_related("organization")
        .order_by("-created_at", "-id")
    )
