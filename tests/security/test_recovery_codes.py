"""Recovery codes (ASVS 2.6): 120 random bits each, stored only as salted digests, each good
once. Authenticator codes cannot be replayed (2.8.4). Changes to two-factor are emailed to
the person (2.5.5)."""

import importlib
import re

from django.apps import apps
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import twofactor
from accounts.security.models import RecoveryCode, RecoveryCodeDevice
from tests.factories import UserFactory

from .conftest import PASSWORD, confirmed_device, current_code


def test_codes_carry_120_random_bits_and_are_stored_only_as_salted_digests():
    user = UserFactory()

    codes = twofactor.replace_recovery_codes(user)

    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){5}", code)  # 24 base32 chars
    rows = list(RecoveryCode.objects.filter(device__user=user).values("salt", "digest"))
    stored = " ".join(f"{row['salt']} {row['digest']}" for row in rows)
    assert all(code.replace("-", "") not in stored for code in codes)
    assert len({row["salt"] for row in rows}) == 10
    assert all(len(row["salt"]) == 32 for row in rows)  # 128-bit salts
    assert not StaticToken.objects.filter(device__user=user).exists()


def test_a_code_works_once_in_any_case_and_spacing():
    user = UserFactory()
    confirmed_device(user)
    codes = twofactor.replace_recovery_codes(user)
    typed = codes[3].upper().replace("-", " ")

    assert twofactor.verify_code(user, typed) is not None
    assert twofactor.verify_code(user, codes[3]) is None
    assert RecoveryCode.objects.filter(device__user=user).count() == 9


def test_new_codes_replace_the_old_ones():
    user = UserFactory()
    old = twofactor.replace_recovery_codes(user)

    twofactor.replace_recovery_codes(user)

    assert twofactor.verify_code(user, old[0]) is None
    assert RecoveryCodeDevice.objects.filter(user=user).count() == 1


def test_an_authenticator_code_is_refused_the_second_time_within_its_time_step():
    user = UserFactory()
    device = confirmed_device(user)
    code = current_code(device)

    assert twofactor.verify_code(user, code) is not None
    assert twofactor.verify_code(user, code) is None


def test_codes_of_older_versions_are_hashed_by_the_migration_and_keep_working():
    user = UserFactory()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    StaticToken.objects.create(device=static, token="wxyz6789")
    migration = importlib.import_module(
        "accounts.security.migrations.0003_hash_existing_recovery_codes"
    )

    migration.hash_static_tokens(apps, None)

    assert not StaticDevice.objects.filter(user=user).exists()
    assert RecoveryCode.objects.filter(device__user=user).count() == 2
    assert not RecoveryCode.objects.filter(digest__contains="abcd2345").exists()
    assert twofactor.verify_code(user, "ABCD2345") is not None
    assert twofactor.verify_code(user, "abcd2345") is None


def test_turning_two_factor_on_and_off_and_using_a_recovery_code_are_emailed(
    client, django_capture_on_commit_callbacks, require_2fa
):
    user = UserFactory(email="officer@example.org")
    client.force_login(user)
    client.get(reverse("accounts:two-factor-setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("accounts:two-factor-setup"), {"code": current_code(device)})
    codes = done.context["codes"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:two-factor-disable"), {"code": codes[0]})

    subjects = [message.subject for message in mail.outbox]
    assert subjects == [
        "Two-factor authentication was turned on",
        "One of your recovery codes was used",
        "Two-factor authentication was turned off",
    ]
    assert all(message.to == ["officer@example.org"] for message in mail.outbox)
    assert "9 recovery codes left" in mail.outbox[1].body
    assert not any(code in message.body for code in codes for message in mail.outbox)


def test_signing_in_with_a_recovery_code_is_emailed(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="officer@example.org")
    confirmed_device(user)
    codes = twofactor.replace_recovery_codes(user)
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:two-factor-verify"), {"code": codes[0]})

    assert response.status_code == 302
    [notice] = mail.outbox
    assert notice.subject == "One of your recovery codes was used"


def test_an_administrator_removing_the_authenticator_is_emailed(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="officer@example.org")
    confirmed_device(user)
    TOTPDevice.objects.create(user=user, name="never confirmed", confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        TOTPDevice.objects.filter(user=user).delete()  # what the admin's delete does

    assert [m.subject for m in mail.outbox] == ["Two-factor authentication was turned off"]
