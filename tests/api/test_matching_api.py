"""API: /needs/{slug}/matches/, /needs/{slug}/cosignatures/ and /tool-pair-reviews/.

404 for a need the caller may not see, 401 for anonymous writes, 403 when the caller sees
the need but may not act, 400 with field errors for bad input."""

from __future__ import annotations

import pytest

from registry.models.matching import NeedCosignature, NeedToolMatch, ToolPairReview
from tests.access.world import READS, ROLES, UPDATES, VISIBILITIES, build_world
from tests.factories import (
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

from .conftest import client_for


@pytest.fixture
def world():
    world = build_world()
    world.law = world.users["other_matching_sector"].memberships.get().organization
    world.outside_tool = ToolFactory(slug="outside-tool", name="Outside Tool")
    return world


def _expected(role: str, allowed: bool, visible: bool, created: int = 201) -> int:
    if role == "anonymous":
        return 401
    return created if allowed else 403 if visible else 404


def _fields(response) -> set:
    return {error["field"] for error in response.json()["errors"]}


# --- Matches --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_post_match_matrix(world, role, visibility):
    need = world.needs[visibility]
    api = client_for(world.users[role])
    allowed = visibility in UPDATES.get(role, set())

    response = api.post(
        f"/api/v1/needs/{need.slug}/matches/",
        {"tool": "outside-tool", "decision": "confirmed"},
        format="json",
    )

    assert response.status_code == _expected(role, allowed, visibility in READS[role])
    assert NeedToolMatch.objects.filter(need=need).exists() is allowed
    if allowed:
        body = response.json()
        assert body["tool"] == "outside-tool" and body["decision"] == "confirmed"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_delete_match_matrix(world, role, visibility):
    need = world.needs[visibility]
    NeedToolMatch.objects.create(need=need, tool=world.outside_tool, decision="dismissed")
    allowed = visibility in UPDATES.get(role, set())

    response = client_for(world.users[role]).delete(
        f"/api/v1/needs/{need.slug}/matches/outside-tool/"
    )

    assert response.status_code == _expected(role, allowed, visibility in READS[role], 204)
    assert NeedToolMatch.objects.filter(need=need).exists() is not allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_get_matches_is_a_read_of_the_need(world, role, visibility):
    need = world.needs[visibility]
    response = client_for(world.users[role]).get(f"/api/v1/needs/{need.slug}/matches/")
    assert response.status_code == (200 if visibility in READS[role] else 404)


@pytest.fixture
def referral():
    text = "Secure referral sharing between shelters and police for trafficking survivors."
    need = NeedFactory(slug="referrals", title="Referral sharing for shelters", description=text)
    editor = MembershipFactory(organization=need.organization, role="editor").user
    tools = [
        ToolFactory(
            slug=f"bridge-{n}",
            name=f"Referral Bridge {n}",
            summary="Referral sharing between shelters and police.",
            description=text,
            functions=["information_sharing"],
        )
        for n in range(3)
    ]
    return need, editor, tools


def test_decisions_and_suggestions(referral):
    need, editor, tools = referral
    api = client_for(editor)
    url = f"/api/v1/needs/{need.slug}/matches/"
    before = api.get(url).json()
    assert {s["tool"] for s in before["suggestions"]} >= {"bridge-0", "bridge-1"}
    assert before["decisions"] == []

    created = api.post(url, {"tool": "bridge-0", "decision": "dismissed"}, format="json")
    repeated = api.post(url, {"tool": "bridge-0", "decision": "dismissed"}, format="json")
    confirmed = api.post(url, {"tool": "bridge-1", "decision": "confirmed"}, format="json")

    assert (created.status_code, repeated.status_code, confirmed.status_code) == (201, 200, 201)
    assert NeedToolMatch.objects.count() == 2
    mine = api.get(url).json()
    assert [(d["tool"], d["decision"]) for d in mine["decisions"]] == [
        ("bridge-1", "confirmed"),
        ("bridge-0", "dismissed"),
    ]
    assert mine["decisions"][0]["decided_by"] == need.organization.name
    suggested = {s["tool"] for s in mine["suggestions"]}
    assert "bridge-0" not in suggested and "bridge-1" not in suggested
    public = client_for(None).get(url).json()
    assert [d["tool"] for d in public["decisions"]] == ["bridge-1"]  # no dismissals shown
    assert "bridge-0" not in {s["tool"] for s in public["suggestions"]}

    assert api.delete(f"{url}bridge-0/").status_code == 204
    assert api.delete(f"{url}bridge-0/").status_code == 404
    assert "bridge-0" in {s["tool"] for s in api.get(url).json()["suggestions"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tool": "bridge-0", "decision": "maybe"}, "decision"),
        ({"tool": "no-such-tool", "decision": "confirmed"}, "tool"),
        ({"tool": "hidden-tool", "decision": "confirmed"}, "tool"),
        ({"decision": "confirmed"}, "tool"),
        ({"tool": "bridge-0", "decision": "confirmed", "score": 1}, "score"),
    ],
)
def test_bad_match_input_is_a_400_with_the_field(referral, body, field):
    need, editor, _tools = referral
    ToolFactory(slug="hidden-tool", visibility="private")
    response = client_for(editor).post(f"/api/v1/needs/{need.slug}/matches/", body, format="json")
    assert response.status_code == 400
    assert field in _fields(response)
    assert not NeedToolMatch.objects.exists()


def test_a_confirmed_tool_the_caller_may_not_see_is_left_out(referral):
    need, editor, _tools = referral
    private = ToolFactory(organization=need.organization, slug="inner", visibility="private")
    NeedToolMatch.objects.create(need=need, tool=private, decision="confirmed")
    url = f"/api/v1/needs/{need.slug}/matches/"

    assert [d["tool"] for d in client_for(editor).get(url).json()["decisions"]] == ["inner"]
    outsider = client_for(MembershipFactory(role="owner").user)
    assert outsider.get(url).json()["decisions"] == []
    # A moderator decides on the public need but does not see the private tool.
    moderator = client_for(UserFactory(groups=["moderator"]))
    assert moderator.get(url).json()["decisions"] == []
    assert moderator.delete(f"{url}inner/").status_code == 404
    assert NeedToolMatch.objects.filter(tool=private).exists()


# --- Co-signatures --------------------------------------------------------------------------

COSIGNERS = {"other_matching_sector", "other_sector"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_post_cosignature_matrix(world, role, visibility):
    need = world.needs[visibility]
    user = world.users[role]
    membership = user.memberships.first() if getattr(user, "is_authenticated", False) else None
    organization = membership.organization if membership else world.law
    visible = visibility in READS[role]
    allowed = role in COSIGNERS and visible

    response = client_for(user).post(
        f"/api/v1/needs/{need.slug}/cosignatures/",
        {"organization": organization.slug, "note": "Us too"},
        format="json",
    )

    assert response.status_code == _expected(role, allowed, visible)
    assert NeedCosignature.objects.filter(need=need).exists() is allowed
    if allowed:
        assert response.json()["organization"] == organization.slug


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_delete_cosignature_matrix(world, role, visibility):
    need = world.needs[visibility]
    NeedCosignature.objects.create(need=need, organization=world.law)
    visible = visibility in READS[role]
    allowed = role in {"other_matching_sector", "administrator"} and visible

    response = client_for(world.users[role]).delete(
        f"/api/v1/needs/{need.slug}/cosignatures/{world.law.slug}/"
    )

    assert response.status_code == _expected(role, allowed, visible, 204)
    assert NeedCosignature.objects.filter(need=need).exists() is not allowed


@pytest.fixture
def cosigning():
    need = NeedFactory(slug="shared-need")
    MembershipFactory(organization=need.organization, role="owner")
    org = OrganizationFactory(slug="harbour", name="Harbour House")
    user = MembershipFactory(organization=org, role="editor").user
    return need, org, client_for(user)


def test_cosign_twice_then_list_and_withdraw(cosigning):
    need, org, api = cosigning
    url = f"/api/v1/needs/{need.slug}/cosignatures/"

    first = api.post(url, {"organization": "harbour"}, format="json")
    second = api.post(url, {"organization": "harbour", "note": "Also here."}, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    listed = client_for(None).get(url).json()
    assert [(c["organization"], c["note"]) for c in listed] == [("harbour", "Also here.")]
    assert api.delete(f"{url}harbour/").status_code == 204
    assert api.delete(f"{url}harbour/").status_code == 404
    assert client_for(None).get(url).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"organization": "no-such-org"}, "organization"),
        ({"organization": "someone-else"}, "organization"),
        ({"organization": "harbour", "note": "x" * 501}, "note"),
        ({"note": "hello"}, "organization"),
        ({"organization": "harbour", "extra": 1}, "extra"),
    ],
)
def test_bad_cosignature_input_is_a_400_with_the_field(cosigning, body, field):
    need, _org, api = cosigning
    OrganizationFactory(slug="someone-else")
    response = api.post(f"/api/v1/needs/{need.slug}/cosignatures/", body, format="json")
    assert response.status_code == 400
    assert field in _fields(response)
    assert not NeedCosignature.objects.exists()


