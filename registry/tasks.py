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


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def run_catalog_job(self, job_id: int) -> str | None:
    """Run one catalogue import or export (registry.services.jobs). A job already finished
    is not run again, so a task delivered twice does the work once."""
    from django.db import InterfaceError, OperationalError

    from registry.services.jobs import catalog_job_run

    try:
        job = catalog_job_run(job_id=job_id)
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(exc=exc) from exc
    return job.status if job is not None else None


@shared_task(acks_late=True)
def sweep_catalog_jobs() -> dict[str, int]:
    """Every five minutes: dispatch again catalogue jobs whose dispatch was lost (a broker
    outage) and close those whose worker died (registry.services.jobs.catalog_jobs_sweep)."""
    from registry.services.jobs import catalog_jobs_sweep

    return catalog_jobs_sweep()
