"""No catalogue job waits forever: a job whose dispatch was lost (the broker was down when
its request committed) is dispatched again by the periodic sweep, and a job whose worker died
mid-run is closed with a message saying nothing was written."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from registry.models import CatalogJob
from registry.services import jobs
from registry.services.jobs import catalog_export_job_start, catalog_jobs_sweep
from registry.tasks import run_catalog_job
from tests.factories import ToolFactory, UserFactory


def _broker_down(*args, **kwargs):
    raise ConnectionRefusedError("nothing listens where the broker should be")


def _age(job: CatalogJob, **fields) -> CatalogJob:
    CatalogJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def test_an_export_started_while_the_broker_is_down_stays_pending_and_the_request_succeeds(
    django_capture_on_commit_callbacks,
):
    member = UserFactory()
    with mock.patch.object(run_catalog_job, "delay", side_effect=_broker_down):
        with django_capture_on_commit_callbacks(execute=True):
            job = catalog_export_job_start(actor=member, fmt="json")
    job.refresh_from_db()
    assert job.status == CatalogJob.Status.PENDING


def test_the_sweep_runs_a_job_whose_dispatch_was_lost(django_capture_on_commit_callbacks):
    ToolFactory(visibility="public")
    member = UserFactory()
    with mock.patch.object(run_catalog_job, "delay", side_effect=_broker_down):
        with django_capture_on_commit_callbacks(execute=True):
            job = catalog_export_job_start(actor=member, fmt="json")
    job = _age(job, created_at=timezone.now() - jobs.JOB_SWEEP_GRACE - timedelta(seconds=1))

    result = catalog_jobs_sweep()

    job.refresh_from_db()
    assert result["pending"] == 1 and result["dispatched"] == 1
    assert job.status == CatalogJob.Status.SUCCEEDED
    assert job.result


def test_the_sweep_leaves_a_job_just_queued_to_its_own_dispatch():
    job = CatalogJob.objects.create(
        kind=CatalogJob.Kind.EXPORT, format="json", created_by=UserFactory()
    )
    with mock.patch.object(jobs, "dispatch") as dispatch:
        result = catalog_jobs_sweep()
    dispatch.assert_not_called()
    assert result["pending"] == 0
    job.refresh_from_db()
    assert job.status == CatalogJob.Status.PENDING


def test_the_sweep_survives_a_broker_still_down_and_tries_again_next_time():
    job = CatalogJob.objects.create(
        kind=CatalogJob.Kind.EXPORT, format="json", created_by=UserFactory()
    )
    _age(job, created_at=timezone.now() - timedelta(hours=1))
    with (
        mock.patch.object(jobs, "runs_in_process", return_value=False),
        mock.patch.object(run_catalog_job, "delay", side_effect=_broker_down),
    ):
        result = catalog_jobs_sweep()
    assert result == {"pending": 1, "dispatched": 0, "interrupted": 0}
    job.refresh_from_db()
    assert job.status == CatalogJob.Status.PENDING


@pytest.mark.parametrize("hours, closed", [(1, False), (7, True)])
def test_a_job_whose_worker_died_is_closed_after_the_running_limit(hours, closed):
    job = CatalogJob.objects.create(
        kind=CatalogJob.Kind.EXPORT, format="json", created_by=UserFactory()
    )
    _age(job, status=CatalogJob.Status.RUNNING, started_at=timezone.now() - timedelta(hours=hours))

    result = catalog_jobs_sweep()

    job.refresh_from_db()
    assert result["interrupted"] == int(closed)
    if closed:
        assert job.status == CatalogJob.Status.FAILED
        assert "nothing was written" in job.failure
        assert job.finished_at is not None
    else:
        assert job.status == CatalogJob.Status.RUNNING
