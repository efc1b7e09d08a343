"""Background work for the registry. Thin: fetch by id, call a service."""

from celery import shared_task


@shared_task(
    bind=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def embed_record(self, model_label: str, pk: int) -> bool:
    """(Re)compute the stored embedding of one tool or need; True if a vector was written."""
    from registry.overlap import record_embedding_refresh

    return record_embedding_refresh(model_label=model_label, pk=pk)
