"""Sharing takes effect at once, revoking too; a suspension takes effect on the next request."""

from accounts import permissions
from accounts.services import organization_decide
from registry import services
from registry.models import Tool
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory


def _fresh(user):
    """The same person as a new request would load them (no cached access context)."""
    return type(user).objects.get(pk=user.pk)


def test_sharing_a_private_tool_opens_it_to_the_partner_and_revoking_closes_it():
    owner = MembershipFactory(role="editor").user
    org = owner.memberships.get().organization
    tool = ToolFactory(organization=org, visibility="private")
    partner = OrganizationFactory(sector="private_sector")
    partner_member = MembershipFactory(organization=partner, role="viewer").user
    outsider = MembershipFactory(organization=OrganizationFactory(sector="private_sector")).user

    assert not permissions.can(partner_member, "view", tool)
    services.record_share(actor=owner, record=tool, organization=partner)
    assert permissions.can(_fresh(partner_member), "view", tool)
    assert not permissions.can(_fresh(outsider), "view", tool)
    # Shared read access is not write access.
    assert not permissions.can(_fresh(partner_member), "change", tool)

    services.record_unshare(actor=owner, record=tool, organization=partner)
    assert not permissions.can(_fresh(partner_member), "view", tool)


def test_a_restricted_tool_shared_with_an_organization_of_another_sector_is_visible_to_it():
    org = OrganizationFactory(sector="law_enforcement")
    editor = MembershipFactory(organization=org, role="editor").user
    tool = ToolFactory(
        organization=org, visibility="restricted", restricted_to_sectors=["law_enforcement"]
    )
    ngo = OrganizationFactory(sector="ngo")
    ngo_member = MembershipFactory(organization=ngo).user
    assert not permissions.can(ngo_member, "view", tool)
    services.record_share(actor=editor, record=tool, organization=ngo)
    assert permissions.can(_fresh(ngo_member), "view", tool)


def test_sharing_does_not_reach_a_suspended_partner():
    org = OrganizationFactory()
    editor = MembershipFactory(organization=org, role="editor").user
    tool = ToolFactory(organization=org, visibility="private")
    partner = OrganizationFactory(verification_status="suspended")
    member = MembershipFactory(organization=partner).user
    services.record_share(actor=editor, record=tool, organization=partner)
    assert not permissions.can(member, "view", tool)


def test_suspension_takes_effect_on_the_next_request():
    org = OrganizationFactory(sector="law_enforcement")
    member = MembershipFactory(organization=org, role="owner").user
    restricted = ToolFactory(visibility="restricted", restricted_to_sectors=["law_enforcement"])
    own_private = ToolFactory(organization=org, visibility="private")
    assert permissions.can(member, "view", restricted)
    assert permissions.can(member, "change", own_private)

    moderator = UserFactory(groups=["moderator"])
    organization_decide(actor=moderator, organization=org, status="suspended", reason="Fraud")

    member = _fresh(member)
    assert not permissions.can(member, "view", restricted)
    assert not permissions.can(member, "view", own_private)
    visible = set(permissions.restrict(Tool.objects.all(), member).values_list("pk", flat=True))
    assert restricted.pk not in visible and own_private.pk not in visible


def test_hidden_record_is_seen_only_by_its_owners_and_moderators():
    org = OrganizationFactory()
    viewer = MembershipFactory(organization=org, role="viewer").user
    moderator = UserFactory(groups=["moderator"])
    tool = ToolFactory(organization=org, visibility="public")
    services.record_hide(actor=moderator, record=tool, hidden=True, reason="Misleading claims")
    assert not permissions.can(UserFactory(), "view", tool)
    assert permissions.can(viewer, "view", tool)
    assert permissions.can(_fresh(moderator), "view", tool)


def test_last_owner_cannot_leave_or_step_down():
    import pytest
    from django.core.exceptions import ValidationError

    from accounts.services import membership_change_role, membership_remove

    membership = MembershipFactory(role="owner")
    with pytest.raises(ValidationError):
        membership_remove(actor=membership.user, membership=membership)
    with pytest.raises(ValidationError):
        membership_change_role(actor=membership.user, membership=membership, role="viewer")
    second = MembershipFactory(organization=membership.organization, role="owner")
    membership_remove(actor=membership.user, membership=membership)
    assert second.organization.memberships.count() == 1


def test_invitations_and_join_requests_are_read_by_owners_and_the_asker_only():
    from accounts.models import Invitation, JoinRequest
    from accounts.services import invitation_create, join_request_create

    owner = MembershipFactory(role="owner").user
    org = owner.memberships.get().organization
    editor = MembershipFactory(organization=org, role="editor").user
    asker = UserFactory()
    invitation_create(actor=owner, organization=org, email="guest@example.org")
    join_request_create(actor=asker, organization=org)
    assert permissions.restrict(Invitation.objects.all(), owner).count() == 1
    assert permissions.restrict(Invitation.objects.all(), editor).count() == 0
    assert permissions.restrict(JoinRequest.objects.all(), owner).count() == 1
    assert permissions.restrict(JoinRequest.objects.all(), asker).count() == 1
    assert permissions.restrict(JoinRequest.objects.all(), UserFactory()).count() == 0


def test_licence_offer_without_a_key_gets_one_from_its_tool_and_title():
    tool = ToolFactory(slug="case-desk")
    offer = services.license_offer_create(actor=None, tool=tool, title="Free seats", terms="free")
    assert offer.slug == "case-desk-free-seats"


def test_access_context_reads_memberships_and_groups_in_one_statement(
    django_assert_num_queries, settings
):
    from django.contrib.auth.models import Group

    from accounts.models import PlatformGroup

    settings.REGISTRY_REQUIRE_2FA = False
    police = OrganizationFactory(sector="law_enforcement")
    person = MembershipFactory(organization=police, role="editor").user
    ngo = OrganizationFactory(sector="ngo", verification_status="unverified")
    MembershipFactory(user=person, organization=ngo, role="owner")
    suspended = OrganizationFactory(sector="government", verification_status="suspended")
    MembershipFactory(user=person, organization=suspended, role="owner")
    person.groups.add(Group.objects.get(name=PlatformGroup.MODERATOR))

    fresh = _fresh(person)
    with django_assert_num_queries(1):
        context = permissions.access_context(fresh)
    assert context.roles == {police.pk: "editor", ngo.pk: "owner"}
    assert context.verified_org_ids == {police.pk}
    assert context.verified_sectors == {"law_enforcement"}
    police.refresh_from_db()
    ngo.refresh_from_db()
    assert police.group_id and ngo.group_id
    assert context.group_ids == {police.group_id, ngo.group_id}
    assert context.is_moderator and not context.is_admin
    # A person in no group and no organization: an empty context, from the same statement.
    loner = _fresh(UserFactory())
    with django_assert_num_queries(1):
        empty = permissions.access_context(loner)
    assert empty.roles == {} and not empty.is_moderator and empty.group_ids == frozenset()


def test_an_administrator_by_group_alone_gets_no_organization_or_sector(settings):
    from django.contrib.auth.models import Group

    from accounts.models import PlatformGroup

    settings.REGISTRY_REQUIRE_2FA = False
    admin = UserFactory()
    admin.groups.add(Group.objects.get(name=PlatformGroup.ADMINISTRATOR))
    context = permissions.access_context(_fresh(admin))
    assert context.is_admin and not context.is_moderator
    assert context.roles == {} and context.verified_sectors == frozenset()
    assert context.group_ids == frozenset()
