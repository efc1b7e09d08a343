"""Sign-in is protected against guessing: django-axes locks out after five failures."""

from axes.models import AccessAttempt, AccessFailureLog
from django.urls import reverse

from tests.factories import UserFactory

from .conftest import PASSWORD

LOGIN = "accounts:login"


def _sign_in(client, email, password, address="127.0.0.1"):
    return client.post(
        reverse(LOGIN), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client):
    UserFactory(email="officer@example.org")
    for _ in range(4):
        assert _sign_in(client, "officer@example.org", "wrong guess").status_code == 200

    fifth = _sign_in(client, "officer@example.org", "wrong guess")
    right = _sign_in(client, "officer@example.org", PASSWORD)

    assert fifth.status_code == 429
    assert right.status_code == 429
    assert "Sign-in paused" in right.content.decode()
    assert "Try again in 15 minutes" in right.content.decode()
    assert not client.get(reverse("registry:home")).context["user"].is_authenticated


def test_changing_the_case_of_the_email_does_not_dodge_the_lockout(client):
    UserFactory(email="officer@example.org")
    for email in [
        "Officer@example.org",
        "OFFICER@example.org",
        "officer@EXAMPLE.org",
        "officer@example.org",
        "oFFicer@example.org",
    ]:
        _sign_in(client, email, "wrong guess", address="10.0.0.9")

    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.10").status_code == 429


def test_a_locked_account_does_not_stop_another_account_from_another_address(client):
    UserFactory(email="officer@example.org")
    UserFactory(email="analyst@example.org")
    for _ in range(5):
        _sign_in(client, "officer@example.org", "wrong guess", address="10.0.0.1")

    response = _sign_in(client, "analyst@example.org", PASSWORD, address="10.0.0.2")

    assert response.status_code == 302
    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.3").status_code == 429


def test_failures_and_the_lockout_are_recorded_for_the_admin(client, admin_client):
    UserFactory(email="officer@example.org")
    for _ in range(5):
        _sign_in(client, "officer@example.org", "wrong guess", address="10.0.0.1")

    attempt = AccessAttempt.objects.get(username="officer@example.org")
    assert attempt.failures_since_start == 5
    assert AccessFailureLog.objects.filter(username="officer@example.org", locked_out=True).exists()
    assert admin_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:axes_accessfailurelog_changelist")).status_code == 200


def test_a_success_before_the_limit_resets_the_count(client):
    UserFactory(email="officer@example.org")
    for _ in range(4):
        _sign_in(client, "officer@example.org", "wrong guess")
    assert _sign_in(client, "officer@example.org", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))

    for _ in range(4):
        _sign_in(client, "officer@example.org", "wrong guess")

    assert _sign_in(client, "officer@example.org", PASSWORD).status_code == 302


def test_new_passwords_need_twelve_characters_and_must_not_be_common():
    import pytest
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at least 12"):
        validate_password("Tr0ub4dor&3")
    with pytest.raises(ValidationError, match="too common"):
        validate_password("password1234")
    validate_password("violet kettle harbour gauge")


def test_credentials_checked_outside_a_request_still_work():
    from django.contrib.auth import authenticate

    user = UserFactory(email="officer@example.org")

    assert authenticate(email="officer@example.org", password=PASSWORD) == user
