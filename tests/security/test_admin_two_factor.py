"""The Django admin asks for the registry's sign-in, second factor included (ASVS 4.3.1):
its own password form is gone, and with REGISTRY_REQUIRE_2FA a staff member enters only
after a code in this session."""

import pytest
from django.urls import reverse

from accounts.permissions import may_enter_admin
from tests.factories import UserFactory

from .conftest import PASSWORD, confirmed_device, current_code

ADMIN = "/admin/"
LOGIN = "/admin/login/"


def _staff(**extra):
    user = UserFactory(**extra)
    user.is_staff = True
    user.save()
    return user


def _sign_in_with_code(client, user):
    device = confirmed_device(user)
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    response = client.post(reverse("accounts:two-factor-verify"), {"code": current_code(device)})
    assert response.status_code == 302
    return device


def test_the_admin_sign_in_form_sends_to_the_registry_sign_in(client):
    response = client.get(f"{LOGIN}?next=/admin/registry/tool/")

    assert response.status_code == 302
    assert response.url == reverse("accounts:login") + "?next=%2Fadmin%2Fregistry%2Ftool%2F"


def test_a_password_posted_to_the_admin_form_signs_nobody_in(client, require_2fa):
    user = _staff(is_superuser=True)

    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not client.get(reverse("registry:home")).context["user"].is_authenticated


def test_an_outside_next_address_is_not_followed(client):
    response = client.get(f"{LOGIN}?next=https://attacker.example/")

    assert response.url == reverse("accounts:login") + "?next=%2Fadmin%2F"


def test_staff_without_two_factor_are_sent_to_set_it_up(client, require_2fa):
    client.force_login(_staff())

    first = client.get(ADMIN)
    assert first.status_code == 302 and first.url.startswith(LOGIN)
    second = client.get(first.url)

    assert second.url == reverse("accounts:two-factor-setup")


def test_staff_with_a_device_but_no_code_in_this_session_sign_in_again(client, require_2fa):
    user = _staff(is_superuser=True)
    confirmed_device(user)
    client.force_login(user)  # a session that never passed the second step

    response = client.get(LOGIN)

    assert response.url.startswith(reverse("accounts:login"))
    assert client.get(ADMIN).status_code == 302


def test_staff_enter_the_admin_after_password_and_code(client, require_2fa):
    user = _staff(is_superuser=True)
    _sign_in_with_code(client, user)

    assert client.get(ADMIN).status_code == 200
    assert client.get(reverse("admin:registry_tool_changelist")).status_code == 200
    # Already in: the admin's sign-in address goes straight on.
    assert client.get(f"{LOGIN}?next=/admin/registry/tool/").url == "/admin/registry/tool/"


def test_a_verified_person_who_is_not_staff_is_turned_away(client, require_2fa):
    user = UserFactory()
    _sign_in_with_code(client, user)

    assert client.get(ADMIN).status_code == 302
    refused = client.get(LOGIN)
    assert refused.url == reverse("registry:home")


def test_the_admin_password_change_is_the_registry_page(client):
    client.force_login(_staff(is_superuser=True))

    response = client.get("/admin/password_change/")

    assert response.status_code == 302
    assert response.url == reverse("accounts:password-change")


@pytest.mark.parametrize(
    ("kind", "verified", "required", "allowed"),
    [
        ("superuser", True, True, True),
        ("superuser", False, True, False),
        ("staff", True, True, True),
        ("staff", False, True, False),
        ("member", True, True, False),
        ("member", False, True, False),
        ("inactive staff", True, True, False),
        # With the requirement off (development), staff enter on the password alone.
        ("staff", False, False, True),
        ("member", False, False, False),
    ],
)
def test_who_may_enter_the_admin(settings, kind, verified, required, allowed):
    settings.REGISTRY_REQUIRE_2FA = required
    user = {
        "superuser": lambda: _staff(is_superuser=True),
        "staff": _staff,
        "member": UserFactory,
        "inactive staff": lambda: _staff(is_active=False),
    }[kind]()
    user.is_verified = lambda: verified  # what django-otp's middleware sets for a session

    assert may_enter_admin(user) is allowed


def test_administrators_see_how_many_recovery_codes_are_left_but_never_the_codes(admin_client):
    from accounts.security import twofactor
    from accounts.security.models import RecoveryCodeDevice

    user = UserFactory(email="officer@example.org")
    codes = twofactor.replace_recovery_codes(user)
    device = RecoveryCodeDevice.objects.get(user=user)

    listing = admin_client.get(reverse("admin:account_security_recoverycodedevice_changelist"))
    deleted = admin_client.post(
        reverse("admin:account_security_recoverycodedevice_delete", args=[device.pk]),
        {"post": "yes"},
    )

    assert listing.status_code == 200
    assert str(user) in listing.content.decode()
    assert not any(code in listing.content.decode() for code in codes)
    assert deleted.status_code == 302
    assert twofactor.verify_code(user, codes[0]) is None
