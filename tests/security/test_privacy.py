"""The privacy notice, the personal-data export, account deletion and access-log retention."""

import json
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import tokens
from accounts.models import AccessLogEntry, Invitation, JoinRequest, Organization, User
from accounts.security.tasks import purge_access_log
from notifications.models import NotificationPreference
from registry.models import LicenseRequest, Need
from tests.factories import (
    LicenseRequestFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

from .conftest import PASSWORD


def _person_with_history():
    """A viewer of one organization with some of every kind of personal data."""
    user = UserFactory(email="ada@example.org", display_name="Ada")
    home = MembershipFactory(user=user, role="owner").organization
    MembershipFactory(organization=home, role="owner")  # a second owner: Ada may leave
    other = OrganizationFactory(name="Harbour Watch")
    JoinRequest.objects.create(user=user, organization=other, message="We work on ports.")
    Invitation.objects.create(
        organization=other,
        email="ada@example.org",
        role="viewer",
        expires_at=timezone.now() + timedelta(days=7),
    )
    request = LicenseRequestFactory(organization=home, requested_by=user, decided_by=None)
    need = NeedFactory(organization=home, created_by=user)
    tokens.token_create(
        user=user, name="laptop", scope="read", expires_at=timezone.now() + timedelta(days=30)
    )
    NotificationPreference.objects.create(user=user, kind="invitation", enabled=False)
    tool = ToolFactory(visibility="restricted", restricted_to_sectors=["ngo"])
    AccessLogEntry.objects.create(
        user=user,
        record_type="tool",
        record_id=tool.pk,
        record_label=tool.name,
        visibility="restricted",
        owner_organization=tool.organization,
        surface="page",
    )
    return user, home, request, need


def test_the_privacy_notice_names_the_access_log_retention(client, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 400

    response = client.get(reverse("accounts:privacy"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "deleted after 400 days" in html
    assert reverse("accounts:personal-data-export") in html


def test_the_export_holds_everything_about_the_person(client):
    user, home, request, need = _person_with_history()
    UserFactory(email="someone.else@example.org")
    client.force_login(user)

    response = client.get(reverse("accounts:personal-data-export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["email"] == "ada@example.org"
    assert data["profile"]["display_name"] == "Ada"
    assert [m["organization"] for m in data["memberships"]] == [home.name]
    assert data["join_requests"][0]["message"] == "We work on ports."
    assert data["invitations_received"][0]["organization"] == "Harbour Watch"
    assert len(data["licence_requests_made"]) == 1
    assert data["api_tokens"][0]["name"] == "laptop"
    assert "key_hash" not in data["api_tokens"][0]
    assert data["notification_preferences"] == [
        {
            "kind": "invitation",
            "enabled": False,
            "updated_at": data["notification_preferences"][0]["updated_at"],
        }
    ]
    assert data["access_log_reads"][0]["surface"] == "page"
    assert "someone.else@example.org" not in response.content.decode()


def test_the_export_needs_a_signed_in_person(client):
    response = client.get(reverse("accounts:personal-data-export"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_deleting_the_account_keeps_the_records_without_their_author(client):
    user, home, request, need = _person_with_history()
    home.verification_decided_by = user
    home.save()
    other_session = Client()
    other_session.force_login(user)
    client.force_login(user)

    response = client.post(reverse("accounts:account-delete"), {"password": PASSWORD})

    assert response.status_code == 302
    assert not User.objects.filter(email="ada@example.org").exists()
    need = Need.objects.get(pk=need.pk)
    assert need.created_by is None
    assert LicenseRequest.objects.get(pk=request.pk).requested_by is None
    assert Organization.objects.get(pk=home.pk).verification_decided_by is None
    assert Invitation.objects.filter(email="ada@example.org").exists()  # the owners' record
    assert not AccessLogEntry.objects.filter(user__isnull=False).exists()
    assert not other_session.get(reverse("registry:home")).context["user"].is_authenticated
    assert not client.get(reverse("registry:home")).context["user"].is_authenticated
    assert not Session.objects.exists()


def test_deleting_needs_the_password(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("accounts:account-delete"), {"password": "not it"})

    assert response.status_code == 400
    assert "not your password" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_the_last_owner_of_an_organization_cannot_delete_the_account(client):
    owner = MembershipFactory(role="owner", organization__name="Harbour Watch").user
    client.force_login(owner)

    page = client.get(reverse("accounts:account-delete"))
    response = client.post(reverse("accounts:account-delete"), {"password": PASSWORD})

    assert 'id="last-owner"' in page.content.decode()
    assert response.status_code == 400
    assert "Harbour Watch" in response.content.decode()
    assert User.objects.filter(pk=owner.pk).exists()


def test_the_purge_forgets_reads_older_than_the_retention_period(settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    tool = ToolFactory(visibility="restricted")

    def entry(age_days):
        item = AccessLogEntry.objects.create(
            record_type="tool",
            record_id=tool.pk,
            record_label=tool.name,
            visibility="restricted",
            surface="api",
        )
        AccessLogEntry.objects.filter(pk=item.pk).update(
            at=timezone.now() - timedelta(days=age_days)
        )
        return item

    old, recent = entry(31), entry(29)

    assert purge_access_log.delay().get() == 1
    assert list(AccessLogEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()
