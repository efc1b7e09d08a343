"""Long imports in the embedded mode (issue 17, finding 7): jobs run off the request thread,
an import plans without holding SQLite's write lock, files too large for SQLite are refused
with a clear message, and a locked database is a 503 with Retry-After, never a 500."""

from __future__ import annotations

import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from config.middleware import server_error
from registry.catalog import import_catalog_data
from registry.models import CatalogJob, Tool
from registry.services import jobs
from tests.api.conftest import client_for
from tests.factories import UserFactory

from .helpers import demo_data

LOCKED = OperationalError("database is locked")


@pytest.fixture
def moderator():
    return UserFactory(groups=["moderator"])


def _locked(*args, **kwargs):
    raise LOCKED


# --- A lock is a 503 with Retry-After -------------------------------------------------------


def test_a_page_stopped_by_a_locked_database_answers_503_with_retry_after(moderator, monkeypatch):
    monkeypatch.setattr(jobs, "catalog_jobs_visible_to", _locked)
    client = Client(raise_request_exception=False)
    client.force_login(moderator)

    response = client.get(reverse("registry:catalog-job-list"))

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "busy" in response.content.decode()


def test_an_api_call_stopped_by_a_locked_database_answers_503_with_retry_after(
    moderator, monkeypatch
):
    monkeypatch.setattr(jobs, "catalog_jobs_visible_to", _locked)

    response = client_for(moderator).get("/api/v1/catalog-jobs/")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["errors"][0]["code"] == "database_busy"


def test_a_lock_outside_any_view_answers_503_too():
    """Django's 500 handler runs while the exception is handled: a lock met by a middleware
    (saving the session) is told apart there."""
    request = RequestFactory().get("/tools/")
    try:
        raise LOCKED
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    try:
        raise OperationalError("no such table: registry_tool")
    except OperationalError:
        assert server_error(request).status_code == 500


# --- Files too large for SQLite ---------------------------------------------------------------


def test_a_file_too_large_for_sqlite_is_refused_with_a_clear_message(moderator, settings):
    settings.CATALOG_EMBEDDED_MAX_BYTES = 1024
    content = b'{"format": "registry-catalog/1", "organizations": [], "tools": []}' + b" " * 2048
    if connection.vendor == "sqlite":
        with pytest.raises(ValidationError) as refused:
            jobs.catalog_import_job_start(actor=moderator, file_name="c.json", content=content)
        message = refused.value.message_dict["file"][0]
        assert "SQLite" in message and "0.0009765" in message
        assert not CatalogJob.objects.exists()
        client = Client()
        client.force_login(moderator)
        page = client.post(
            reverse("registry:catalog-job-import"),
            {"file": SimpleUploadedFile("c.json", content)},
        )
        assert "SQLite" in page.content.decode()
    else:
        # PostgreSQL has no single write lock: only CATALOG_UPLOAD_MAX_BYTES applies.
        job = jobs.catalog_import_job_start(actor=moderator, file_name="c.json", content=content)
        assert job.pk


# --- Jobs off the request thread, plans outside a transaction -------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_embedded_import_job_runs_off_the_request_thread(moderator, settings, monkeypatch):
    """Without a broker the job runs on the job thread: the upload's request answers at
    once, while the job is still waiting to start."""
    settings.CATALOG_JOBS_IN_THREAD = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    answered = threading.Event()
    ran_on = []
    run = jobs.catalog_job_run

    def job_waiting_for_the_answer(*, job_id):
        ran_on.append((threading.current_thread().name, answered.wait(timeout=20)))
        return run(job_id=job_id)

    monkeypatch.setattr(jobs, "catalog_job_run", job_waiting_for_the_answer)
    client = Client()
    client.force_login(moderator)
    content = json.dumps(demo_data()).encode()

    response = client.post(
        reverse("registry:catalog-job-import"),
        {"file": SimpleUploadedFile("catalogue.json", content)},
    )
    answered.set()
    assert response.status_code == 302
    jobs.run_in_background(0).result(timeout=60)  # one job at a time: the import is done

    assert ran_on[0][0].startswith("catalog-job")
    assert ran_on[0][0] != threading.current_thread().name
    assert ran_on[0][1] is True  # the request had answered before the job started
    job = CatalogJob.objects.get()
    assert job.status == CatalogJob.Status.SUCCEEDED, job.row_errors
    assert Tool.objects.count() == len(demo_data()["tools"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_plans_outside_any_transaction_and_writes_in_one():
    """SQLite has one writer: the long plan takes no write lock, only the writes do."""
    in_transaction = []

    def progress(done, total):
        in_transaction.append(connection.in_atomic_block)

    data = demo_data()
    rows = sum(len(data[s]) for s in ("organizations", "tools", "needs", "license_offers"))

    report = import_catalog_data(data, actor=None, progress=progress)

    assert report.ok
    assert in_transaction[:rows] == [False] * rows
    assert in_transaction[-1] is True
