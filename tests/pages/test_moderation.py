"""Moderation pages: verification queue, hiding records, access log, duplicates report."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import AccessLogEntry
from tests.factories import OrganizationFactory, ToolFactory, UserFactory


@pytest.fixture(autouse=True)
def _no_two_factor_gate(settings):
    # Two-factor sign-in has its own tests; here a moderator is taken as already verified.
    settings.REGISTRY_REQUIRE_2FA = False


@pytest.fixture
def moderator():
    return UserFactory(groups=["moderator"])


@pytest.mark.parametrize(
    "name",
    [
        "registry:moderation",
        "registry:moderation-access-log",
        "registry:moderation-duplicates",
    ],
)
def test_moderation_pages_are_for_moderators_only(client, moderator, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse(name)).status_code == 403
    client.force_login(moderator)
    assert client.get(reverse(name)).status_code == 200


def test_moderator_verifies_and_suspends_with_a_reason(client, moderator):
    pending = OrganizationFactory(name="Waiting Org", verification_status="pending")
    other = OrganizationFactory(verification_status="pending")
    client.force_login(moderator)
    assert "Waiting Org" in client.get(reverse("registry:moderation")).content.decode()

    client.post(reverse("registry:moderation-decide", args=[pending.slug]), {"status": "verified"})
    refused = client.post(
        reverse("registry:moderation-decide", args=[other.slug]),
        {"status": "suspended"},
        follow=True,
    )
    client.post(
        reverse("registry:moderation-decide", args=[other.slug]),
        {"status": "suspended", "reason": "Not a real organization."},
    )

    pending.refresh_from_db()
    other.refresh_from_db()
    assert pending.verification_status == "verified"
    assert "reason" in refused.content.decode().lower()
    assert other.verification_status == "suspended"
    assert other.verification_reason == "Not a real organization."


def test_moderator_hides_and_shows_a_tool(client, moderator):
    tool = ToolFactory()
    client.force_login(moderator)
    assert (
        reverse("registry:moderation-hide") in client.get(tool.get_absolute_url()).content.decode()
    )

    client.post(
        reverse("registry:moderation-hide"),
        {"record": f"tool:{tool.slug}", "hidden": "1", "reason": "Misleading claims."},
    )
    tool.refresh_from_db()
    assert tool.is_hidden and tool.hidden_reason == "Misleading claims."
    client.logout()
    assert client.get(tool.get_absolute_url()).status_code == 404

    client.force_login(moderator)
    client.post(reverse("registry:moderation-hide"), {"record": f"tool:{tool.slug}", "hidden": "0"})
    tool.refresh_from_db()
    assert not tool.is_hidden


def test_hiding_needs_a_reason(client, moderator):
    tool = ToolFactory()
    client.force_login(moderator)

    client.post(reverse("registry:moderation-hide"), {"record": f"tool:{tool.slug}", "hidden": "1"})

    tool.refresh_from_db()
    assert not tool.is_hidden


def test_ordinary_user_may_not_hide(client):
    tool = ToolFactory()
    client.force_login(UserFactory())

    response = client.post(
        reverse("registry:moderation-hide"),
        {"record": f"tool:{tool.slug}", "hidden": "1", "reason": "x"},
    )

    assert response.status_code == 403


def test_access_log_lists_entries(client, moderator):
    AccessLogEntry.objects.create(
        record_type="registry.tool",
        record_id=1,
        record_label="Covert Ledger Tracer",
        visibility="restricted",
        surface="page",
    )
    client.force_login(moderator)

    page = client.get(reverse("registry:moderation-access-log")).content.decode()

    assert "Covert Ledger Tracer" in page


def test_duplicates_report_pairs_near_identical_tools(client, moderator, settings):
    settings.REGISTRY_EMBEDDINGS = True
    text = "Scans online sex advertisements to flag likely trafficking victims for police."
    ToolFactory(name="Ad Victim Scanner", summary=text, description=text)
    ToolFactory(name="Ad Victim Scanner Pro", summary=text, description=text)
    ToolFactory(name="Shelter Bed Finder", summary="Finds free shelter beds.", description="")
    cache.clear()
    client.force_login(moderator)

    page = client.get(reverse("registry:moderation-duplicates")).content.decode()

    assert "Ad Victim Scanner Pro" in page
    assert "Shelter Bed Finder" not in page
