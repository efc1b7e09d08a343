"""Guessing the slug or id of a record one may not see gets the same 404 as guessing one that
does not exist, on every endpoint and every method: reads, writes and actions alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import tokens
from accounts.models import Invitation, JoinRequest
from accounts.permissions import grant_share
from tests.factories import (
    LicenseOfferFactory,
    LicenseRequestFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    ToolUseFactory,
    UserFactory,
)

from .conftest import token_client


@pytest.fixture
def hidden():
    """Records of two organizations the outsider has nothing to do with."""
    owner_org = OrganizationFactory(slug="owner-org", sector="ngo")
    other_org = OrganizationFactory(slug="other-org", sector="government")
    owner = MembershipFactory(organization=owner_org, role="owner").user
    partner = OrganizationFactory(slug="partner-org")
    tool = ToolFactory(organization=owner_org, slug="secret-tool", visibility="private")
    grant_share(tool, partner)
    need = NeedFactory(organization=owner_org, slug="secret-need", visibility="private")
    public_tool = ToolFactory(organization=owner_org, slug="open-tool", visibility="public")
    use = ToolUseFactory(tool=public_tool, organization=other_org, visibility="private")
    use_of_hidden_tool = ToolUseFactory(tool=tool, organization=other_org, visibility="public")
    offer = LicenseOfferFactory(tool=tool, slug="secret-offer")
    open_offer = LicenseOfferFactory(tool=public_tool, slug="open-offer")
    request = LicenseRequestFactory(offer=open_offer, organization=other_org)
    membership = owner.memberships.get()
    invitation = Invitation.objects.create(
        organization=owner_org,
        email="someone@example.org",
        invited_by=owner,
        expires_at=timezone.now() + timedelta(days=7),
    )
    join_request = JoinRequest.objects.create(organization=owner_org, user=UserFactory())
    token, _secret = tokens.token_create(
        user=owner, name="owner's", scope="read", expires_at=timezone.now() + timedelta(days=9)
    )
    return {
        "tool": tool,
        "need": need,
        "use": use,
        "use_of_hidden_tool": use_of_hidden_tool,
        "offer": offer,
        "request": request,
        "membership": membership,
        "invitation": invitation,
        "join_request": join_request,
        "token": token,
        "partner": partner,
    }


@pytest.fixture
def outsider():
    org = OrganizationFactory(slug="outsider-org", sector="private_sector")
    return token_client(MembershipFactory(organization=org, role="owner").user)


def _attempts(h) -> list[tuple[str, str, dict | None]]:
    t, n = h["tool"].slug, h["need"].slug
    attempts = []
    for base, key in (("tools", t), ("needs", n)):
        attempts += [
            ("get", f"/api/v1/{base}/{key}/", None),
            ("put", f"/api/v1/{base}/{key}/", {}),
            ("patch", f"/api/v1/{base}/{key}/", {}),
            ("delete", f"/api/v1/{base}/{key}/", None),
            ("get", f"/api/v1/{base}/{key}/shares/", None),
            ("post", f"/api/v1/{base}/{key}/shares/", {"organization": "outsider-org"}),
            ("delete", f"/api/v1/{base}/{key}/shares/{h['partner'].slug}/", None),
        ]
    attempts += [
        ("post", f"/api/v1/tools/{t}/mark-reviewed/", {}),
        ("get", f"/api/v1/tools/{h['tool'].pk}/", None),
        ("get", f"/api/v1/needs/{h['need'].pk}/", None),
    ]
    for name, base in (
        ("use", "tool-uses"),
        ("use_of_hidden_tool", "tool-uses"),
        ("request", "license-requests"),
        ("membership", "memberships"),
        ("invitation", "invitations"),
        ("join_request", "join-requests"),
        ("token", "tokens"),
    ):
        url = f"/api/v1/{base}/{h[name].pk}/"
        attempts += [
            ("get", url, None),
            ("patch", url, {}),
            ("put", url, {}),
            ("delete", url, None),
        ]
    offer = f"/api/v1/license-offers/{h['offer'].slug}/"
    attempts += [("get", offer, None), ("patch", offer, {}), ("put", offer, {})]
    for verb in ("approve", "decline", "withdraw"):
        attempts.append(("post", f"/api/v1/license-requests/{h['request'].pk}/{verb}/", {}))
    attempts += [
        ("post", f"/api/v1/invitations/{h['invitation'].pk}/revoke/", {}),
        ("post", f"/api/v1/join-requests/{h['join_request'].pk}/approve/", {}),
        ("post", f"/api/v1/join-requests/{h['join_request'].pk}/decline/", {}),
    ]
    return attempts


def test_every_endpoint_answers_404_for_a_hidden_record(hidden, outsider):
    unexpected = []
    for method, url, body in _attempts(hidden):
        response = (
            getattr(outsider, method)(url, body, format="json")
            if body is not None
            else getattr(outsider, method)(url)
        )
        if response.status_code == 405:
            continue  # the endpoint has no such method, for any record
        if response.status_code != 404:
            unexpected.append(f"{method.upper()} {url}: {response.status_code}")
        else:
            assert response.json() == {
                "type": "not_found",
                "errors": [{"field": None, "code": "not_found", "message": "Not found."}],
            }
    assert not unexpected, unexpected


def test_a_hidden_record_and_a_missing_one_get_identical_answers(hidden, outsider):
    pairs = [
        ("/api/v1/tools/secret-tool/", "/api/v1/tools/never-was/"),
        ("/api/v1/license-offers/secret-offer/", "/api/v1/license-offers/never-was/"),
        (f"/api/v1/tool-uses/{hidden['use'].pk}/", "/api/v1/tool-uses/987654321/"),
        (f"/api/v1/memberships/{hidden['membership'].pk}/", "/api/v1/memberships/987654321/"),
    ]
    for hidden_url, missing_url in pairs:
        for method in ("get", "delete", "patch"):
            a = getattr(outsider, method)(hidden_url)
            b = getattr(outsider, method)(missing_url)
            assert (a.status_code, a.content) == (b.status_code, b.content), hidden_url


def test_references_to_hidden_records_in_bodies_are_refused_like_missing_ones(hidden, outsider):
    """Naming a hidden tool, offer or organization in a body is a 400 that reads exactly as
    for a slug that never existed (with the slug swapped)."""
    cases = [
        ("/api/v1/tool-uses/", {"tool": "{}", "organization": "outsider-org"}, "secret-tool"),
        (
            "/api/v1/license-requests/",
            {"offer": "{}", "organization": "outsider-org"},
            "secret-offer",
        ),
        ("/api/v1/license-offers/", {"tool": "{}", "title": "x", "terms": "free"}, "secret-tool"),
    ]
    for url, template, secret in cases:

        def body(slug, template=template):
            return {k: (slug if v == "{}" else v) for k, v in template.items()}

        a = outsider.post(url, body(secret), format="json")
        b = outsider.post(url, body("never-was"), format="json")
        assert a.status_code == b.status_code == 400, url
        assert a.content.replace(secret.encode(), b"X") == b.content.replace(b"never-was", b"X")


def test_lists_never_hold_hidden_records(hidden, outsider):
    by_slug = {"tools": "secret-tool", "needs": "secret-need", "license-offers": "secret-offer"}
    by_id = {
        "tool-uses": {hidden["use"].pk, hidden["use_of_hidden_tool"].pk},
        "license-requests": {hidden["request"].pk},
        "memberships": {hidden["membership"].pk},
        "invitations": {hidden["invitation"].pk},
        "join-requests": {hidden["join_request"].pk},
        "tokens": {hidden["token"].pk},
    }
    for base in list(by_slug) + list(by_id):
        response = outsider.get(f"/api/v1/{base}/", {"page_size": 100})
        assert response.status_code == 200, base
        for item in response.json()["results"]:
            if base in by_slug:
                assert item["slug"] != by_slug[base], base
            else:
                assert item["id"] not in by_id[base], base
