"""Session timeouts (ASVS 3.3.2 at level 2: 30 minutes idle, 12 hours in all) and asking for
the password again before a sensitive change (ASVS 3.7.1)."""

import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.security.sessions import AUTHENTICATED_AT_KEY, LAST_SEEN_KEY
from tests.factories import UserFactory

from .conftest import PASSWORD


def _age_session(client, *, signed_in_ago: int, seen_ago: int) -> None:
    now = int(time.time())
    session = client.session
    session[AUTHENTICATED_AT_KEY] = now - signed_in_ago
    session[LAST_SEEN_KEY] = now - seen_ago
    session.save()


def _signed_in(client) -> bool:
    return client.get(reverse("registry:home")).context["user"].is_authenticated


@pytest.mark.parametrize(
    ("signed_in_ago", "seen_ago", "still_in"),
    [
        (60, 5, True),
        (29 * 60, 29 * 60, True),
        (31 * 60, 31 * 60, False),  # idle for more than 30 minutes
        (11 * 3600, 60, True),
        (12 * 3600 + 60, 60, False),  # busy, but signed in more than 12 hours ago
    ],
)
def test_idle_and_absolute_timeouts(client, signed_in_ago, seen_ago, still_in):
    client.force_login(UserFactory())
    _age_session(client, signed_in_ago=signed_in_ago, seen_ago=seen_ago)

    assert _signed_in(client) is still_in


def test_the_timeouts_follow_the_settings(client, settings):
    settings.REGISTRY_SESSION_IDLE_SECONDS = 60
    client.force_login(UserFactory())
    _age_session(client, signed_in_ago=120, seen_ago=90)

    assert not _signed_in(client)


def test_activity_moves_the_idle_clock(client):
    client.force_login(UserFactory())
    _age_session(client, signed_in_ago=20 * 60, seen_ago=20 * 60)
    assert _signed_in(client)

    last_seen = client.session[LAST_SEEN_KEY]

    assert time.time() - last_seen < 5


def test_a_signed_out_session_is_gone_from_the_store(client):
    from django.contrib.sessions.models import Session

    client.force_login(UserFactory())
    _age_session(client, signed_in_ago=60, seen_ago=31 * 60)
    _signed_in(client)

    assert not any(s.get_decoded().get("_auth_user_id") for s in Session.objects.all())


def test_setting_up_two_factor_long_after_sign_in_asks_for_the_password(client):
    user = UserFactory(email="officer@example.org")
    client.force_login(user)
    _age_session(client, signed_in_ago=11 * 60, seen_ago=10)
    setup = reverse("accounts:two-factor-setup")

    asked = client.get(setup)
    assert asked.status_code == 302
    assert (
        asked.url
        == reverse("accounts:reauthenticate") + "?next=%2Faccounts%2Fsecurity%2Ftwo-factor%2F"
    )

    wrong = client.post(asked.url, {"password": "not my password", "next": setup})
    assert wrong.status_code == 400
    assert AccessAttempt.objects.filter(username="officer@example.org").exists()
    assert client.get(setup).status_code == 302

    right = client.post(asked.url, {"password": PASSWORD, "next": setup})
    assert right.status_code == 302
    assert right.url == setup
    assert client.get(setup).status_code == 200


def test_the_confirmation_page_does_not_follow_an_outside_address(client):
    client.force_login(UserFactory())

    response = client.post(
        reverse("accounts:reauthenticate"),
        {"password": PASSWORD, "next": "https://attacker.example/"},
    )

    assert response.url == reverse("registry:home")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("accounts:reauthenticate", "password"),
        ("accounts:password-change", "old_password"),
        ("accounts:account-delete", "password"),
    ],
)
def test_a_stolen_session_cannot_keep_guessing_the_password(client, url, field):
    user = UserFactory(email="officer@example.org")
    client.force_login(user)
    for _ in range(4):
        assert client.post(reverse(url), {field: "a wrong guess"}).status_code == 400
    assert client.post(reverse(url), {field: "a wrong guess"}).status_code == 429

    new = "a brand new passphrase"
    locked = client.post(
        reverse(url), {field: PASSWORD, "new_password1": new, "new_password2": new}
    )

    assert locked.status_code == 429
    assert get_user_model().objects.filter(pk=user.pk).exists()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
