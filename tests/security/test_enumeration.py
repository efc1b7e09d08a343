"""Sign-in and its lockout answer the same whether an account exists or not (ASVS 2.2.1 and
the enumeration side of 2.5): there is no sign-up or password-reset form to ask instead."""

import re

from django.urls import NoReverseMatch, reverse

from tests.factories import UserFactory


def _sign_in(client, email, password="wrong guess", address="127.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def _text(response) -> str:
    # The form echoes the typed address back, and every page has its own masked CSRF token:
    # those are the only differences allowed.
    text = response.content.decode().replace(response.wsgi_request.POST["username"], "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(client):
    UserFactory(email="officer@example.org")

    known = _sign_in(client, "officer@example.org", address="10.0.0.1")
    unknown = _sign_in(client, "nobody@example.org", address="10.0.0.2")

    assert known.status_code == unknown.status_code == 200
    assert _text(known) == _text(unknown)
    assert "Please enter a correct email address and password" in _text(known)


def test_the_lockout_looks_the_same_for_an_unknown_account(client):
    UserFactory(email="officer@example.org")
    for _ in range(5):
        _sign_in(client, "officer@example.org", address="10.0.1.1")
        _sign_in(client, "nobody@example.org", address="10.0.2.1")

    known = _sign_in(client, "officer@example.org", address="10.0.1.1")
    unknown = _sign_in(client, "nobody@example.org", address="10.0.2.1")

    assert known.status_code == unknown.status_code == 429
    assert _text(known) == _text(unknown)


def test_there_is_no_self_service_sign_up_or_password_reset_to_probe():
    for name in ("signup", "register", "password_reset", "password-reset"):
        for candidate in (name, f"accounts:{name}"):
            try:
                reverse(candidate)
            except NoReverseMatch:
                continue
            raise AssertionError(f"{candidate} exists: test it for account enumeration")
