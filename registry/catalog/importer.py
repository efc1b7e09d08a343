"""Import a `registry-catalog/1` catalogue: validate every row, then upsert by key.

An import is made by someone. `actor` is the person importing (a moderator or administrator:
the upload page, the API, `manage.py import_catalog --as EMAIL`), or None for the system
itself (`manage.py import_catalog` run by an operator with shell access, the demo loader).
A person's import is planned and written through the same permission layer and services as
their page and API writes, within `accounts.permissions.catalogue_import()` (the policy for
imports is written there):

- Stored records are looked up through `restrict()`: a record the importer may not read is
  never loaded, compared or reported. A row whose key belongs to a record they may not read,
  or may read but not change, is refused with one message (`key_not_available()`), the same
  for both and in dry and real runs: the key cannot be created twice, and nothing tells a
  hidden record from one that is merely someone else's. A reference to a record they may not
  read (a tool's organization, an offer's tool) is unknown, exactly as a key nobody uses.
- No import moves a record to another organization, nor a licence offer to another tool.

Two passes:

1. *Plan*, reading only, outside any write transaction (SQLite has one writer: a long plan
   must not keep everyone else from saving). Every row becomes a model instance (a copy of
   the stored record when the key is known) and goes through the models' own validation,
   `full_clean_with_facets` / `full_clean`, exactly as the UI and the API validate, and
   through the permission checks. The normalized result is compared with what is stored:
   each row is planned as created, updated or unchanged. Stored records are looked up in
   bulk, a few queries per section.
2. *Write*, only when no row has a problem: the created and updated rows go through the
   services with the actor, in section order (so a tool can name an organization created a
   moment earlier), in one transaction. Should a service refuse a row, the whole transaction
   is rolled back and the refusal reported. A dry run writes too and then always rolls back,
   so it reports exactly what the real run would do, the services' refusals included.

On update, a field left out of a row keeps its stored value; on create it takes the model's
default (an organization starts unverified, a tool's review date is the import time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions

from .format import FILE_ROW, Catalogue, read_csv_text, read_json_data, read_json_text
from .progress import PROGRESS_STEP_MAX, _Progress, progress_step
from .report import CatalogImportError, ImportReport
from .upsert import CatalogUpsert, key_not_available

__all__ = [
    "FORMATS",
    "PROGRESS_STEP_MAX",
    "import_catalog_data",
    "import_catalog_file",
    "import_catalog_text",
    "key_not_available",
    "progress_step",
]

FORMATS = ("json", "csv")


def import_catalog_file(
    path: str | Path,
    *,
    actor,
    dry_run: bool = False,
    progress: Any = None,
    fmt: str | None = None,
) -> ImportReport:
    """Import a catalogue file as `actor` (None: the system); its format comes from the
    suffix unless `fmt` names it."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        report = ImportReport(dry_run=dry_run)
        report.errors.append(
            CatalogImportError(
                FILE_ROW,
                "format",
                _(
                    "Cannot tell the format of “%(name)s”; name a .json or .csv file, or give "
                    "the format (json or csv)."
                )
                % {"name": path.name},
            )
        )
        return report
    try:
        # utf-8-sig: accept (and drop) the byte order mark some editors write.
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        report = ImportReport(dry_run=dry_run)
        report.errors.append(
            CatalogImportError(
                FILE_ROW,
                "path",
                _("Cannot read the file as UTF-8 text: %(reason)s") % {"reason": exc},
            )
        )
        return report
    catalogue = read_json_text(text) if fmt == "json" else read_csv_text(text)
    return _import(catalogue, actor=actor, dry_run=dry_run, progress=progress)


def import_catalog_text(
    text: str, *, fmt: str, actor, dry_run: bool = False, progress: Any = None
) -> ImportReport:
    """Import a catalogue held in memory as text (an upload), in the format `fmt` names, as
    `actor` (None: the system)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown catalogue format {fmt!r}; expected one of {FORMATS}.")
    text = text.removeprefix("\ufeff")
    catalogue = read_json_text(text) if fmt == "json" else read_csv_text(text)
    return _import(catalogue, actor=actor, dry_run=dry_run, progress=progress)


def import_catalog_data(
    data: dict, *, actor, dry_run: bool = False, progress: Any = None
) -> ImportReport:
    """Import an already-parsed JSON catalogue as `actor` (None: the system)."""
    return _import(read_json_data(data), actor=actor, dry_run=dry_run, progress=progress)


def _import(catalogue: Catalogue, *, actor, dry_run: bool, progress: Any) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    report.errors.extend(catalogue.errors)
    if actor is not None and not permissions.can_import_catalog(actor):
        report.errors.append(
            CatalogImportError(
                FILE_ROW, "-", _("Only moderators and administrators import catalogues.")
            )
        )
        return report
    ticker = _Progress(progress)
    with permissions.catalogue_import(actor):
        importer = CatalogUpsert(catalogue, report, ticker, actor)
        importer.plan()
        if report.ok:
            with transaction.atomic():
                importer.write()
                if dry_run or not report.ok:
                    transaction.set_rollback(True)
    ticker.close()
    return report
