"""A new password, or signing out everywhere, revokes all the person's API tokens: a token
outlives every session, so taking an account back must take its tokens back too. The pages
and the security notice say so. (The API has no password change or sign-out of its own.)"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import tokens
from accounts.models import ApiToken
from tests.factories import UserFactory

from .conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def _token_for(user) -> APIClient:
    _token, secret = tokens.token_create(
        user=user, name="sync", scope="read", expires_at=timezone.now() + timedelta(days=30)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _works(token_client) -> bool:
    return token_client.get("/api/v1/tokens/").status_code == 200


@pytest.fixture
def person():
    return UserFactory(email="officer@example.org")


def test_changing_the_password_revokes_the_persons_api_tokens(client, person):
    first, second = _token_for(person), _token_for(person)
    someone_elses = _token_for(UserFactory())
    client.force_login(person)

    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not _works(first) and not _works(second)
    assert not ApiToken.objects.filter(user=person, revoked_at__isnull=True).exists()
    assert _works(someone_elses)
    messages = [str(m) for m in client.get(response.url).context["messages"]]
    assert any("API tokens revoked" in m for m in messages)


def test_a_refused_password_change_keeps_the_tokens(client, person):
    token = _token_for(person)
    client.force_login(person)

    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 400
    assert _works(token)


def test_sign_out_everywhere_revokes_the_persons_api_tokens(client, person):
    token = _token_for(person)
    someone_elses = _token_for(UserFactory())
    client.force_login(person)

    response = client.post(reverse("accounts:sign-out-everywhere"))

    assert response.status_code == 302
    assert not _works(token)
    assert _works(someone_elses)


def test_an_administrator_setting_the_password_revokes_the_tokens(admin_client, person):
    token = _token_for(person)

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": "set by the administrator", "password2": "set by the administrator"},
    )

    assert response.status_code == 302
    assert not _works(token)


def test_saving_the_account_without_a_new_password_keeps_the_tokens(person):
    token = _token_for(person)

    person.display_name = "Officer"
    person.save()
    person.save(update_fields=["last_login"])

    assert _works(token)


def test_the_notices_say_the_tokens_were_revoked(
    client, person, django_capture_on_commit_callbacks
):
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password-change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        client.post(reverse("accounts:sign-out-everywhere"))

    bodies = {message.subject: message.body for message in mail.outbox}
    assert set(bodies) == {"Your password was changed", "All your sessions were ended"}
    assert all("All your API tokens were revoked" in body for body in bodies.values())


def test_the_pages_say_the_tokens_will_be_revoked(client, person):
    client.force_login(person)

    password_page = client.get(reverse("accounts:password-change")).content.decode()
    security_page = client.get(reverse("accounts:security")).content.decode()
    tokens_page = client.get(reverse("accounts:tokens")).content.decode()

    assert 'id="password-change-tokens"' in password_page
    assert "API tokens are revoked too" in password_page
    assert 'id="sign-out-everywhere-tokens"' in security_page
    assert "revokes all your API tokens" in security_page
    assert "Changing your password or signing out everywhere revokes all your tokens" in (
        tokens_page
    )
