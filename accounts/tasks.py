"""Background work for accounts: notification emails. Thin: fetch by id, call a service."""

from celery import shared_task


@shared_task(
    bind=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def notify_verification_decision(self, organization_id: int) -> int:
    from .notifications import send_verification_decision

    return send_verification_decision(organization_id)


@shared_task(
    bind=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def send_invitation_email(self, invitation_id: int, accept_url: str) -> int:
    from .notifications import send_invitation

    return send_invitation(invitation_id, accept_url)
