"""Smaller ASVS level 2 checks that docs/security/asvs-l2.md cites: sessions end on sign-out
(3.3.1), no credential travels in a URL (3.1.1), a removed authenticator stops counting at
once in every session (2.8.5), and there is nothing to browse (4.3.2)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import tokens
from accounts.models import ApiToken
from accounts.permissions import can
from tests.factories import UserFactory

from .conftest import PASSWORD, confirmed_device, current_code


def _signed_in(client) -> bool:
    return client.get(reverse("registry:home")).context["user"].is_authenticated


def test_signing_out_ends_the_session_on_the_server(client):
    client.force_login(UserFactory())
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(reverse("accounts:logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key  # the back button, or a stolen cookie

    assert not _signed_in(replay)


def test_an_api_token_in_the_query_string_is_not_accepted():
    person = UserFactory()
    _token, secret = tokens.token_create(
        user=person,
        name="ci",
        scope=ApiToken.Scope.READ,
        expires_at=timezone.now() + timedelta(days=1),
    )
    client = Client()

    in_url = client.get("/api/v1/tokens/", {"token": secret, "auth_token": secret})
    in_header = client.get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Token {secret}")

    assert in_url.status_code in (401, 403)
    assert in_header.status_code == 200


@pytest.mark.usefixtures("require_2fa")
def test_removing_an_authenticator_takes_effect_in_every_session_at_once(restricted_tool):
    officer = UserFactory(groups=["moderator"])
    device = confirmed_device(officer)
    sessions = [Client(), Client()]
    for client in sessions:
        client.post(reverse("accounts:login"), {"username": officer.email, "password": PASSWORD})
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # stand in for time passing
        device.refresh_from_db()
        client.post(reverse("accounts:two-factor-verify"), {"code": current_code(device)})
    url = reverse("registry:tool-detail", args=[restricted_tool.slug])
    assert all(client.get(url).status_code == 200 for client in sessions)

    TOTPDevice.objects.filter(user=officer).delete()  # lost phone: an administrator removes it

    assert all(client.get(url).status_code == 404 for client in sessions)
    assert not can(officer, "view", restricted_tool)


@pytest.mark.parametrize("path", ["/static/", "/static/css/", "/.git/config", "/.env", "/var/"])
def test_there_is_no_directory_listing_or_project_file_to_fetch(client, path):
    assert client.get(path).status_code == 404
