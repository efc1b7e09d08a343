"""Background work for accounts: queueing notification emails in the outbox.

The services no longer dispatch these: they queue the emails in the transaction of the event
itself (accounts.services), so a lost task cannot lose an email. The tasks stay registered so
that ones queued by an earlier version, still waiting in the broker, run rather than fail.
Thin: fetch by id, call a function. They only write outbox rows (deduplicated per event and
recipient, so running one again queues nothing more); sending, with its retries, is
notifications.tasks.deliver_outbox_message.
"""

from celery import shared_task


@shared_task(acks_late=True)
def notify_verification_decision(organization_id: int) -> int:
    from .notifications import send_verification_decision

    return send_verification_decision(organization_id)


@shared_task(acks_late=True)
def send_invitation_email(invitation_id: int, accept_url: str) -> int:
    from .notifications import send_invitation

    return send_invitation(invitation_id, accept_url)
