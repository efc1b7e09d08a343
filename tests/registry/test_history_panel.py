"""The history panel on record pages, and restoring a version from it.

Who sees the panel: those who may change the record (its organization's editors and owners,
moderators for records that are not private, administrators); nobody else, whatever the
record's visibility. Only moderators (and administrators) get "Restore this version"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import organization_update
from registry import services
from registry.models import ChangeRecord
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

MARKER = 'class="panel history"'
VISIBILITIES = ["public", "registered", "verified", "restricted", "private"]
ROLES = ["anonymous", "outsider", "viewer", "editor", "owner", "moderator", "administrator"]


def _person(role: str, organization):
    if role == "anonymous":
        return None
    if role in ("viewer", "editor", "owner"):
        return MembershipFactory(organization=organization, role=role).user
    if role in ("moderator", "administrator"):
        return UserFactory(groups=[role])
    return MembershipFactory(role="owner").user  # an owner elsewhere


def _tool(editor, organization, visibility="public", **extra):
    if visibility == "restricted":
        extra.setdefault("restricted_to_sectors", ["ngo"])
    return services.tool_create(
        actor=editor,
        organization=organization,
        name="Referral Bridge",
        summary="First summary.",
        availability="free",
        maturity="pilot",
        visibility=visibility,
        purposes=["coordinate"],
        functions=["information_sharing"],
        **extra,
    )


def _sees_tool_history(role: str, visibility: str) -> bool:
    if role in ("editor", "owner", "administrator"):
        return True
    return role == "moderator" and visibility != "private"


@pytest.fixture
def organization():
    return OrganizationFactory(sector="ngo")


@pytest.fixture
def editor(organization):
    return MembershipFactory(organization=organization, role="editor").user


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_tools_history(client, organization, editor, role, visibility):
    tool = _tool(editor, organization, visibility)
    services.tool_update(actor=editor, tool=tool, summary="Second summary.")
    person = _person(role, organization)
    if person is not None:
        client.force_login(person)
    response = client.get(tool.get_absolute_url())
    text = response.content.decode() if response.status_code == 200 else ""
    expected = _sees_tool_history(role, visibility)
    assert (MARKER in text) is expected, (role, visibility, response.status_code)
    if expected:
        assert "First summary." in text and "Second summary." in text
    else:
        assert "First summary." not in text
    assert ("Restore this version" in text) is (expected and role in ("moderator", "administrator"))


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_needs_history(client, organization, editor, role, visibility):
    need = services.need_create(
        actor=editor,
        organization=organization,
        title="Shelter referrals",
        description="We need a secure way to share referrals.",
        visibility=visibility,
        functions=["information_sharing"],
    )
    person = _person(role, organization)
    if person is not None:
        client.force_login(person)
    response = client.get(need.get_absolute_url())
    text = response.content.decode() if response.status_code == 200 else ""
    assert (MARKER in text) is _sees_tool_history(role, visibility), (role, visibility)


@pytest.mark.parametrize(
    "role, sees",
    [
        ("anonymous", False),
        ("outsider", False),
        ("viewer", False),
        ("editor", False),
        ("owner", True),
        ("moderator", True),
        ("administrator", True),
    ],
)
def test_who_sees_an_organizations_history(client, organization, role, sees):
    owner = MembershipFactory(organization=organization, role="owner").user
    organization_update(actor=owner, organization=organization, description="Old words.")
    person = _person(role, organization)
    if person is not None:
        client.force_login(person)
    text = client.get(organization.get_absolute_url()).content.decode()
    assert (MARKER in text) is sees
    if sees:  # the description appears on the page, and again in the panel, as changed
        assert "Old words." in text.split(MARKER)[1]


def test_licence_offer_history_shows_on_its_tools_page_for_those_who_may_change_it(
    client, organization, editor
):
    tool = _tool(editor, organization)
    offer = services.license_offer_create(
        actor=editor, tool=tool, title="Free for shelters", terms="free"
    )
    services.license_offer_update(actor=editor, offer=offer, conditions="Shelters only.")
    client.force_login(editor)
    text = client.get(tool.get_absolute_url()).content.decode()
    assert f"history-licence-offer-{offer.pk}-heading" in text
    assert "Shelters only." in text
    client.force_login(UserFactory(groups=["moderator"]))
    text = client.get(tool.get_absolute_url()).content.decode()
    assert MARKER in text  # the tool's history...
    assert f"history-licence-offer-{offer.pk}" not in text  # ...not the offer's


def test_entries_say_who_made_the_change(client, organization, editor):
    tool = _tool(editor, organization)
    gone = MembershipFactory(organization=organization, role="editor").user
    services.tool_update(actor=gone, tool=tool, summary="By someone who left.")
    services.tool_update(actor=None, tool=tool, summary="By a task.")
    gone.delete()
    client.force_login(editor)
    text = client.get(tool.get_absolute_url()).content.decode()
    assert f"by {editor}" in text
    assert "by a former member" in text
    assert "by the system" in text
    # A foreign key is shown by the name of the record it points to, when readable.
    assert f"<td>{organization.name}</td>" in text
    # A creation lists the values it set, not every empty field.
    assert '<th scope="row">Source code URL</th>' not in text


def test_a_moderator_restores_a_version_after_confirming(client, organization, editor):
    tool = _tool(editor, organization)
    first = ChangeRecord.objects.get(record_id=tool.pk, record_type="registry.tool")
    services.tool_update(actor=editor, tool=tool, summary="Vandalised.")
    url = reverse(
        "registry:history-restore",
        kwargs={"record_type": "tool", "record_id": tool.pk, "change_id": first.pk},
    )
    moderator = UserFactory(groups=["moderator"])
    client.force_login(moderator)
    assert url in client.get(tool.get_absolute_url()).content.decode()
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert b'method="post"' in confirm.content
    tool.refresh_from_db()
    assert tool.summary == "Vandalised."  # asking changes nothing
    response = client.post(url)
    assert response.status_code == 302
    tool.refresh_from_db()
    assert tool.summary == "First summary."
    latest = ChangeRecord.objects.filter(record_id=tool.pk, record_type="registry.tool").first()
    assert latest.action == "restored" and latest.actor == moderator


@pytest.mark.parametrize(
    "role, status", [("editor", 403), ("viewer", 404), ("outsider", 404), ("anonymous", 302)]
)
def test_others_cannot_restore(client, organization, editor, role, status):
    tool = _tool(editor, organization)
    first = ChangeRecord.objects.get(record_id=tool.pk, record_type="registry.tool")
    services.tool_update(actor=editor, tool=tool, summary="Kept.")
    url = reverse(
        "registry:history-restore",
        kwargs={"record_type": "tool", "record_id": tool.pk, "change_id": first.pk},
    )
    person = _person(role, organization) if role != "editor" else editor
    if person is not None:
        client.force_login(person)
    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    tool.refresh_from_db()
    assert tool.summary == "Kept."


def test_restore_urls_for_private_or_mismatched_records_are_404(client, organization, editor):
    private = _tool(editor, organization, "private")
    other = _tool(editor, organization)
    change = ChangeRecord.objects.get(record_id=other.pk, record_type="registry.tool")
    client.force_login(UserFactory(groups=["moderator"]))
    for record_type, record_id, change_id in [
        ("tool", private.pk, ChangeRecord.objects.get(record_id=private.pk).pk),
        ("tool", private.pk, change.pk),  # a change of another record
        ("need", other.pk, change.pk),
        ("nonsense", other.pk, change.pk),
    ]:
        url = reverse(
            "registry:history-restore",
            kwargs={"record_type": record_type, "record_id": record_id, "change_id": change_id},
        )
        assert client.post(url).status_code == 404, url


def test_a_moderator_restores_an_organization(client, organization):
    owner = MembershipFactory(organization=organization, role="owner").user
    organization_update(actor=owner, organization=organization, description="Good words.")
    good = ChangeRecord.objects.filter(record_type="accounts.organization").first()
    organization_update(actor=owner, organization=organization, description="Spam.")
    client.force_login(UserFactory(groups=["moderator"]))
    url = reverse(
        "registry:history-restore",
        kwargs={"record_type": "organization", "record_id": organization.pk, "change_id": good.pk},
    )
    assert client.post(url).status_code == 302
    organization.refresh_from_db()
    assert organization.description == "Good words."
