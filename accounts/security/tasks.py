"""Scheduled security housekeeping, and the security notices' delivery."""

import smtplib

from celery import shared_task


@shared_task(acks_late=True)
def purge_access_log() -> int:
    """Forget reads older than ACCESS_LOG_RETENTION_DAYS (run daily by Celery beat)."""
    from .privacy import purge_access_log_entries

    return purge_access_log_entries()


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=8,
)
def send_security_notice(
    user_id: int, event: str, at: str, remaining_codes: int | None = None, to: str = ""
) -> bool:
    """Email one security notice (accounts.security.notices). False if the person is gone."""
    from .notices import send_notice

    return send_notice(user_id=user_id, event=event, at=at, remaining_codes=remaining_codes, to=to)
