"""Background catalogue jobs: starting them, running them in the (eager) task, progress,
row errors, dry runs, reruns and what an export may hold."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Organization
from registry.catalog import importer
from registry.models import CatalogJob, Tool
from registry.services import PermissionDenied
from registry.services.jobs import (
    catalog_export_job_start,
    catalog_import_job_start,
    catalog_job_row_errors_csv,
    catalog_job_run,
    catalog_upload_check,
)
from registry.tasks import run_catalog_job
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory

from .helpers import DATA_DIR


@pytest.fixture
def moderator():
    return UserFactory(groups=["moderator"])


def _json_bytes(data) -> bytes:
    return json.dumps(data).encode()


def _start_import(actor, demo, capture, *, dry_run=False, name="catalogue.json"):
    with capture(execute=True):
        job = catalog_import_job_start(
            actor=actor, file_name=name, content=_json_bytes(demo), dry_run=dry_run
        )
    job.refresh_from_db()
    return job


def test_an_import_runs_in_the_task_and_reaches_its_total(
    moderator, demo, django_capture_on_commit_callbacks
):
    job = _start_import(moderator, demo, django_capture_on_commit_callbacks)

    assert job.status == CatalogJob.Status.SUCCEEDED
    assert job.started_at and job.finished_at
    rows = sum(len(demo[s]) for s in ("organizations", "tools", "needs", "license_offers"))
    # Every row checked, then every row written.
    assert job.progress_total == 2 * rows
    assert job.progress_done == job.progress_total
    assert job.percent_done == 100
    assert job.summary["created"]["tools"] == len(demo["tools"])
    assert job.row_errors == []
    assert Tool.objects.count() == len(demo["tools"])


def test_nothing_is_dispatched_before_the_start_commits(
    moderator, demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = catalog_import_job_start(
            actor=moderator, file_name="c.json", content=_json_bytes(demo)
        )
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == CatalogJob.Status.PENDING
    assert not Tool.objects.exists()


def test_row_errors_are_stored_and_nothing_is_written(
    moderator, demo, django_capture_on_commit_callbacks
):
    demo["tools"][1]["availability"] = "priceless"
    demo["tools"][2]["organization"] = "nobody-knows"

    job = _start_import(moderator, demo, django_capture_on_commit_callbacks)

    assert job.status == CatalogJob.Status.FAILED
    assert not Organization.objects.exists() and not Tool.objects.exists()
    fields = {(e["row"], e["key"], e["field"]) for e in job.row_errors}
    assert ("tools[1]", demo["tools"][1]["key"], "availability") in fields
    assert ("tools[2]", demo["tools"][2]["key"], "organization") in fields
    assert all(set(e) == {"row", "key", "field", "message"} for e in job.row_errors)
    assert job.summary["errors"] == len(job.row_errors) >= 2
    report = list(csv.reader(io.StringIO(catalog_job_row_errors_csv(job))))
    assert report[0] == ["row", "key", "field", "message"]
    assert len(report) == len(job.row_errors) + 1


def test_a_dry_run_only_checks(moderator, demo, django_capture_on_commit_callbacks):
    job = _start_import(moderator, demo, django_capture_on_commit_callbacks, dry_run=True)

    assert job.status == CatalogJob.Status.SUCCEEDED
    assert job.summary["dry_run"] is True
    assert job.summary["created"]["tools"] == len(demo["tools"])
    assert not Tool.objects.exists() and not Organization.objects.exists()


def test_a_finished_job_is_not_run_again(moderator, demo, django_capture_on_commit_callbacks):
    job = _start_import(moderator, demo, django_capture_on_commit_callbacks)
    finished_at = job.finished_at
    Tool.objects.filter(slug=demo["tools"][0]["key"]).update(name="Changed since")

    assert run_catalog_job.delay(job.pk).get() == CatalogJob.Status.SUCCEEDED
    catalog_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.finished_at == finished_at
    # The import did not run again (it would have put the name back).
    assert Tool.objects.get(slug=demo["tools"][0]["key"]).name == "Changed since"


def test_a_job_left_running_by_a_lost_worker_runs_again(moderator, demo):
    job = CatalogJob.objects.create(
        kind="import",
        format="json",
        created_by=moderator,
        source=json.dumps(demo),
        status=CatalogJob.Status.RUNNING,
    )
    run_catalog_job.delay(job.pk)
    job.refresh_from_db()
    assert job.status == CatalogJob.Status.SUCCEEDED
    assert Tool.objects.count() == len(demo["tools"])


def test_a_missing_job_is_ignored():
    assert run_catalog_job.delay(987654).get() is None


def test_progress_is_reported_at_an_interval_not_per_row(monkeypatch):
    calls = []
    ticker = importer._Progress(lambda done, total: calls.append((done, total)))
    ticker.add_total(10_000)
    for _ in range(10_000):
        ticker.advance()
    ticker.close()
    assert calls[0] == (1, 10_000)
    assert calls[-1] == (10_000, 10_000)
    assert len(calls) <= 102  # every 1% (100 rows here), plus the first and the last
    assert importer.progress_step(1_000_000) == importer.PROGRESS_STEP_MAX
    assert importer.progress_step(50) == 1


def test_progress_is_written_to_the_job_while_it_runs(
    moderator, demo, django_capture_on_commit_callbacks, monkeypatch
):
    from registry.services import jobs

    seen = []
    original = jobs._ProgressWriter.__call__

    def spy(self, done, total):
        original(self, done, total)
        seen.append((done, total))

    monkeypatch.setattr(jobs._ProgressWriter, "__call__", spy)
    job = _start_import(moderator, demo, django_capture_on_commit_callbacks)
    assert len(seen) >= 2
    assert seen[-1] == (job.progress_total, job.progress_total)
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)


# --- Who may start what -------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("member", False),
        ("owner", False),
        ("outsider", False),
        ("moderator", True),
        ("administrator", True),
    ],
)
def test_only_moderators_and_administrators_import(who, allowed, demo):
    if who in ("member", "owner"):
        actor = MembershipFactory(role="editor" if who == "member" else "owner").user
    elif who == "outsider":
        actor = UserFactory()
    else:
        actor = UserFactory(groups=[who])
    if allowed:
        job = catalog_import_job_start(actor=actor, file_name="c.json", content=_json_bytes(demo))
        assert job.created_by == actor
    else:
        with pytest.raises(PermissionDenied):
            catalog_import_job_start(actor=actor, file_name="c.json", content=_json_bytes(demo))
        assert not CatalogJob.objects.exists()


def test_anonymous_people_start_no_export():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        catalog_export_job_start(actor=AnonymousUser(), fmt="json")
    with pytest.raises(ValidationError):
        catalog_export_job_start(actor=UserFactory(), fmt="xml")
    assert not CatalogJob.objects.exists()


# --- Uploads ----------------------------------------------------------------------------------


def test_uploads_are_checked_by_size_name_and_content(settings):
    csv_bytes = (DATA_DIR / "tools.csv").read_bytes()
    assert catalog_upload_check(file_name="tools.csv", content=csv_bytes)[0] == "csv"
    assert catalog_upload_check(file_name="c.JSON", content=b'\xef\xbb\xbf{"a": 1}') == (
        "json",
        '{"a": 1}',
    )
    bad = {
        "tools.json": csv_bytes,  # CSV named .json
        "catalogue.csv": b'{"format": "registry-catalog/1"}',  # JSON named .csv
        "catalogue.txt": b"{}",  # neither name
        "picture.json": b"\x89PNG\r\n\x1a\n\x00\x00",  # binary
        "latin.csv": "key,name\nb\xe9,x\n".encode("latin-1"),  # not UTF-8
        "empty.json": b"   ",
        "prose.csv": b"Just some words, no header\n",
    }
    for name, content in bad.items():
        with pytest.raises(ValidationError) as caught:
            catalog_upload_check(file_name=name, content=content)
        assert "file" in caught.value.message_dict, name
    settings.CATALOG_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="too large"):
        catalog_upload_check(file_name="c.json", content=b'{"format": "x", "a": 1}')


def test_a_csv_upload_imports_tools(moderator, django_capture_on_commit_callbacks):
    OrganizationFactory(slug="harbour-light")
    OrganizationFactory(slug="lanternworks")
    content = (DATA_DIR / "tools.csv").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        job = catalog_import_job_start(actor=moderator, file_name="tools.csv", content=content)
    job.refresh_from_db()
    assert job.format == "csv"
    assert job.status == CatalogJob.Status.SUCCEEDED, job.row_errors
    assert set(Tool.objects.values_list("slug", flat=True)) == {
        "harbour-light-lexicon",
        "lanternworks-ledger",
    }


# --- Exports ------------------------------------------------------------------------------


@pytest.fixture
def restricted_tool():
    owner_org = OrganizationFactory(sector="law_enforcement")
    return ToolFactory(
        organization=owner_org,
        slug="sealed-tool",
        name="Sealed Tool",
        visibility="restricted",
        restricted_to_sectors=["ngo"],
    )


def _export(actor, capture, fmt="json") -> CatalogJob:
    with capture(execute=True):
        job = catalog_export_job_start(actor=actor, fmt=fmt)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_export_holds_only_what_its_creator_may_see(
    fmt, restricted_tool, django_capture_on_commit_callbacks
):
    ToolFactory(slug="open-tool", visibility="public")
    outsider = UserFactory()
    allowed = MembershipFactory(organization=OrganizationFactory(sector="ngo"), role="viewer").user

    outsider_job = _export(outsider, django_capture_on_commit_callbacks, fmt)
    allowed_job = _export(allowed, django_capture_on_commit_callbacks, fmt)

    for job in (outsider_job, allowed_job):
        assert job.status == CatalogJob.Status.SUCCEEDED
        assert job.progress_done == job.progress_total > 0
        assert "open-tool" in job.result
    assert "sealed-tool" not in outsider_job.result
    assert "sealed-tool" in allowed_job.result
    assert allowed_job.summary["bytes"] == len(allowed_job.result.encode())


def test_an_export_whose_creator_is_gone_fails_instead_of_exporting_everything(
    restricted_tool, django_capture_on_commit_callbacks
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = catalog_export_job_start(actor=person, fmt="json")
    person.delete()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == CatalogJob.Status.FAILED
    assert job.result == ""
    assert job.failure


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_progress_is_visible_to_other_connections_during_an_import(demo, monkeypatch):
    """An import is one transaction; its progress is written outside it, so the page and the
    API (other connections) watch it move."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    from registry.services import jobs

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer; the progress is written in the import's transaction")
    moderator = UserFactory(groups=["moderator"])
    job = CatalogJob.objects.create(
        kind="import", format="json", created_by=moderator, source=json.dumps(demo)
    )
    seen = []
    original = jobs._ProgressWriter.__call__

    def spy(self, done, total):
        original(self, done, total)
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT progress_done FROM registry_catalogjob WHERE id = %s", [self.job_id]
                )
                seen.append((done, cursor.fetchone()[0]))
        finally:
            other.close()

    monkeypatch.setattr(jobs._ProgressWriter, "__call__", spy)
    catalog_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == CatalogJob.Status.SUCCEEDED
    assert len(seen) >= 2
    assert all(done == stored for done, stored in seen), seen
