"""The organization workspace: members, invitations, join requests, sharing, verification."""

import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from accounts.models import Invitation, JoinRequest, Membership, Organization
from accounts.permissions import shared_with
from accounts.services import INVITATION_SALT
from tests.factories import (
    LicenseRequestFactory,
    MembershipFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)


@pytest.fixture
def owner():
    organization = OrganizationFactory(name="Harbour Watch", slug="harbour-watch")
    return MembershipFactory(organization=organization, role="owner")


def workspace_url(organization, action=None):
    if action:
        return reverse("registry:organization-workspace-action", args=[organization.slug, action])
    return reverse("registry:organization-workspace", args=[organization.slug])


def test_member_sees_the_dashboard_with_records_and_requests(client, owner):
    organization = owner.organization
    ToolFactory(organization=organization, name="Harbour Tool")
    request = LicenseRequestFactory(
        offer__tool__organization=organization, message="Please, for shelters."
    )
    client.force_login(owner.user)

    page = client.get(workspace_url(organization)).content.decode()

    assert "Harbour Tool" in page
    assert "Please, for shelters." in page
    assert request.organization.name in page
    assert owner.user.email in page or str(owner.user) in page


def test_non_member_gets_403_and_anonymous_is_sent_to_sign_in(client, owner):
    assert client.get(workspace_url(owner.organization)).status_code == 302
    client.force_login(UserFactory())
    assert client.get(workspace_url(owner.organization)).status_code == 403


def test_owner_invites_by_email_and_the_invitee_accepts(
    client, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            workspace_url(owner.organization, "invite"),
            {"email": "newcomer@example.org", "role": "editor"},
        )
    invitation = Invitation.objects.get(email="newcomer@example.org")
    # The link is read from the email, not made again here: the token is signed with the time
    # in seconds, so one made a moment later differs whenever the clock passed a second in
    # between (the test then failed by chance, more often on a slower database).
    [email] = [message for message in mail.outbox if message.to == ["newcomer@example.org"]]
    prefix = reverse("registry:invitation-accept", args=["-"]).removesuffix("-/")
    url = re.search(rf"{re.escape(prefix)}[^/\s]+/", email.body).group(0)
    token = url.removeprefix(prefix).removesuffix("/")
    assert signing.loads(token, salt=INVITATION_SALT) == {"invitation": invitation.pk}

    newcomer = UserFactory(email="newcomer@example.org")
    client.force_login(newcomer)
    assert "Harbour Watch" in client.get(url).content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert Membership.objects.get(user=newcomer).role == "editor"


def test_invalid_invitation_token_is_404(client):
    assert client.get(reverse("registry:invitation-accept", args=["nonsense"])).status_code == 404


def test_owner_changes_a_role_and_removes_a_member(client, owner):
    other = MembershipFactory(organization=owner.organization, role="viewer")
    client.force_login(owner.user)

    client.post(
        workspace_url(owner.organization, "role"), {"membership": other.pk, "role": "editor"}
    )
    other.refresh_from_db()
    assert other.role == "editor"
    client.post(workspace_url(owner.organization, "remove"), {"membership": other.pk})

    assert not Membership.objects.filter(pk=other.pk).exists()


def test_last_owner_cannot_step_down_and_sees_why(client, owner):
    client.force_login(owner.user)

    response = client.post(
        workspace_url(owner.organization, "role"),
        {"membership": owner.pk, "role": "viewer"},
        follow=True,
    )

    owner.refresh_from_db()
    assert owner.role == "owner"
    assert "last owner" in response.content.decode()


def test_viewer_may_not_manage_members(client, owner):
    viewer = MembershipFactory(organization=owner.organization, role="viewer")
    client.force_login(viewer.user)

    response = client.post(
        workspace_url(owner.organization, "role"), {"membership": viewer.pk, "role": "owner"}
    )

    viewer.refresh_from_db()
    assert response.status_code == 403
    assert viewer.role == "viewer"


def test_ask_to_join_and_owner_approves(client, owner):
    person = UserFactory()
    client.force_login(person)
    client.post(
        reverse("registry:organization-join", args=[owner.organization.slug]),
        {"message": "I run the shelter."},
    )
    join_request = JoinRequest.objects.get(user=person)

    client.force_login(owner.user)
    assert "I run the shelter." in client.get(workspace_url(owner.organization)).content.decode()
    client.post(
        workspace_url(owner.organization, "join"),
        {"join_request": join_request.pk, "decision": "approve", "role": "editor"},
    )

    assert Membership.objects.get(user=person, organization=owner.organization).role == "editor"


def test_owner_shares_a_private_tool_and_revokes_it(client, owner):
    tool = ToolFactory(organization=owner.organization, visibility="private")
    partner = OrganizationFactory(slug="partner-org")
    client.force_login(owner.user)

    client.post(
        workspace_url(owner.organization, "share"),
        {"record": f"tool:{tool.slug}", "organization": "partner-org"},
    )
    assert list(shared_with(tool)) == [partner]
    client.post(
        workspace_url(owner.organization, "share"),
        {"record": f"tool:{tool.slug}", "organization": "partner-org", "revoke": "1"},
    )

    assert list(shared_with(tool)) == []


def test_any_signed_in_person_creates_an_organization_and_owns_it(client):
    person = UserFactory()
    client.force_login(person)

    response = client.post(
        reverse("registry:organization-create"),
        {"name": "Coastal Shelters", "sector": "ngo", "country": "KE", "website": ""},
    )

    organization = Organization.objects.get(name="Coastal Shelters")
    assert response.status_code == 302
    assert organization.verification_status == "unverified"
    assert Membership.objects.get(organization=organization).role == "owner"


def test_owner_requests_verification(client):
    owner = MembershipFactory(
        organization=OrganizationFactory(verification_status="unverified"), role="owner"
    )
    client.force_login(owner.user)

    page = client.get(workspace_url(owner.organization)).content.decode()
    assert "Request verification" in page
    client.post(workspace_url(owner.organization, "verification"))

    owner.organization.refresh_from_db()
    assert owner.organization.verification_status == "pending"
