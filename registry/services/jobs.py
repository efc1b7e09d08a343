"""Catalogue imports and exports run in the background (registry.models.CatalogJob).

    job = catalog_import_job_start(actor=moderator, file_name="c.csv", content=b"...")
    job = catalog_export_job_start(actor=member, fmt="json")

Starting a job checks who may start it (accounts.permissions), validates it, stores it and
hands its id to a Celery task once the transaction commits (registry.tasks.run_catalog_job).
The task calls `catalog_job_run`, which runs the job once: a finished job is never run again,
so a task delivered twice (acks_late after a lost worker) does no harm. An import is one
transaction: with any row error nothing is written and the errors are stored, row by row, as
`row_errors` ([{row, key, field, message}]). An export holds only what the job's creator may
read (registry.catalog.export_catalog(user=...), the same code as the download pages).
"""

from __future__ import annotations

import csv
import io
import logging
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
from registry.catalog import export_catalog, import_catalog_text
from registry.models import CatalogJob

from .errors import PermissionDenied

logger = logging.getLogger(__name__)

FORMATS = tuple(CatalogJob.Format.values)
# Errors worth a retry of the task: the job is left unfinished and the task raises again.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


def upload_max_bytes() -> int:
    return int(getattr(settings, "CATALOG_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


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
    limit = upload_max_bytes()
    if len(content) > limit:
        raise ValidationError(
            {
                "file": _("The file is too large: at most %(limit)s MB.")
                % {"limit": f"{limit / (1024 * 1024):g}"}
            },
            code="too_large",
        )
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
    job = CatalogJob(kind=CatalogJob.Kind.EXPORT, format=fmt, created_by=actor)
    job.full_clean()
    job.save()
    _dispatch_on_commit(job.pk)
    return job


def _dispatch_on_commit(job_id: int) -> None:
    # robust: a broker that cannot be reached leaves the job waiting, not the request failed.
    transaction.on_commit(lambda: dispatch(job_id), robust=True)


def dispatch(job_id: int) -> None:
    from registry.tasks import run_catalog_job

    run_catalog_job.delay(job_id)


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


def _run_import(job: CatalogJob, writer: _ProgressWriter) -> None:
    report = import_catalog_text(job.source, fmt=job.format, dry_run=job.dry_run, progress=writer)
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
    user = job.created_by
    if user is None or not user.is_active:
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
    """The row-error report as CSV: row, key, field, message."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "key", "field", "message"])
    for error in job.row_errors or []:
        writer.writerow(
            [_csv_safe(str(error.get(name, ""))) for name in ("row", "key", "field", "message")]
        )
    return out.getvalue()


def _csv_safe(cell: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (CSV injection)."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
