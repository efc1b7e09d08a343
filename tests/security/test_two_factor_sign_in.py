"""The second sign-in step as production runs it: each request in autocommit, not inside the
test's transaction. django-otp locks the devices it verifies (`select_for_update`), which
PostgreSQL refuses outside a transaction; SQLite ignores the lock. These tests are
transactional so that they answer as production would on both databases (CI runs the suite
on PostgreSQL too)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import twofactor
from accounts.security.models import RecoveryCode, RecoveryCodeDevice
from tests.factories import UserFactory

from .conftest import PASSWORD, confirmed_device, current_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("require_2fa")]


def _password_step(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:two-factor-verify")


def _signed_in(client) -> bool:
    return client.get(reverse("registry:home")).context["user"].is_authenticated


def test_a_right_authenticator_code_signs_in(client):
    user = UserFactory()
    device = confirmed_device(user)
    _password_step(client, user)

    response = client.post(reverse("accounts:two-factor-verify"), {"code": current_code(device)})

    assert response.status_code == 302
    assert response.url == reverse("registry:home")
    assert _signed_in(client)
    assert client.get(reverse("registry:home")).context["user"].is_verified()


def test_a_wrong_code_is_refused_and_its_failure_is_kept(client):
    user = UserFactory()
    device = confirmed_device(user)
    _password_step(client, user)

    response = client.post(reverse("accounts:two-factor-verify"), {"code": "000000"})

    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert not _signed_in(client)
    # The throttle's counter is committed, not rolled back with the refused code.
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_recovery_code_signs_in_once(client):
    user = UserFactory()
    confirmed_device(user)
    codes = twofactor.replace_recovery_codes(user)
    _password_step(client, user)

    first = client.post(reverse("accounts:two-factor-verify"), {"code": codes[0]})

    assert first.status_code == 302
    assert _signed_in(client)
    assert RecoveryCode.objects.filter(device__user=user).count() == 9
    client.post(reverse("accounts:logout"))
    _password_step(client, user)
    again = client.post(reverse("accounts:two-factor-verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert not _signed_in(client)
    recovery = RecoveryCodeDevice.objects.get(user=user)
    assert recovery.throttling_failure_count == 1


def test_a_throttled_device_refuses_even_the_right_code(client):
    user = UserFactory()
    device = confirmed_device(user)
    # Five failures just now: the device refuses every code for the next 16 seconds.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now()
    )
    _password_step(client, user)

    response = client.post(reverse("accounts:two-factor-verify"), {"code": current_code(device)})

    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert not _signed_in(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 5


def test_turning_two_factor_off_with_a_code(client):
    user = UserFactory()
    device = confirmed_device(user)
    codes = twofactor.replace_recovery_codes(user)
    _password_step(client, user)
    client.post(reverse("accounts:two-factor-verify"), {"code": current_code(device)})

    response = client.post(reverse("accounts:two-factor-disable"), {"code": codes[0]})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
