"""Catalogue imports and exports run in the background (registry.models.CatalogJob).

    job = catalog_import_job_start(actor=moderator, file_name="c.csv", content=b"...")
    job = catalog_export_job_start(actor=member, fmt="json")

Starting a job checks who may start it (accounts.permissions), validates it, stores it with
its creator and the two-factor state of the request that started it, and hands its id to a
Celery task once the transaction commits (registry.tasks.run_catalog_job). In embedded mode
(no broker: tasks run in-process) the job runs on a background thread of this process
instead, never in the request that started it. The task calls `catalog_job_run`, which runs
the job once: a finished job is never run again, so a task delivered twice (acks_late after a
lost worker) does no harm.

A job acts as its creator, with the two-factor state recorded when it started
(with_two_factor_state), never more: an import is planned and written under their
permissions (registry.catalog.importer), an export holds only what they may read
(registry.catalog.export_catalog(user=...), the same code as the download pages). An import
writes in one transaction: with any row error nothing is written and the errors are stored,
row by row, as `row_errors` ([{row, key, field, message}]).
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.security.twofactor import is_verified, with_two_factor_state
from core.errors import PermissionDenied
from registry.catalog import export_catalog, import_catalog_text
from registry.models import CatalogJob

logger = logging.getLogger(__name__)

FORMATS = tuple(CatalogJob.Format.values)
# Errors worth a retry of the task: the job is left unfinished and the task raises again.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


def upload_max_bytes() -> int:
    """The largest catalogue accepted for import: CATALOG_UPLOAD_MAX_BYTES, and on SQLite (the
    embedded mode) no more than CATALOG_EMBEDDED_MAX_BYTES, as an import's writes hold
    SQLite's only write lock until they are done."""
    limit = int(getattr(settings, "CATALOG_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
    if _embedded_database():
        limit = min(limit, _embedded_max_bytes())
    return limit


def _embedded_max_bytes() -> int:
    return int(getattr(settings, "CATALOG_EMBEDDED_MAX_BYTES", 256 * 1024))


def _embedded_database() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "sqlite"


def upload_too_large_message() -> str:
    """Why an upload is refused for its size, and what to do about it."""
    limit = upload_max_bytes()
    size = {"limit": f"{limit / (1024 * 1024):g}"}
    if _embedded_database() and limit == _embedded_max_bytes():
        return (
            _(
                "The file is too large for a registry running on SQLite (the embedded mode): "
                "at most %(limit)s MB. Split the catalogue into smaller files, or ask the "
                "operator to move the registry to PostgreSQL."
            )
            % size
        )
    return _("The file is too large: at most %(limit)s MB.") % size


# --- Uploads --------------------------------------------------------------------------------

# Room for the other fields and the multipart framing around an uploaded file.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def body_too_large(content_length) -> bool:
    """Whether a request body announced as `content_length` bytes cannot hold an acceptable
    upload, so it can be refused before it is read."""
    try:
        return int(content_length or 0) > upload_max_bytes() + UPLOAD_OVERHEAD_BYTES
    except (TypeError, ValueError):
        return False


def sniff_catalog_format(text: str) -> str | None:
    """The format, "json" or "csv", from what the text holds (not from a file name), or None.

    JSON: a document that starts with an object or a list. CSV: a first line that reads as
    a header of several cells naming the `key` column."""
    head = text.lstrip()
    if not head:
        return None
    if head[0] in "{[":
        return "json"
    first_line = head.splitlines()[0]
    try:
        header = next(csv.reader(io.StringIO(first_line)))
    except (csv.Error, StopIteration):
        return None
    cells = [cell.strip() for cell in header]
    return "csv" if len(cells) > 1 and "key" in cells else None


def catalog_upload_check(*, file_name: str, content: bytes) -> tuple[str, str]:
    """The format and the text of an uploaded catalogue, or a ValidationError on `file`.

    The file must be no larger than CATALOG_UPLOAD_MAX_BYTES, UTF-8 text, named .json or .csv,
    and hold what its name says (checked from the content)."""
    if len(content) > upload_max_bytes():
        raise ValidationError({"file": upload_too_large_message()}, code="too_large")
    suffix = PurePath(file_name or "").suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValidationError(
            {"file": _("Upload a catalogue as a .json or .csv file.")}, code="file_type"
        )
    if b"\x00" in content:
        raise ValidationError(
            {"file": _("This is not a text file; upload JSON or CSV.")}, code="file_type"
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            {"file": _("The file is not UTF-8 text; save it as UTF-8 and upload it again.")},
            code="encoding",
        ) from exc
    sniffed = sniff_catalog_format(text)
    if sniffed is None:
        raise ValidationError(
            {"file": _("The file holds neither a JSON catalogue nor a CSV file with a header.")},
            code="file_type",
        )
    if sniffed != suffix:
        raise ValidationError(
            {
                "file": _("The file is named .%(suffix)s but holds %(found)s.")
                % {"suffix": suffix, "found": sniffed.upper()}
            },
            code="file_type",
        )
    return sniffed, text


# --- Starting jobs ----------------------------------------------------------------------------


@transaction.atomic
def catalog_import_job_start(
    *, actor, file_name: str, content: bytes, dry_run: bool = False
) -> CatalogJob:
    """Store an uploaded catalogue and queue its import (or, with `dry_run`, its check)."""
    if not permissions.can_import_catalog(actor):
        raise PermissionDenied(_("Only moderators and administrators import catalogues."))
    fmt, text = catalog_upload_check(file_name=file_name, content=content)
    job = CatalogJob(
        kind=CatalogJob.Kind.IMPORT,
        format=fmt,
        dry_run=bool(dry_run),
        created_by=actor,
        two_factor_verified=is_verified(actor),
        source_name=PurePath(file_name).name[:255],
        source=text,
    )
    job.full_clean()
    job.save()
    _dispatch_on_commit(job.pk)
    return job


@transaction.atomic
def catalog_export_job_start(*, actor, fmt: str) -> CatalogJob:
    """Queue an export of what `actor` may read, as JSON (every section) or CSV (tools)."""
    if not permissions.can_export_catalog(actor):
        raise PermissionDenied(_("Sign in to export the catalogue."))
    job = CatalogJob(
        kind=CatalogJob.Kind.EXPORT,
        format=fmt,
        created_by=actor,
        two_factor_verified=is_verified(actor),
    )
    job.full_clean()
    job.save()
    _dispatch_on_commit(job.pk)
    return job


def _dispatch_on_commit(job_id: int) -> None:
    # robust: a broker that cannot be reached leaves the job waiting, not the request failed.
    transaction.on_commit(lambda: dispatch(job_id), robust=True)


def dispatch(job_id: int) -> bool:
    """Hand one job to a worker (or, embedded, to this process's job thread). A broker that
    cannot be reached leaves the job pending for the sweep (catalog_jobs_sweep): the request
    that started it has committed and must not fail now. Returns whether it was handed over."""
    if runs_in_process():
        run_in_background(job_id)
        return True
    from registry.tasks import run_catalog_job

    try:
        run_catalog_job.delay(job_id)
    except Exception:  # any broker or network error: the sweep is the fallback
        logger.warning(
            "Could not dispatch catalogue job %s; the sweep will.", job_id, exc_info=True
        )
        return False
    return True


# --- The sweep: jobs whose dispatch or worker was lost ------------------------------------------

# A job queued within this time is left alone: its own dispatch is on its way.
JOB_SWEEP_GRACE = timedelta(minutes=2)
# A job still running after this long lost its worker (imports and exports of the largest
# accepted files take minutes). Its import was one transaction, rolled back with the worker.
JOB_RUNNING_LIMIT = timedelta(hours=6)
JOB_SWEEP_BATCH = 100


def catalog_jobs_sweep(*, now=None) -> dict[str, int]:
    """Dispatch again the jobs still pending after the grace period, oldest first, and mark
    failed those running for longer than JOB_RUNNING_LIMIT, so no job waits forever."""
    now = now or timezone.now()
    pending = list(
        CatalogJob.objects.filter(
            status=CatalogJob.Status.PENDING, created_at__lte=now - JOB_SWEEP_GRACE
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:JOB_SWEEP_BATCH]
    )
    dispatched = sum(1 for job_id in pending if dispatch(job_id))
    interrupted = CatalogJob.objects.filter(
        status=CatalogJob.Status.RUNNING, started_at__lte=now - JOB_RUNNING_LIMIT
    ).update(
        status=CatalogJob.Status.FAILED,
        finished_at=now,
        failure=_("The job was interrupted and nothing was written; start it again."),
    )
    return {"pending": len(pending), "dispatched": dispatched, "interrupted": interrupted}


# --- Embedded mode: jobs on a background thread ---------------------------------------------

# Waits (seconds) before each new try of a job stopped by a transient error (a lock).
BACKGROUND_RETRY_DELAYS = (5, 30, 120)
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def runs_in_process() -> bool:
    """Whether jobs run on a thread of this process: the embedded mode, where Celery runs
    tasks eagerly (in the caller), which would run a long import inside the request that
    started it. CATALOG_JOBS_IN_THREAD turns it off (the test settings do: tests see a job
    finish in the request)."""
    return bool(settings.CELERY_TASK_ALWAYS_EAGER) and bool(
        getattr(settings, "CATALOG_JOBS_IN_THREAD", True)
    )


def run_in_background(job_id: int) -> Future:
    """Run the job on this process's job thread, one job at a time (SQLite has one writer)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-job")
        return _executor.submit(_run_on_thread, job_id)


def _run_on_thread(job_id: int) -> str | None:
    try:
        for delay in (0, *BACKGROUND_RETRY_DELAYS):
            time.sleep(delay)
            try:
                job = catalog_job_run(job_id=job_id)
            except TRANSIENT_ERRORS:
                # Left unfinished: the next try (or the sweep of pending jobs) runs it.
                logger.warning("Catalogue job %s stopped by a transient error", job_id)
                continue
            return job.status if job is not None else None
        return None
    except Exception:  # nobody waits on this thread's result: say what went wrong
        logger.exception("Catalogue job %s could not run", job_id)
        raise
    finally:
        # This thread's own connections; the request threads keep theirs.
        connections.close_all()


# --- Running jobs ---------------------------------------------------------------------------


def catalog_job_run(*, job_id: int) -> CatalogJob | None:
    """Run one job, unless it is finished already (then it is returned untouched)."""
    job = _claim(job_id)
    if job is None:
        return CatalogJob.objects.filter(pk=job_id).first()
    writer = _ProgressWriter(job.pk)
    try:
        if job.kind == CatalogJob.Kind.IMPORT:
            _run_import(job, writer)
        else:
            _run_export(job, writer)
    except TRANSIENT_ERRORS:
        raise  # the task retries; the job is not finished, so the retry runs it
    except Exception as exc:  # noqa: BLE001 - a job records its failure instead of crashing
        logger.exception("Catalogue job %s failed", job.pk)
        _finish(
            job,
            status=CatalogJob.Status.FAILED,
            failure=_("Unexpected error: %(error)s") % {"error": type(exc).__name__},
        )
    finally:
        writer.close()
    return job


def _claim(job_id: int) -> CatalogJob | None:
    """Mark the job running (row locked), or None when it is missing or finished."""
    with transaction.atomic():
        job = CatalogJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        job.status = CatalogJob.Status.RUNNING
        job.started_at = timezone.now()
        job.progress_done = 0
        job.save(update_fields=["status", "started_at", "progress_done"])
    return job


def _finish(job: CatalogJob, *, status: str, failure: str = "", **fields) -> None:
    job.status = status
    job.failure = failure
    job.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(
        update_fields=[
            "status",
            "failure",
            "finished_at",
            "progress_done",
            "progress_total",
            *fields,
        ]
    )


def _job_actor(job: CatalogJob):
    """The job's creator, with the two-factor state of the request that started the job;
    None when the account is gone or disabled (nobody whose rights the job could follow)."""
    user = job.created_by
    if user is None or not user.is_active:
        return None
    return with_two_factor_state(user, job.two_factor_verified)


def _run_import(job: CatalogJob, writer: _ProgressWriter) -> None:
    actor = _job_actor(job)
    if actor is None:
        # Never the system: an import is made by the person who started it, or not at all.
        _finish(
            job,
            status=CatalogJob.Status.FAILED,
            failure=_("The account that started this import is no longer active."),
        )
        return
    report = import_catalog_text(
        job.source, fmt=job.format, actor=actor, dry_run=job.dry_run, progress=writer
    )
    job.progress_done, job.progress_total = writer.done, writer.total
    summary = {
        "dry_run": job.dry_run,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": len(report.errors),
    }
    if report.ok:
        _finish(job, status=CatalogJob.Status.SUCCEEDED, summary=summary, row_errors=[])
        return
    _finish(
        job,
        status=CatalogJob.Status.FAILED,
        failure=_("%(count)d problem(s) found; nothing was written.")
        % {"count": len(report.errors)},
        summary=summary,
        row_errors=[error.as_dict() for error in report.errors],
    )


def _run_export(job: CatalogJob, writer: _ProgressWriter) -> None:
    user = _job_actor(job)
    if user is None:
        # Without its creator there is nobody whose reading rights the export could follow.
        _finish(
            job,
            status=CatalogJob.Status.FAILED,
            failure=_("The account that started this export is no longer active."),
        )
        return
    text = export_catalog(job.format, user=user, progress=writer)
    job.progress_done, job.progress_total = writer.done, writer.total
    _finish(
        job,
        status=CatalogJob.Status.SUCCEEDED,
        result=text,
        summary={"records": writer.total, "bytes": len(text.encode())},
    )


class _ProgressWriter:
    """The importer's and exporter's `progress(done, total)` callback for one job.

    They call it at an interval (1% of the rows, at most every 200), so this writes the row
    each time. An import runs inside one transaction, whose writes other connections do not
    see until it ends; on PostgreSQL the progress is therefore written through a connection
    of its own, in autocommit, so the page and the API watch it move."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = 0
        self.total = 0
        self._side = None

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.in_atomic_block and connection.vendor == "postgresql":
            self._write_outside(done, total)
        else:
            CatalogJob.objects.filter(pk=self.job_id).update(
                progress_done=done, progress_total=total
            )

    def _write_outside(self, done: int, total: int) -> None:
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self._side.cursor() as cursor:
                    # Never wait on a lock the job's own transaction might hold.
                    cursor.execute("SET lock_timeout = '2s'")
            table = self._side.ops.quote_name(CatalogJob._meta.db_table)
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress_done = %s, progress_total = %s WHERE id = %s",  # noqa: S608
                    [done, total, self.job_id],
                )
        except DatabaseError:
            # Progress is a courtesy: the final figures are written when the job finishes.
            logger.warning("Could not write the progress of catalogue job %s", self.job_id)
            self.close()

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


# --- Reading jobs ---------------------------------------------------------------------------


def catalog_jobs_visible_to(user):
    """The jobs `user` may see: their own (all of them for administrators), newest first."""
    return permissions.restrict(CatalogJob.objects.all(), user).select_related("created_by")


def catalog_job_row_errors_csv(job: CatalogJob) -> str:
    """The row-error report as CSV: row, key, field, message (cells guarded against formulas,
    like every CSV the registry writes: registry.catalog.csv_safety)."""
    from registry.catalog.csv_safety import csv_text

    columns = ("row", "key", "field", "message")
    rows = ([str(error.get(name, "")) for name in columns] for error in job.row_errors or [])
    return csv_text(columns, rows)
