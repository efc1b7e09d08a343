"""A record's history shows each version only to those who could read the record as it was
then: a record created private with sensitive text, then made restricted with clean text,
never shows its private-era text to a moderator (who may not read private records), on the
history panel, the restore page or the admin's change log. Its own organization and
administrators see every version."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from registry import services
from registry.history import record_restore
from registry.models import ChangeRecord
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

SECRETS = ("Informant network in the port", "Covert ledger summary", "secret-harbour.example")
CLEAN = ("A referral directory for shelters.", "Referral directory", "clean-directory.example")
HIDDEN_NOTE = "Fields of a version you may not see changed"


@pytest.fixture
def organization():
    return OrganizationFactory(sector="ngo")


@pytest.fixture
def editor(organization):
    return MembershipFactory(organization=organization, role="editor").user


@pytest.fixture
def tool(editor, organization):
    """Created private with sensitive text, then made restricted with clean text."""
    description, summary, host = SECRETS
    tool = services.tool_create(
        actor=editor,
        organization=organization,
        name="Harbour Directory",
        summary=summary,
        description=description,
        website=f"https://{host}/",
        availability="free",
        maturity="pilot",
        visibility="private",
        purposes=["coordinate"],
        functions=["information_sharing"],
    )
    description, summary, host = CLEAN
    return services.tool_update(
        actor=editor,
        tool=tool,
        summary=summary,
        description=description,
        website=f"https://{host}/",
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
    )


def _history_panel(client, person, record) -> str:
    client.force_login(person)
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="panel history"' in text
    return text.split('class="panel history"', 1)[1]


def test_a_moderator_does_not_see_the_private_era_of_a_record_in_its_history(client, tool):
    panel = _history_panel(client, UserFactory(groups=["moderator"]), tool)

    for secret in SECRETS:
        assert secret not in panel
    assert CLEAN[1] in panel  # the version that made it restricted, which they may read
    assert HIDDEN_NOTE in panel  # the creation: all of it in the private era
    assert "<td>not visible to you</td><td>Referral directory</td>" in panel
    assert "<td>private</td>" not in panel  # not even which visibility it had


@pytest.mark.parametrize("role", ["editor", "owner"])
def test_the_owning_organization_sees_every_version(client, tool, organization, role):
    person = MembershipFactory(organization=organization, role=role).user

    panel = _history_panel(client, person, tool)

    for text in SECRETS + CLEAN:
        assert text in panel


def test_an_administrator_sees_every_version(client, tool):
    panel = _history_panel(client, UserFactory(is_superuser=True, is_staff=True), tool)

    for text in SECRETS + CLEAN:
        assert text in panel


def test_a_moderator_can_neither_open_nor_restore_a_private_era_version(client, tool):
    moderator = UserFactory(groups=["moderator"])
    created = ChangeRecord.objects.get(record_id=tool.pk, action="created")
    url = reverse(
        "registry:history-restore",
        kwargs={"record_type": "tool", "record_id": tool.pk, "change_id": created.pk},
    )
    client.force_login(moderator)

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        record_restore(actor=moderator, record=tool, change=created)
    tool.refresh_from_db()
    assert tool.summary == CLEAN[1]
    assert "Restore this version" not in _history_panel(client, moderator, tool)


def test_an_administrator_may_still_restore_a_private_era_version(tool):
    administrator = UserFactory(is_superuser=True, is_staff=True)
    created = ChangeRecord.objects.get(record_id=tool.pk, action="created")

    record_restore(actor=administrator, record=tool, change=created)

    tool.refresh_from_db()
    assert tool.summary == SECRETS[1]


def test_the_admin_change_log_hides_private_era_entries_from_a_staff_moderator(client, tool):
    moderator = UserFactory(groups=["moderator"], is_staff=True)
    client.force_login(moderator)

    listing = client.get("/admin/registry/changerecord/")
    details = [
        client.get(f"/admin/registry/changerecord/{change.pk}/change/", follow=True)
        for change in ChangeRecord.objects.filter(record_id=tool.pk)
    ]

    assert listing.status_code == 200
    assert len(details) == 2  # the creation (private) and the change that made it restricted
    for response in (listing, *details):
        for secret in SECRETS:
            assert secret not in response.content.decode()


def test_an_editor_of_the_new_owner_does_not_see_the_era_restricted_to_another_sector(
    client, organization
):
    """A tool of a police unit, restricted to law enforcement, later given to an NGO by an
    administrator: the NGO's editors may change it now, but could never read its old text."""
    police = OrganizationFactory(sector="law_enforcement")
    police_editor = MembershipFactory(organization=police, role="editor").user
    tool = services.tool_create(
        actor=police_editor,
        organization=police,
        name="Port Watch",
        summary=SECRETS[1],
        description=SECRETS[0],
        availability="restricted",
        maturity="deployed",
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
        purposes=["disrupt"],
        functions=["online_monitoring"],
    )
    administrator = UserFactory(is_superuser=True, is_staff=True)
    services.tool_update(
        actor=administrator,
        tool=tool,
        organization=organization,
        summary=CLEAN[1],
        description=CLEAN[0],
        visibility="verified",
        restricted_to_sectors=[],
    )
    ngo_editor = MembershipFactory(organization=organization, role="editor").user

    panel = _history_panel(client, ngo_editor, tool)

    assert SECRETS[0] not in panel and SECRETS[1] not in panel
    assert CLEAN[1] in panel
    # The police unit's own editor, were they still able to edit it, would see it all;
    # an administrator does.
    assert SECRETS[1] in _history_panel(client, administrator, tool)
