"""Organizations, their vetting, memberships, invitations and join requests."""

from __future__ import annotations

import pytest

from accounts.models import Invitation, JoinRequest, Membership, Organization
from accounts.services import invitation_token
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

from .conftest import token_client


@pytest.fixture
def org():
    return OrganizationFactory(slug="acme", sector="ngo")


@pytest.fixture
def owner(org):
    return MembershipFactory(organization=org, role="owner").user


@pytest.fixture
def moderator():
    return token_client(UserFactory(groups=["moderator"]))


NEW_ORG = {
    "name": "Safe Harbour",
    "sector": "ngo",
    "country": "KE",
    "website": "https://safe.example.org",
}


def test_any_signed_in_person_creates_an_organization_and_owns_it():
    person = UserFactory()
    client = token_client(person)
    response = client.post("/api/v1/organizations/", NEW_ORG, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "safe-harbour"
    assert body["verification_status"] == "unverified"
    assert Membership.objects.get(user=person, organization__slug="safe-harbour").role == "owner"
    assert response["Location"].endswith("/api/v1/organizations/safe-harbour/")


def test_the_creator_cannot_verify_their_own_organization():
    client = token_client(UserFactory())
    response = client.post(
        "/api/v1/organizations/", {**NEW_ORG, "verification_status": "verified"}, format="json"
    )
    assert response.status_code == 400


def test_anonymous_cannot_create_an_organization(api):
    assert api.post("/api/v1/organizations/", NEW_ORG, format="json").status_code == 401


def test_only_owners_update(org, owner):
    editor = token_client(MembershipFactory(organization=org, role="editor").user)
    assert (
        editor.patch("/api/v1/organizations/acme/", {"name": "X"}, format="json").status_code == 403
    )
    response = token_client(owner).patch(
        "/api/v1/organizations/acme/", {"description": "Shelters."}, format="json"
    )
    assert response.status_code == 200
    assert Organization.objects.get(slug="acme").description == "Shelters."


def test_verification_request_and_moderation(owner, org, moderator):
    org.verification_status = "unverified"
    org.save()
    client = token_client(owner)
    response = client.post("/api/v1/organizations/acme/request-verification/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["verification_status"] == "pending"
    # Owners cannot decide; moderators must give reasons to reject or suspend.
    assert client.post("/api/v1/organizations/acme/verify/", {}, format="json").status_code == 403
    missing_reason = moderator.post("/api/v1/organizations/acme/reject/", {}, format="json")
    assert missing_reason.status_code == 400
    assert missing_reason.json()["errors"][0]["field"] == "reason"
    response = moderator.post(
        "/api/v1/organizations/acme/reject/", {"reason": "No website."}, format="json"
    )
    assert response.json()["verification_status"] == "unverified"
    assert client.get("/api/v1/organizations/acme/").json()["verification_reason"] == "No website."
    assert (
        token_client(UserFactory()).get("/api/v1/organizations/acme/").json()["verification_reason"]
        is None
    )
    response = moderator.post("/api/v1/organizations/acme/verify/", {}, format="json")
    assert response.json()["verification_status"] == "verified"
    response = moderator.post(
        "/api/v1/organizations/acme/suspend/", {"reason": "Abuse."}, format="json"
    )
    assert response.json()["verification_status"] == "suspended"
    # A suspended organization disappears for outsiders, not for its members.
    assert token_client(UserFactory()).get("/api/v1/organizations/acme/").status_code == 404
    assert client.get("/api/v1/organizations/acme/").status_code == 200


def test_organization_filters(org):
    OrganizationFactory(slug="police", sector="law_enforcement", country="FR")
    client = token_client(UserFactory())
    slugs = [
        o["slug"]
        for o in client.get("/api/v1/organizations/", {"sector": "law_enforcement"}).json()[
            "results"
        ]
    ]
    assert slugs == ["police"]
    slugs = [
        o["slug"] for o in client.get("/api/v1/organizations/", {"country": "fr"}).json()["results"]
    ]
    assert slugs == ["police"]


def test_memberships_are_seen_by_members_and_managed_by_owners(org, owner):
    editor_membership = MembershipFactory(organization=org, role="editor")
    MembershipFactory(organization=OrganizationFactory(slug="elsewhere"))
    editor = token_client(editor_membership.user)
    ids = {m["id"] for m in editor.get("/api/v1/memberships/").json()["results"]}
    assert ids == set(Membership.objects.filter(organization=org).values_list("pk", flat=True))
    url = f"/api/v1/memberships/{editor_membership.pk}/"
    assert editor.patch(url, {"role": "owner"}, format="json").status_code == 403
    owner_client = token_client(owner)
    response = owner_client.patch(url, {"role": "viewer"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "viewer"
    assert owner_client.patch(url, {"role": "emperor"}, format="json").status_code == 400
    assert owner_client.delete(url).status_code == 204
    assert token_client(UserFactory()).get("/api/v1/memberships/").json()["results"] == []


def test_the_last_owner_is_protected(org, owner):
    client = token_client(owner)
    own = Membership.objects.get(user=owner, organization=org)
    response = client.patch(f"/api/v1/memberships/{own.pk}/", {"role": "editor"}, format="json")
    assert response.status_code == 400
    assert client.delete(f"/api/v1/memberships/{own.pk}/").status_code == 400
    assert Membership.objects.get(pk=own.pk).role == "owner"


def test_a_member_may_leave(org):
    membership = MembershipFactory(organization=org, role="viewer")
    client = token_client(membership.user)
    assert client.delete(f"/api/v1/memberships/{membership.pk}/").status_code == 204


def test_membership_if_match(org, owner):
    membership = MembershipFactory(organization=org, role="editor")
    client = token_client(owner)
    url = f"/api/v1/memberships/{membership.pk}/"
    etag = client.get(url)["ETag"]
    assert (
        client.patch(url, {"role": "viewer"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    )
    assert (
        client.patch(url, {"role": "owner"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    )


def test_invitations(org, owner, django_capture_on_commit_callbacks):
    client = token_client(owner)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/api/v1/invitations/",
            {"organization": "acme", "email": "New@Example.org", "role": "editor"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "new@example.org" and body["status"] == "open"
    assert len(callbacks) == 1  # the email goes out once the invitation is committed
    invitation = Invitation.objects.get(pk=body["id"])
    viewer = token_client(MembershipFactory(organization=org, role="viewer").user)
    assert (
        viewer.post(
            "/api/v1/invitations/",
            {"organization": "acme", "email": "x@example.org"},
            format="json",
        ).status_code
        == 403
    )
    assert viewer.get(f"/api/v1/invitations/{invitation.pk}/").status_code == 404

    invitee = UserFactory(email="new@example.org")
    response = token_client(invitee).post(
        "/api/v1/invitations/accept/", {"token": invitation_token(invitation)}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["role"] == "editor"
    assert Membership.objects.filter(user=invitee, organization=org, role="editor").exists()

    second = client.post(
        "/api/v1/invitations/",
        {"organization": "acme", "email": "later@example.org"},
        format="json",
    )
    response = client.post(f"/api/v1/invitations/{second.json()['id']}/revoke/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    bad = token_client(UserFactory()).post(
        "/api/v1/invitations/accept/", {"token": "forged"}, format="json"
    )
    assert bad.status_code == 400


def test_join_requests(org, owner):
    person = UserFactory()
    client = token_client(person)
    response = client.post(
        "/api/v1/join-requests/",
        {"organization": "acme", "message": "I volunteer there."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    request_id = response.json()["id"]
    assert (
        client.post("/api/v1/join-requests/", {"organization": "acme"}, format="json").status_code
        == 400
    )
    assert client.get(f"/api/v1/join-requests/{request_id}/").status_code == 200
    assert (
        client.post(f"/api/v1/join-requests/{request_id}/approve/", {}, format="json").status_code
        == 403
    )
    other = token_client(UserFactory())
    assert other.get(f"/api/v1/join-requests/{request_id}/").status_code == 404
    response = token_client(owner).post(
        f"/api/v1/join-requests/{request_id}/approve/", {"role": "editor"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert Membership.objects.get(user=person, organization=org).role == "editor"

    late = UserFactory()
    jr = (
        token_client(late)
        .post("/api/v1/join-requests/", {"organization": "acme"}, format="json")
        .json()["id"]
    )
    response = token_client(owner).post(f"/api/v1/join-requests/{jr}/decline/", {}, format="json")
    assert response.json()["status"] == "declined"
    assert JoinRequest.objects.get(pk=jr).status == "declined"
