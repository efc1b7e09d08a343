"""Organization vetting, invitations and join requests."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import permissions, services
from accounts.models import Invitation, JoinRequest, Membership
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def test_creating_an_organization_makes_the_creator_its_owner_and_it_starts_unverified():
    person = UserFactory()
    org = services.organization_create(
        actor=person,
        name="Safe Harbour",
        sector="ngo",
        country="KE",
        verification_status="verified",
    )
    assert org.verification_status == "unverified"
    assert Membership.objects.get(user=person, organization=org).role == "owner"


def test_verification_request_and_decision_notify_every_member(django_capture_on_commit_callbacks):
    owner = MembershipFactory(
        role="owner", organization=OrganizationFactory(verification_status="unverified")
    ).user
    org = owner.memberships.get().organization
    MembershipFactory(organization=org, role="viewer")
    services.organization_request_verification(actor=owner, organization=org)
    assert org.verification_status == "pending"
    moderator = UserFactory(groups=["moderator"])
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_decide(
            actor=moderator, organization=org, status="verified", reason=""
        )
    assert len(mail.outbox) == 2
    assert org.name in mail.outbox[0].subject
    org.refresh_from_db()
    assert org.verification_decided_by == moderator and org.verification_decided_at


def test_rejection_needs_a_reason_and_only_moderators_decide():
    org = OrganizationFactory(verification_status="pending")
    with pytest.raises(PermissionDenied):
        services.organization_decide(actor=UserFactory(), organization=org, status="verified")
    with pytest.raises(ValidationError):
        services.organization_decide(
            actor=UserFactory(groups=["moderator"]), organization=org, status="unverified"
        )


def _invite(django_capture_on_commit_callbacks, email="new.person@example.org", role="editor"):
    owner = MembershipFactory(role="owner").user
    org = owner.memberships.get().organization
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=owner,
            organization=org,
            email=email,
            role=role,
            accept_url_builder=lambda token: f"https://registry.test/invite/{token}/",
        )
    return owner, org, invitation


def test_invitation_email_carries_a_link_that_makes_the_invitee_a_member(
    django_capture_on_commit_callbacks,
):
    _owner, org, invitation = _invite(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    token = services.invitation_token(invitation)
    assert token in mail.outbox[0].body
    invitee = UserFactory(email="new.person@example.org")
    membership = services.invitation_accept(actor=invitee, token=token)
    assert membership.organization == org and membership.role == "editor"
    with pytest.raises(ValidationError):
        services.invitation_accept(actor=invitee, token=token)  # works once


def test_invitation_for_another_address_or_tampered_or_expired_is_refused(
    django_capture_on_commit_callbacks,
):
    _owner, _org, invitation = _invite(django_capture_on_commit_callbacks)
    token = services.invitation_token(invitation)
    with pytest.raises(ValidationError):
        services.invitation_accept(actor=UserFactory(email="someone.else@example.org"), token=token)
    with pytest.raises(ValidationError):
        services.invitation_accept(actor=UserFactory(), token=token + "x")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))
    with pytest.raises(ValidationError):
        services.invitation_accept(actor=UserFactory(email="new.person@example.org"), token=token)


def test_only_owners_invite():
    editor = MembershipFactory(role="editor").user
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            actor=editor, organization=editor.memberships.get().organization, email="x@y.org"
        )


def test_join_request_approved_by_an_owner_gives_membership():
    owner = MembershipFactory(role="owner").user
    org = owner.memberships.get().organization
    person = UserFactory()
    join = services.join_request_create(actor=person, organization=org, message="Hello")
    with pytest.raises(PermissionDenied):
        services.join_request_decide(actor=person, join_request=join, approve=True)
    services.join_request_decide(actor=owner, join_request=join, approve=True, role="viewer")
    assert permissions.role_in(UserFactory._meta.model.objects.get(pk=person.pk), org.pk) == (
        "viewer"
    )
    assert JoinRequest.objects.get(pk=join.pk).status == "approved"


def test_owner_changes_roles_and_removes_members_but_editors_cannot():
    owner = MembershipFactory(role="owner").user
    org = owner.memberships.get().organization
    member = MembershipFactory(organization=org, role="viewer")
    editor = MembershipFactory(organization=org, role="editor").user
    with pytest.raises(PermissionDenied):
        services.membership_change_role(actor=editor, membership=member, role="owner")
    services.membership_change_role(actor=owner, membership=member, role="editor")
    assert Membership.objects.get(pk=member.pk).role == "editor"
    services.membership_remove(actor=owner, membership=member)
    assert not Membership.objects.filter(pk=member.pk).exists()
