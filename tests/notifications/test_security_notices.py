"""Security notices go through the outbox: written in the transaction of the change they report,
one per event, never switched off, with no unsubscribe link."""

from __future__ import annotations

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import notices, privacy
from accounts.security.tasks import send_security_notice
from accounts.security.twofactor import replace_recovery_codes, verify_code
from notifications import services
from notifications.models import Kind, OutboxMessage
from tests.factories import UserFactory


def _notices(user=None) -> list[OutboxMessage]:
    messages = OutboxMessage.objects.filter(kind=Kind.ACCOUNT_SECURITY)
    if user is not None:
        messages = messages.filter(recipient=user.email)
    return list(messages.order_by("pk"))


def test_a_password_change_queues_its_notice_in_the_same_transaction():
    user = UserFactory(email="officer@example.org")

    with transaction.atomic():
        user.set_password("a brand new passphrase")
        user.save()
        # Already there before the commit: no task stands between the change and its email.
        [notice] = _notices(user)

    assert notice.subject == "Your password was changed"
    assert notice.dedupe_key.startswith(f"security:{user.pk}:password_changed:")


def test_a_rolled_back_change_queues_no_notice():
    user = UserFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        user.set_password("a brand new passphrase")
        user.save()
        raise RuntimeError("the change fails after the save")

    assert _notices() == []


def test_two_factor_on_off_and_a_recovery_code_each_queue_their_own_notice(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="officer@example.org")
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    codes = replace_recovery_codes(user)

    with django_capture_on_commit_callbacks(execute=True):
        notices.notify(user=user, event=notices.TWO_FACTOR_ENABLED)
        assert verify_code(user, codes[0]) is not None
        device.delete()

    events = [message.dedupe_key.split(":")[2] for message in _notices(user)]
    assert events == ["two_factor_enabled", "recovery_code_used", "two_factor_disabled"]
    assert len({message.dedupe_key for message in _notices(user)}) == 3
    assert [m.subject for m in mail.outbox] == [
        "Two-factor authentication was turned on",
        "One of your recovery codes was used",
        "Two-factor authentication was turned off",
    ]


def test_the_same_event_queued_again_by_an_old_task_makes_no_second_email(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="officer@example.org")
    at = "2026-01-02T03:04:05.678901+00:00"

    with django_capture_on_commit_callbacks(execute=True):
        send_security_notice.delay(user.pk, notices.SIGNED_OUT_EVERYWHERE, at)
        send_security_notice.delay(user.pk, notices.SIGNED_OUT_EVERYWHERE, at)

    [notice] = _notices(user)
    assert notice.dedupe_key == f"security:{user.pk}:signed_out_everywhere:{at}:account"
    assert len(mail.outbox) == 1


def test_a_security_notice_ignores_preferences_and_has_no_unsubscribe_link(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="officer@example.org")
    services.preferences_update(user=user, enabled_kinds=[])  # everything optional off
    with pytest.raises(ValidationError):
        services.preference_set(kind=Kind.ACCOUNT_SECURITY, enabled=False, user=user)
    with pytest.raises(ValidationError):
        services.preference_set(kind=Kind.ACCOUNT_SECURITY, enabled=False, email=user.email)

    with django_capture_on_commit_callbacks(execute=True):
        notice = notices.notify(user=user, event=notices.TWO_FACTOR_DISABLED)

    assert notice is not None and notice.unsubscribe_url == ""
    [sent] = mail.outbox
    assert "List-Unsubscribe" not in sent.extra_headers
    assert "/notifications/unsubscribe/" not in sent.body
    assert reverse("accounts:security") in sent.body
    forged = signing.dumps(
        {"k": Kind.ACCOUNT_SECURITY, "u": user.pk}, salt=services.UNSUBSCRIBE_SALT, compress=True
    )
    with pytest.raises(services.InvalidUnsubscribeToken):
        services.read_unsubscribe_token(forged)


def test_a_changed_email_address_queues_one_notice_for_each_address():
    user = UserFactory(email="officer@example.org")

    user.email = "new.officer@example.org"
    user.save()

    assert sorted(m.recipient for m in _notices()) == [
        "new.officer@example.org",
        "officer@example.org",
    ]
    assert len({m.dedupe_key for m in _notices()}) == 2


def test_deleting_an_account_with_an_authenticator_leaves_no_notice_behind():
    user = UserFactory(email="officer@example.org")
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)

    privacy.account_delete(user=user)

    assert _notices() == []
    assert not OutboxMessage.objects.filter(recipient="officer@example.org").exists()