def test_a_closed_need_is_not_cosigned(cosigning):
    need, _org, api = cosigning
    need.status = "closed"
    need.save()
    response = api.post(
        f"/api/v1/needs/{need.slug}/cosignatures/", {"organization": "harbour"}, format="json"
    )
    assert response.status_code == 400
    assert not NeedCosignature.objects.exists()


# --- Tool pair reviews ----------------------------------------------------------------------


@pytest.fixture
def pair():
    return ToolFactory(slug="pair-a"), ToolFactory(slug="pair-b")


def test_a_moderator_records_reviews_and_undoes_a_verdict(pair):
    api = client_for(UserFactory(groups=["moderator"]))
    body = {"first_tool": "pair-b", "second_tool": "pair-a", "verdict": "duplicate"}

    created = api.post("/api/v1/tool-pair-reviews/", body, format="json")
    repeated = api.post("/api/v1/tool-pair-reviews/", body, format="json")

    assert (created.status_code, repeated.status_code) == (201, 200)
    data = created.json()
    assert (data["first_tool"], data["second_tool"], data["verdict"]) == (
        "pair-a",
        "pair-b",
        "duplicate",
    )
    assert [r["id"] for r in api.get("/api/v1/tool-pair-reviews/").json()] == [data["id"]]
    assert api.delete(f"/api/v1/tool-pair-reviews/{data['id']}/").status_code == 204
    assert api.delete(f"/api/v1/tool-pair-reviews/{data['id']}/").status_code == 404
    assert not ToolPairReview.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("registered", 403), ("owner", 403)]
)
def test_pair_reviews_are_for_moderators(pair, who, status):
    user = {
        "anonymous": None,
        "registered": UserFactory(),
        "owner": MembershipFactory(organization=pair[0].organization, role="owner").user,
    }[who]
    api = client_for(user)
    body = {"first_tool": "pair-a", "second_tool": "pair-b", "verdict": "distinct"}
    assert api.post("/api/v1/tool-pair-reviews/", body, format="json").status_code == status
    assert api.get("/api/v1/tool-pair-reviews/").status_code == status
    assert not ToolPairReview.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_tool": "pair-a", "second_tool": "pair-a", "verdict": "duplicate"}, "second_tool"),
        ({"first_tool": "pair-a", "second_tool": "secret", "verdict": "duplicate"}, "second_tool"),
        ({"first_tool": "pair-a", "second_tool": "pair-b", "verdict": "same"}, "verdict"),
        ({"first_tool": "pair-a", "verdict": "distinct"}, "second_tool"),
    ],
)
def test_bad_pair_review_input_is_a_400_with_the_field(pair, body, field):
    ToolFactory(slug="secret", visibility="private")
    api = client_for(UserFactory(groups=["moderator"]))
    response = api.post("/api/v1/tool-pair-reviews/", body, format="json")
    assert response.status_code == 400
    assert field in _fields(response)
    assert not ToolPairReview.objects.exists()


def test_a_review_of_a_tool_the_moderator_cannot_see_is_not_listed_or_undone():
    admin = client_for(UserFactory(groups=["administrator"]))
    ToolFactory(slug="open-tool")
    ToolFactory(slug="private-tool", visibility="private")
    created = admin.post(
        "/api/v1/tool-pair-reviews/",
        {"first_tool": "open-tool", "second_tool": "private-tool", "verdict": "distinct"},
        format="json",
    )
    assert created.status_code == 201
    moderator = client_for(UserFactory(groups=["moderator"]))
    assert moderator.get("/api/v1/tool-pair-reviews/").json() == []
    review_id = created.json()["id"]
    assert moderator.delete(f"/api/v1/tool-pair-reviews/{review_id}/").status_code == 404
    assert ToolPairReview.objects.exists()
