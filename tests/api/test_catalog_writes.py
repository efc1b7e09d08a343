"""Writes to tools, needs, tool uses, licence offers and requests go through the services;
answers carry ETags; If-Match detects concurrent edits."""

from __future__ import annotations

import pytest

from accounts.models import AccessLogEntry
from registry.models import LicenseRequest, Need, Tool, ToolUse
from tests.factories import (
    LicenseOfferFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    ToolUseFactory,
)

from .conftest import token_client


@pytest.fixture
def org():
    return OrganizationFactory(slug="acme", sector="private_sector")


@pytest.fixture
def editor(org):
    return MembershipFactory(organization=org, role="editor").user


@pytest.fixture
def client(editor):
    return token_client(editor)


TOOL = {
    "organization": "acme",
    "name": "Shelter Finder",
    "summary": "Finds free shelter beds.",
    "purposes": ["support"],
    "functions": ["survivor_services", "mapping"],
    "regions": ["KE", "global"],
    "availability": "open_source",
    "maturity": "deployed",
}


def test_create_tool_returns_the_record_with_location_and_etag(client):
    response = client.post("/api/v1/tools/", TOOL, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "shelter-finder"
    assert body["url"] == "http://testserver/tools/shelter-finder/"
    assert body["organization"]["slug"] == "acme"
    assert sorted(body["functions"]) == ["mapping", "survivor_services"]
    assert sorted(body["regions"]) == ["KE", "global"]
    assert body["visibility"] == "public"
    assert response["Location"] == "http://testserver/api/v1/tools/shelter-finder/"
    assert response["ETag"].startswith('"')
    tool = Tool.objects.get(slug="shelter-finder")
    assert tool.last_reviewed_at is not None  # set by the service, not the serializer


def test_restricted_tool_needs_sectors_and_keeps_them(client):
    response = client.post(
        "/api/v1/tools/",
        {**TOOL, "visibility": "restricted", "restricted_to_sectors": ["law_enforcement"]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["restricted_to_sectors"] == ["law_enforcement"]


def test_viewer_may_not_create_for_their_organization(org):
    viewer = token_client(MembershipFactory(organization=org, role="viewer").user)
    assert viewer.post("/api/v1/tools/", TOOL, format="json").status_code == 403


def test_nobody_creates_for_an_organization_they_do_not_belong_to(editor):
    OrganizationFactory(slug="elsewhere")
    response = token_client(editor).post(
        "/api/v1/tools/", {**TOOL, "organization": "elsewhere"}, format="json"
    )
    assert response.status_code == 403


def test_put_replaces_and_patch_changes_some_fields(client, org):
    tool = ToolFactory(organization=org, slug="t1")
    url = "/api/v1/tools/t1/"
    put = {k: v for k, v in TOOL.items() if k != "organization"}
    response = client.put(url, put, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Shelter Finder"
    assert client.put(url, {"name": "Only a name"}, format="json").status_code == 400
    response = client.patch(url, {"maturity": "pilot"}, format="json")
    assert response.status_code == 200
    tool.refresh_from_db()
    assert (tool.name, tool.maturity) == ("Shelter Finder", "pilot")
    assert tool.slug == "t1"


def test_organization_is_not_changed_through_patch(client, org):
    ToolFactory(organization=org, slug="t1")
    response = client.patch("/api/v1/tools/t1/", {"organization": "other"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "organization"


def test_if_match_detects_a_concurrent_edit(client, org):
    ToolFactory(organization=org, slug="t1")
    url = "/api/v1/tools/t1/"
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url)["ETag"] == etag  # stable while nothing changes
    ok = client.patch(url, {"summary": "First edit."}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok["ETag"] != etag
    stale = client.patch(url, {"summary": "Second edit."}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["type"] == "precondition_failed"
    assert Tool.objects.get(slug="t1").summary == "First edit."
    assert client.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert (
        client.patch(
            url, {"summary": "Third."}, format="json", HTTP_IF_MATCH=f'W/{ok["ETag"]}, "other"'
        ).status_code
        == 200
    )
    assert (
        client.patch(url, {"summary": "Any."}, format="json", HTTP_IF_MATCH="*").status_code == 200
    )
    # Without If-Match the write is accepted (documented).
    assert client.patch(url, {"summary": "Blind."}, format="json").status_code == 200
    current = client.get(url)["ETag"]
    assert client.delete(url, HTTP_IF_MATCH=current).status_code == 204


def test_an_editor_cannot_move_a_tool_out_of_reach_a_failed_write_changes_nothing(client, org):
    tool = ToolFactory(organization=org, slug="t1", summary="Before.")
    response = client.patch(
        "/api/v1/tools/t1/", {"summary": "After.", "functions": ["nope"]}, format="json"
    )
    assert response.status_code == 400
    tool.refresh_from_db()
    assert tool.summary == "Before."


def test_mark_reviewed(client, org, editor):
    tool = ToolFactory(organization=org, slug="t1", last_reviewed_at=None)
    response = client.post("/api/v1/tools/t1/mark-reviewed/", {}, format="json")
    assert response.status_code == 200
    tool.refresh_from_db()
    assert tool.last_reviewed_at is not None
    viewer = token_client(MembershipFactory(organization=org, role="viewer").user)
    assert viewer.post("/api/v1/tools/t1/mark-reviewed/").status_code == 403


def test_need_create_update_delete(client, editor):
    response = client.post(
        "/api/v1/needs/",
        {
            "organization": "acme",
            "title": "Referral tracking",
            "description": "Paper forms.",
            "functions": ["case_management"],
            "urgency": "high",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    slug = response.json()["slug"]
    need = Need.objects.get(slug=slug)
    assert need.created_by == editor
    response = client.patch(f"/api/v1/needs/{slug}/", {"status": "met"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "met"
    assert client.delete(f"/api/v1/needs/{slug}/").status_code == 204
    assert not Need.objects.filter(slug=slug).exists()


def test_shares_list_add_and_remove(client, org):
    ToolFactory(organization=org, slug="t1", visibility="private")
    partner = OrganizationFactory(slug="partner", sector="ngo")
    partner_client = token_client(MembershipFactory(organization=partner).user)
    assert partner_client.get("/api/v1/tools/t1/").status_code == 404
    assert client.get("/api/v1/tools/t1/shares/").json() == []
    response = client.post("/api/v1/tools/t1/shares/", {"organization": "partner"}, format="json")
    assert response.status_code == 201
    assert response.json()["organization"]["slug"] == "partner"
    assert [s["organization"]["slug"] for s in client.get("/api/v1/tools/t1/shares/").json()] == [
        "partner"
    ]
    assert partner_client.get("/api/v1/tools/t1/").status_code == 200
    # The partner reads but does not manage shares.
    assert partner_client.get("/api/v1/tools/t1/shares/").status_code == 403
    assert client.delete("/api/v1/tools/t1/shares/partner/").status_code == 204
    assert client.delete("/api/v1/tools/t1/shares/partner/").status_code == 404
    assert partner_client.get("/api/v1/tools/t1/").status_code == 404


def test_sharing_a_record_with_its_own_organization_is_refused(client, org):
    NeedFactory(organization=org, slug="n1", visibility="private")
    response = client.post("/api/v1/needs/n1/shares/", {"organization": "acme"}, format="json")
    assert response.status_code == 400


def test_tool_uses(client, org):
    tool = ToolFactory(slug="other-tool")
    response = client.post(
        "/api/v1/tool-uses/",
        {
            "tool": "other-tool",
            "organization": "acme",
            "since": "2024-03-01",
            "notes": "Used in two shelters.",
            "visibility": "registered",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tool"]["slug"] == "other-tool" and body["organization"]["slug"] == "acme"
    use_id = body["id"]
    assert response["Location"].endswith(f"/api/v1/tool-uses/{use_id}/")
    again = client.post(
        "/api/v1/tool-uses/", {"tool": "other-tool", "organization": "acme"}, format="json"
    )
    assert again.status_code == 400
    response = client.patch(f"/api/v1/tool-uses/{use_id}/", {"notes": "Now three."}, format="json")
    assert response.status_code == 200 and response.json()["notes"] == "Now three."
    assert (
        client.get("/api/v1/tool-uses/", {"tool": "other-tool"}).json()["results"][0]["id"]
        == use_id
    )
    assert client.delete(f"/api/v1/tool-uses/{use_id}/").status_code == 204
    assert not ToolUse.objects.filter(tool=tool).exists()


def test_licence_offer_request_and_decision_workflow(client, org):
    tool = ToolFactory(organization=org, slug="t1")
    response = client.post(
        "/api/v1/license-offers/",
        {
            "tool": "t1",
            "title": "Free for shelters",
            "terms": "free",
            "eligible_sectors": ["ngo"],
            "seats": 1,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    offer_slug = response.json()["slug"]
    assert response.json()["url"] == "http://testserver/tools/t1/"
    response = client.patch(
        f"/api/v1/license-offers/{offer_slug}/", {"conditions": "Non-profits only."}, format="json"
    )
    assert response.status_code == 200

    ngo = OrganizationFactory(slug="shelter", sector="ngo")
    ngo_editor = token_client(MembershipFactory(organization=ngo, role="editor").user)
    firm = OrganizationFactory(slug="firm", sector="private_sector")
    firm_editor = token_client(MembershipFactory(organization=firm, role="editor").user)

    refused = firm_editor.post(
        "/api/v1/license-requests/", {"offer": offer_slug, "organization": "firm"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "sector_not_eligible"

    response = ngo_editor.post(
        "/api/v1/license-requests/",
        {"offer": offer_slug, "organization": "shelter", "message": "Please."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    request_id = response.json()["id"]
    # The requester may not decide; the firm may not even see the request.
    assert (
        ngo_editor.post(
            f"/api/v1/license-requests/{request_id}/approve/", {}, format="json"
        ).status_code
        == 403
    )
    assert (
        firm_editor.post(
            f"/api/v1/license-requests/{request_id}/approve/", {}, format="json"
        ).status_code
        == 404
    )
    response = client.post(
        f"/api/v1/license-requests/{request_id}/approve/", {"note": "Welcome."}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert ToolUse.objects.filter(tool=tool, organization=ngo).exists()
    again = client.post(f"/api/v1/license-requests/{request_id}/decline/", {}, format="json")
    assert again.status_code == 400
    assert LicenseRequest.objects.get(pk=request_id).status == "approved"


def test_licence_request_withdraw_and_decline(client, org):
    offer = LicenseOfferFactory(tool=ToolFactory(organization=org))
    ngo = OrganizationFactory(sector="ngo")
    ngo_client = token_client(MembershipFactory(organization=ngo, role="editor").user)
    first = ngo_client.post(
        "/api/v1/license-requests/", {"offer": offer.slug, "organization": ngo.slug}, format="json"
    )
    assert (
        ngo_client.post(
            f"/api/v1/license-requests/{first.json()['id']}/withdraw/", {}, format="json"
        ).json()["status"]
        == "withdrawn"
    )
    second = ngo_client.post(
        "/api/v1/license-requests/", {"offer": offer.slug, "organization": ngo.slug}, format="json"
    )
    assert (
        client.post(
            f"/api/v1/license-requests/{second.json()['id']}/decline/",
            {"note": "No seats left."},
            format="json",
        ).json()["status"]
        == "declined"
    )
    assert (
        client.post(
            f"/api/v1/license-requests/{second.json()['id']}/withdraw/", {}, format="json"
        ).status_code
        == 403
    )


def test_anonymous_may_not_list_licence_requests(api):
    assert api.get("/api/v1/license-requests/").status_code == 401


def test_reads_of_restricted_records_by_outsiders_are_logged(org):
    tool = ToolFactory(
        organization=org,
        slug="t1",
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
    )
    police = OrganizationFactory(sector="law_enforcement")
    reader = token_client(MembershipFactory(organization=police).user)
    assert reader.get("/api/v1/tools/t1/").status_code == 200
    assert reader.get("/api/v1/tools/").status_code == 200
    entries = AccessLogEntry.objects.filter(record_type="tool", record_id=tool.pk)
    assert entries.count() == 2
    assert set(entries.values_list("surface", flat=True)) == {"api"}


def test_write_with_session_requires_csrf(editor, org):
    from rest_framework.test import APIClient

    ToolFactory(organization=org, slug="t1")
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(editor)
    assert session.get("/api/v1/tools/t1/").status_code == 200
    refused = session.patch("/api/v1/tools/t1/", {"summary": "x"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["type"] == "permission_denied"
    session.get("/api/v1/tools/t1/")
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    session.cookies["csrftoken"] = token
    accepted = session.patch(
        "/api/v1/tools/t1/", {"summary": "x"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200


def test_tool_use_of_a_hidden_tool_is_hidden_even_if_the_use_is_public(org):
    hidden_tool = ToolFactory(visibility="private")
    use = ToolUseFactory(tool=hidden_tool, organization=org, visibility="public")
    outsider = token_client(MembershipFactory().user)
    assert outsider.get(f"/api/v1/tool-uses/{use.pk}/").status_code == 404
