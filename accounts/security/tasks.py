"""Scheduled security housekeeping."""

from celery import shared_task


@shared_task(acks_late=True)
def purge_access_log() -> int:
    """Forget reads older than ACCESS_LOG_RETENTION_DAYS (run daily by Celery beat)."""
    from .privacy import purge_access_log_entries

    return purge_access_log_entries()
