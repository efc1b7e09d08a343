"""Who may let more people read a restricted record: its organization's editors and owners,
and administrators. Moderators may narrow it (or hide it), never widen it, through the
service, the edit page or the API alike; a refusal is a field error on visibility (a form
error, a 400), never a 500.

Widening: to a level readable by more people (private < restricted < verified < registered
< public), or a restricted record opened to a sector it did not name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import permissions
from registry import services
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory

SECTORS = ["government", "law_enforcement"]
# change -> (visibility, restricted_to_sectors) asked for, from restricted to SECTORS.
CHANGES = {
    "widen_to_verified": ("verified", []),
    "widen_to_public": ("public", []),
    "widen_to_another_sector": ("restricted", [*SECTORS, "ngo"]),
    "narrow_to_one_sector": ("restricted", ["law_enforcement"]),
}
ROLES = ["moderator", "administrator", "owner", "editor"]


def _allowed(role: str, change: str) -> bool:
    return role != "moderator" or change.startswith("narrow")


@pytest.fixture
def organization():
    return OrganizationFactory(sector="law_enforcement")


@pytest.fixture
def tool(organization):
    return ToolFactory(
        organization=organization,
        slug="port-watch",
        visibility="restricted",
        restricted_to_sectors=SECTORS,
    )


def _person(role: str, organization):
    if role in ("owner", "editor"):
        return MembershipFactory(organization=organization, role=role).user
    if role == "administrator":
        return UserFactory(is_superuser=True)
    return UserFactory(groups=["moderator"])


def _state(tool) -> tuple[str, list[str]]:
    tool.refresh_from_db()
    return tool.visibility, tool.facet_codes("restricted_to_sectors")


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("role", ROLES)
def test_widening_a_restricted_tool_through_the_service(role, change, tool, organization):
    person = _person(role, organization)
    visibility, sectors = CHANGES[change]

    def update():
        services.tool_update(
            actor=person, tool=tool, visibility=visibility, restricted_to_sectors=sectors
        )

    if _allowed(role, change):
        update()
        assert _state(tool) == (visibility, sorted(sectors))
    else:
        with pytest.raises(ValidationError) as refused:
            update()
        assert set(refused.value.message_dict) & {"visibility", "restricted_to_sectors"}
        assert _state(tool) == ("restricted", SECTORS)


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("role", ROLES)
def test_widening_a_restricted_tool_through_the_edit_page(client, role, change, tool, organization):
    person = _person(role, organization)
    visibility, sectors = CHANGES[change]
    client.force_login(person)
    data = {
        "name": tool.name,
        "summary": tool.summary,
        "description": tool.description,
        "availability": tool.availability,
        "maturity": tool.maturity,
        "visibility": visibility,
        "purposes": tool.facet_codes("purposes"),
        "functions": tool.facet_codes("functions"),
        "restricted_to_sectors": sectors,
        "save": "1",
    }

    response = client.post(reverse("registry:tool-edit", args=[tool.slug]), data)

    if _allowed(role, change):
        assert response.status_code == 302, response.content.decode()[:2000]
        assert _state(tool) == (visibility, sorted(sectors))
    else:
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert set(errors) & {"visibility", "restricted_to_sectors"}, errors
        assert _state(tool) == ("restricted", SECTORS)


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("role", ROLES)
def test_widening_a_restricted_tool_through_the_api(role, change, tool, organization):
    person = _person(role, organization)
    visibility, sectors = CHANGES[change]
    client = APIClient()
    client.force_authenticate(person)

    response = client.patch(
        f"/api/v1/tools/{tool.slug}/",
        {"visibility": visibility, "restricted_to_sectors": sectors},
        format="json",
    )

    if _allowed(role, change):
        assert response.status_code == 200, response.json()
        assert _state(tool) == (visibility, sorted(sectors))
    else:
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["type"] == "validation_error"
        assert {e["field"] for e in body["errors"]} & {"visibility", "restricted_to_sectors"}
        assert _state(tool) == ("restricted", SECTORS)


def test_a_moderator_still_hides_a_restricted_tool(tool):
    moderator = UserFactory(groups=["moderator"])

    services.record_hide(actor=moderator, record=tool, hidden=True, reason="Misleading.")

    tool.refresh_from_db()
    assert tool.is_hidden


def test_a_moderator_may_not_widen_a_need_either(organization):
    need = services.need_create(
        actor=MembershipFactory(organization=organization, role="editor").user,
        organization=organization,
        title="Port intelligence sharing",
        description="We need a way to share port intelligence.",
        visibility="restricted",
        restricted_to_sectors=SECTORS,
        functions=["information_sharing"],
    )

    with pytest.raises(ValidationError):
        services.need_update(
            actor=UserFactory(groups=["moderator"]),
            need=need,
            visibility="registered",
            restricted_to_sectors=[],
        )
    need.refresh_from_db()
    assert need.visibility == "restricted"


@pytest.mark.parametrize(
    "before, before_sectors, after, after_sectors, widens",
    [
        ("private", [], "restricted", ["ngo"], True),
        ("restricted", ["ngo"], "verified", [], True),
        ("verified", [], "registered", [], True),
        ("registered", [], "public", [], True),
        ("public", [], "private", [], False),
        ("verified", [], "restricted", ["ngo"], False),
        ("restricted", ["ngo"], "restricted", ["ngo", "government"], True),
        ("restricted", ["ngo", "government"], "restricted", ["ngo"], False),
        ("restricted", ["ngo"], "restricted", ["ngo"], False),
    ],
)
def test_what_widens_a_records_visibility(before, before_sectors, after, after_sectors, widens):
    assert permissions.widens_visibility(before, before_sectors, after, after_sectors) is widens


@pytest.mark.parametrize("role, allowed", [("moderator", False), ("administrator", True)])
def test_widening_a_restricted_tool_through_the_admin(rf, role, allowed, tool, organization):
    from django.contrib import admin

    from registry.models import Tool

    person = _person(role, organization)
    person.is_staff = True
    person.save()
    request = rf.post("/")
    request.user = person
    form_class = admin.site._registry[Tool].get_form(request, tool, change=True)
    unchanged = form_class(instance=tool)
    data = {name: unchanged[name].value() for name in unchanged.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update(visibility="public", restricted_to_sectors=[])

    form = form_class(data=data, instance=tool)

    assert form.is_valid() is allowed, form.errors
    if not allowed:
        assert "visibility" in form.errors
