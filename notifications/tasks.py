"""Background work for notifications. Thin: each task calls one function that does the work.

Every task is safe to run twice: delivery checks and locks the message, and the periodic jobs
queue their emails under deduplication keys.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.TransientDeliveryError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def deliver_outbox_message(self, message_id: int) -> bool:
    """Send one outbox message. Acknowledged only once it ran, so a worker that dies mid-send
    leaves the message to another; the row lock or claim keeps that from sending it twice."""
    return services.deliver(message_id)


@shared_task(acks_late=True)
def deliver_pending_outbox() -> int:
    """Every minute: dispatch again what was queued but whose delivery was lost."""
    ids = services.pending_message_ids()
    for message_id in ids:
        deliver_outbox_message.delay(message_id)
    return len(ids)


@shared_task(acks_late=True)
def send_need_digests() -> int:
    """Weekly: tell each open need's organization about new tools that share a function."""
    from registry.notification_events import need_digests_send

    return need_digests_send()


@shared_task(acks_late=True)
def remind_stale_tools() -> int:
    """Daily: ask owners to confirm tools not reviewed for twelve months."""
    from registry.notification_events import stale_tool_reminders_send

    return stale_tool_reminders_send()


@shared_task(acks_late=True)
def remind_stale_needs() -> int:
    """Daily: ask organizations to confirm or close needs left unchanged for twelve months."""
    from registry.notification_events import stale_need_reminders_send

    return stale_need_reminders_send()
