"""The outbox: queued in the caller's transaction, delivered once, retried when it may help."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Kind, OutboxMessage
from tests.factories import UserFactory


def _enqueue(recipient, key="event:1", kind=Kind.LICENCE_REQUEST):
    return services.enqueue(
        kind=kind, recipient=recipient, subject="Subject", body="Body text.", dedupe_key=key
    )


def test_same_event_twice_makes_one_row_and_one_email(django_capture_on_commit_callbacks):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue(person)
        second = _enqueue(person)
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    first.refresh_from_db()
    assert first.sent_at is not None and first.attempts == 1


def test_nothing_is_sent_before_the_callers_transaction_commits(
    django_capture_on_commit_callbacks,
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _enqueue(person)
    assert len(callbacks) == 1
    assert mail.outbox == []
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_a_rolled_back_event_queues_and_sends_nothing(django_capture_on_commit_callbacks):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _enqueue(person)
                raise RuntimeError("the event's own write failed")
        except RuntimeError:
            pass
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_delivering_the_same_message_again_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(UserFactory())
    assert len(mail.outbox) == 1
    assert tasks.deliver_outbox_message.delay(message.pk).get() is False
    assert services.deliver(message.pk) is False
    assert len(mail.outbox) == 1


def test_the_email_ends_with_an_unsubscribe_link_and_carries_list_unsubscribe(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(UserFactory())
    sent = mail.outbox[0]
    assert sent.body.rstrip().endswith(message.unsubscribe_url)
    assert message.unsubscribe_url.startswith("https://registry.test/notifications/unsubscribe/")
    assert sent.extra_headers["List-Unsubscribe"] == f"<{message.unsubscribe_url}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.extra_headers["Message-ID"].startswith(f"<outbox.{message.pk}.")


def test_an_inactive_account_gets_nothing():
    assert _enqueue(UserFactory(is_active=False)) is None
    assert not OutboxMessage.objects.exists()


def _flaky_send(failures: int):
    calls = {"n": 0}
    real_send = services._send

    def send(message):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        real_send(message)

    return send, calls


def test_the_task_retries_a_transient_smtp_failure_until_it_goes_through():
    message = _stored_message()
    send, calls = _flaky_send(failures=2)
    # Run eagerly, Celery applies each retry at once (no countdown) when errors are not
    # propagated; the test settings propagate them, so switch that off here.
    conf = tasks.deliver_outbox_message.app.conf
    propagates = conf.task_eager_propagates
    conf.task_eager_propagates = False
    try:
        with mock.patch.object(services, "_send", side_effect=send):
            result = tasks.deliver_outbox_message.apply((message.pk,))
    finally:
        conf.task_eager_propagates = propagates
    assert result.successful() and result.get() is True
    message.refresh_from_db()
    assert calls["n"] == 3
    assert message.sent_at is not None and message.attempts == 3
    assert message.last_error == ""
    assert len(mail.outbox) == 1


def test_a_failed_dispatch_does_not_break_the_caller_and_the_sweep_sends_it_later(
    django_capture_on_commit_callbacks,
):
    send, calls = _flaky_send(failures=1)
    with mock.patch.object(services, "_send", side_effect=send):
        with django_capture_on_commit_callbacks(execute=True):
            message = _enqueue(UserFactory())
        message.refresh_from_db()
        assert message.is_pending and "SMTPServerDisconnected" in message.last_error
        later = timezone.now() + services.SWEEP_RETRY_QUIET + timedelta(seconds=1)
        assert services.pending_message_ids(now=later) == [message.pk]
        with mock.patch.object(services.timezone, "now", return_value=later):
            tasks.deliver_pending_outbox.delay()
    message.refresh_from_db()
    assert message.sent_at is not None and calls["n"] == 2
    assert len(mail.outbox) == 1


def test_transient_failure_raises_for_celery_to_retry_and_keeps_the_message_pending():
    message = _stored_message()
    with mock.patch.object(services, "_send", side_effect=ConnectionRefusedError("down")):
        with pytest.raises(services.TransientDeliveryError):
            services.deliver(message.pk)
    message.refresh_from_db()
    assert message.is_pending and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.claimed_until is None


def test_the_delivery_task_retries_with_exponential_backoff_on_transient_errors():
    task = tasks.deliver_outbox_message
    assert services.TransientDeliveryError in task.autoretry_for
    assert task.retry_backoff and task.retry_backoff_max and task.max_retries
    assert task.acks_late and task.reject_on_worker_lost


def test_a_permanent_refusal_gives_up_without_raising():
    message = _stored_message()
    refused = smtplib.SMTPRecipientsRefused({message.recipient: (550, b"no such user")})
    with mock.patch.object(services, "_send", side_effect=refused):
        assert services.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.sent_at is None and message.failed_at is not None
    assert services.deliver(message.pk) is False  # given up: not tried again


def test_a_temporary_refusal_counts_as_transient():
    assert services.is_transient(smtplib.SMTPResponseException(451, b"try again later"))
    assert not services.is_transient(smtplib.SMTPResponseException(554, b"rejected"))
    assert services.is_transient(TimeoutError())
    assert not services.is_transient(ValueError())


def test_gives_up_after_the_last_attempt():
    message = _stored_message(attempts=OutboxMessage.MAX_ATTEMPTS - 1)
    with mock.patch.object(services, "_send", side_effect=ConnectionResetError("reset")):
        with pytest.raises(services.TransientDeliveryError):
            services.deliver(message.pk)
    message.refresh_from_db()
    assert message.failed_at is not None


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="The claim is how SQLite, without row locks, delivers."
)
def test_on_sqlite_a_message_claimed_by_another_sender_is_left_to_it():
    message = _stored_message()
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=5)
    )
    assert services.deliver(message.pk) is False
    assert mail.outbox == []
    # A claim whose sender died expires, and the message goes out.
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.deliver(message.pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.skipif(
    not connection.features.has_select_for_update_skip_locked,
    reason="Needs a database with SELECT ... FOR UPDATE SKIP LOCKED (PostgreSQL).",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_a_message_locked_by_another_sender_is_skipped():
    import threading

    message = _stored_message()
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=message.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            thread_connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        assert services.deliver(message.pk) is False
        assert mail.outbox == []
    finally:
        release.set()
        holder.join(timeout=10)
    assert services.deliver(message.pk) is True
    assert len(mail.outbox) == 1


def test_the_sweep_redispatches_only_old_unsent_messages_not_tried_recently():
    now = timezone.now()
    lost = _stored_message(key="lost", created=now - timedelta(minutes=5))
    _stored_message(key="fresh", created=now)
    _stored_message(key="sent", created=now - timedelta(minutes=5), sent_at=now)
    _stored_message(key="failed", created=now - timedelta(minutes=5), failed_at=now)
    _stored_message(
        key="retrying", created=now - timedelta(minutes=5), last_attempt_at=now, attempts=1
    )
    retried_long_ago = _stored_message(
        key="retried-long-ago",
        created=now - timedelta(hours=2),
        last_attempt_at=now - timedelta(hours=1),
        attempts=2,
    )
    assert services.pending_message_ids(now=now) == [retried_long_ago.pk, lost.pk]
    assert tasks.deliver_pending_outbox.delay().get() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [lost.recipient, retried_long_ago.recipient]
    )
    assert services.pending_message_ids() == []


def _stored_message(*, key="stored", created=None, **fields):
    """A message written straight to the table, as if its dispatch had been lost."""
    person = UserFactory()
    message = OutboxMessage.objects.create(
        kind=Kind.LICENCE_REQUEST,
        recipient=person.email,
        user=person,
        subject="Subject",
        body="Body",
        dedupe_key=key,
        **fields,
    )
    if created is not None:
        OutboxMessage.objects.filter(pk=message.pk).update(created_at=created)
        message.refresh_from_db()
    return message
