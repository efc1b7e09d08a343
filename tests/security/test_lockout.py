"""Sign-in is protected against guessing (django-axes, accounts.security.lockout): five
failures lock one account from one address; more lock an address whatever accounts it tries,
or an account from every address; a success forgives only that account's failures from that
address, and every lock ends after the cool-off."""

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

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

    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.9").status_code == 429


def test_a_locked_account_does_not_stop_another_account_from_another_address(client):
    UserFactory(email="officer@example.org")
    UserFactory(email="analyst@example.org")
    for _ in range(5):
        _sign_in(client, "officer@example.org", "wrong guess", address="10.0.0.1")

    response = _sign_in(client, "analyst@example.org", PASSWORD, address="10.0.0.2")

    assert response.status_code == 302
    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.1").status_code == 429


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


# --- Spraying, lockouts of someone else, the account-wide lock and its end -------------------


def test_signing_into_ones_own_account_does_not_reset_the_failures_of_the_address(client):
    """Password spraying: one address tries a likely password on many accounts and signs
    into its own account now and then, hoping to reset the address's count."""
    limit = settings.REGISTRY_LOCKOUT_ADDRESS_LIMIT
    UserFactory(email="sprayer@example.org")
    victims = [UserFactory(email=f"victim{n}@example.org").email for n in range(limit + 1)]

    for n, victim in enumerate(victims[: limit - 1]):
        assert _sign_in(client, victim, "Summer2025!", "10.6.6.6").status_code == 200, n
        if n % 3 == 2:
            assert _sign_in(client, "sprayer@example.org", PASSWORD, "10.6.6.6").status_code == 302
            client.post(reverse("accounts:logout"))

    assert _sign_in(client, victims[limit - 1], "Summer2025!", "10.6.6.6").status_code == 429
    assert _sign_in(client, victims[limit], PASSWORD, "10.6.6.6").status_code == 429
    assert _sign_in(client, "sprayer@example.org", PASSWORD, "10.6.6.6").status_code == 429
    # The victims themselves still sign in from their own addresses.
    assert _sign_in(client, victims[0], PASSWORD, "10.0.0.1").status_code == 302


def test_five_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(client):
    UserFactory(email="officer@example.org")
    for _ in range(5):
        _sign_in(client, "officer@example.org", "wrong guess", address="10.6.6.6")

    assert _sign_in(client, "officer@example.org", PASSWORD, "10.6.6.6").status_code == 429
    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.1").status_code == 302


def _guess_from_many_addresses(client, email: str, guesses: int) -> None:
    for n in range(guesses):
        response = _sign_in(client, email, "wrong guess", address=f"10.7.0.{n + 1}")
        assert response.status_code in (200, 429)


def test_guesses_at_one_account_from_many_addresses_lock_it_at_a_higher_threshold(client):
    limit = settings.REGISTRY_LOCKOUT_ACCOUNT_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    UserFactory(email="officer@example.org")

    _guess_from_many_addresses(client, "officer@example.org", limit - 1)
    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.1").status_code == 302
    client.post(reverse("accounts:logout"))
    assert _sign_in(client, "officer@example.org", "wrong guess", "10.8.0.1").status_code == 429

    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.2").status_code == 429
    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.1").status_code == 429


def test_the_account_wide_lock_ends_after_the_cool_off(client):
    UserFactory(email="officer@example.org")
    _guess_from_many_addresses(
        client, "officer@example.org", settings.REGISTRY_LOCKOUT_ACCOUNT_LIMIT
    )
    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.1").status_code == 429

    # The cool-off runs from each failure: move them all back just past it.
    long_ago = timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=5)
    AccessAttempt.objects.update(attempt_time=long_ago)

    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.1").status_code == 302


def test_a_success_forgives_only_that_accounts_failures_from_that_address(client):
    UserFactory(email="officer@example.org")
    UserFactory(email="analyst@example.org")
    for _ in range(4):
        _sign_in(client, "analyst@example.org", "wrong guess", address="10.0.0.5")
    _sign_in(client, "officer@example.org", "wrong guess", address="10.0.0.5")

    assert _sign_in(client, "officer@example.org", PASSWORD, "10.0.0.5").status_code == 302

    remaining = set(AccessAttempt.objects.values_list("username", "ip_address"))
    assert remaining == {("analyst@example.org", "10.0.0.5")}
