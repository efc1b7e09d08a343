"""Changing a password (ASVS 2.1.x, 2.2.3, 3.3.3): the current one is required, the new one
follows the password rules, other sessions end, and the person is told by email."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

from .conftest import PASSWORD

URL = "accounts:password-change"


def _change(client, old, new, again=None):
    return client.post(
        reverse(URL),
        {
            "old_password": old,
            "new_password1": new,
            "new_password2": new if again is None else again,
        },
    )


def _signed_in(client) -> bool:
    return client.get(reverse("registry:home")).context["user"].is_authenticated


def test_the_page_needs_a_signed_in_person(client):
    response = client.get(reverse(URL))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_security_page_links_to_it(client):
    client.force_login(UserFactory())

    assert reverse(URL) in client.get(reverse("accounts:security")).content.decode()


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(client):
    user = UserFactory(email="officer@example.org")
    client.force_login(user)

    response = _change(client, "not my password", "a brand new passphrase")

    assert response.status_code == 400
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AccessAttempt.objects.filter(username="officer@example.org").exists()


@pytest.mark.parametrize(
    ("new", "why"),
    [
        ("eleven char", "too short"),  # 11 characters
        ("password1234", "common"),
        ("123456789012345", "all digits"),
    ],
)
def test_weak_new_passwords_are_refused(client, new, why):
    user = UserFactory()
    client.force_login(user)

    response = _change(client, PASSWORD, new)

    assert response.status_code == 400, why
    assert response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "new",
    [
        "twelve chars",  # exactly 12, with a space
        "a long passphrase " * 4 + "of seventy-plus characters",  # > 64, not truncated
        "пароль для реестра 🔐🔐",  # Unicode letters and emoji
    ],
)
def test_long_spaced_and_unicode_passwords_are_accepted_whole(client, new):
    user = UserFactory()
    client.force_login(user)

    response = _change(client, PASSWORD, new)

    assert response.status_code == 302, response.context and response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(new)
    assert not user.check_password(new[:-1])


def test_a_change_ends_other_sessions_keeps_this_one_and_sends_a_notice(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="officer@example.org")
    elsewhere = Client()
    elsewhere.force_login(user)
    client.force_login(user)
    key_before = client.cookies[settings.SESSION_COOKIE_NAME].value

    with django_capture_on_commit_callbacks(execute=True):
        response = _change(client, PASSWORD, "a brand new passphrase")

    assert response.status_code == 302
    assert response.url == reverse("accounts:security")
    assert _signed_in(client)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != key_before
    assert not _signed_in(elsewhere)
    assert Session.objects.count() == 1
    [notice] = mail.outbox
    assert notice.to == ["officer@example.org"]
    assert "password was changed" in notice.subject
    assert "a brand new passphrase" not in notice.body
    assert reverse("accounts:security") in notice.body


def test_the_new_passwords_must_match(client):
    client.force_login(UserFactory())

    response = _change(client, PASSWORD, "a brand new passphrase", again="another passphrase!")

    assert response.status_code == 400
    assert "new_password2" in response.context["form"].errors


def test_an_administrator_setting_the_password_in_the_admin_tells_the_person(
    admin_client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="officer@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:auth_user_password_change", args=[user.pk]),
            {"password1": "set by the administrator", "password2": "set by the administrator"},
        )

    assert response.status_code == 302
    assert [m.to for m in mail.outbox if "password was changed" in m.subject] == [
        ["officer@example.org"]
    ]


def test_a_changed_email_address_is_told_to_the_old_and_the_new_address(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="officer@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        user.email = "new.officer@example.org"
        user.save()

    assert sorted(m.to[0] for m in mail.outbox) == [
        "new.officer@example.org",
        "officer@example.org",
    ]
    assert all("email address of your account was changed" in m.subject for m in mail.outbox)


def test_no_notice_for_a_first_password_the_same_password_or_a_re_hash(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        user = UserFactory()  # created, then given its first password
        user.set_password(PASSWORD)  # the same again (the demo loader does this)
        user.save()
        user.display_name = "Officer"
        user.save()
        user.save(update_fields=["last_login"])

    assert mail.outbox == []


def test_password_fields_offer_a_reveal_button_without_inline_script(client):
    client.force_login(UserFactory())

    page = client.get(reverse(URL)).content.decode()

    assert page.count("data-reveal ") == 3
    assert '<script src="/static/js/password-reveal.js" defer></script>' in page
    assert "<script>" not in page
    assert "onpaste" not in page  # pasting and password managers are never blocked


def test_the_security_page_counts_sessions_and_names_the_timeouts(client):
    user = UserFactory()
    Client().force_login(user)
    client.force_login(user)

    page = client.get(reverse("accounts:security")).content.decode()

    assert "has 2 open sessions" in page
    assert "30 minutes without activity, and 12 hours after signing in" in page


def _user_with_password(password, **extra):
    user = UserFactory(email="officer@example.org", **extra)
    user.set_password(password)
    user.save()
    return user


def test_signing_in_with_a_common_password_leads_only_to_the_password_change(client):
    _user_with_password("password1234")  # set before today's rules, or by hand

    signed_in = client.post(
        reverse("accounts:login"), {"username": "officer@example.org", "password": "password1234"}
    )

    assert signed_in.url == reverse(URL)
    for blocked in (reverse("registry:home"), reverse("accounts:security"), "/api/v1/tools/"):
        response = client.get(blocked)
        assert response.status_code == 302 and response.url == reverse(URL), blocked
    assert client.get(reverse(URL)).status_code == 200

    changed = _change(client, "password1234", "a brand new passphrase")

    assert changed.status_code == 302
    assert client.get(reverse("registry:home")).status_code == 200


def test_the_same_holds_after_the_two_factor_step(client, require_2fa):
    from .conftest import confirmed_device, current_code

    user = _user_with_password("password1234")
    device = confirmed_device(user)
    client.post(
        reverse("accounts:login"), {"username": "officer@example.org", "password": "password1234"}
    )

    response = client.post(reverse("accounts:two-factor-verify"), {"code": current_code(device)})

    assert response.url == reverse(URL)
    assert client.get(reverse("registry:home")).url == reverse(URL)


def test_a_good_password_signs_in_as_usual(client):
    _user_with_password(PASSWORD)

    response = client.post(
        reverse("accounts:login"), {"username": "officer@example.org", "password": PASSWORD}
    )

    assert response.url == reverse("registry:home")
    assert client.get(reverse("registry:home")).status_code == 200
