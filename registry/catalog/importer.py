"""Import a `registry-catalog/1` catalogue: validate every row, then upsert by key.

Two passes inside one transaction:

1. *Plan.* Every row becomes a model instance (a copy of the stored record when the key is
   already known) and goes through the models' own validation, `full_clean_with_facets` /
   `full_clean`, exactly as the UI and the API validate. The normalized result is compared
   with what is stored: each row is planned as created, updated or unchanged. Keys are
   looked up in bulk, one query per section.
2. *Write.* Only when no row has a problem, and not on a dry run: the created and updated rows
   go through the services with `actor=None` (the system), in section order, so a tool can
   name an organization created a moment earlier. Should a service still refuse a row, the
   whole transaction is rolled back.

On update, a field left out of a row keeps its stored value; on create it takes the model's
default (an organization starts unverified, a tool's review date is the import time).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import Organization
from registry import services
from registry.models import LicenseOffer, Need, Tool

from .format import (
    FILE_ROW,
    SECTION_ORDER,
    SECTIONS,
    Catalogue,
    Row,
    read_csv_text,
    read_json_data,
    read_json_text,
)
from .report import CatalogImportError, ImportReport

FORMATS = ("json", "csv")

# Format field -> model field, where they differ.
_MODEL_NAME = {"key": "slug"}

_MODELS: dict[str, type[models.Model]] = {
    "organizations": Organization,
    "tools": Tool,
    "needs": Need,
    "license_offers": LicenseOffer,
}
# Fields that refer to another record rather than hold a value of their own.
_REFERENCES = {"organization", "tool"}


def import_catalog_file(
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Any = None,
    fmt: str | None = None,
) -> ImportReport:
    """Import a catalogue file; its format comes from the suffix unless `fmt` names it."""
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
    return _import(catalogue, dry_run=dry_run, progress=progress)


def import_catalog_text(
    text: str, *, fmt: str, dry_run: bool = False, progress: Any = None
) -> ImportReport:
    """Import a catalogue held in memory as text (an upload), in the format `fmt` names."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown catalogue format {fmt!r}; expected one of {FORMATS}.")
    text = text.removeprefix("\ufeff")
    catalogue = read_json_text(text) if fmt == "json" else read_csv_text(text)
    return _import(catalogue, dry_run=dry_run, progress=progress)


def import_catalog_data(data: dict, *, dry_run: bool = False, progress: Any = None) -> ImportReport:
    """Import an already-parsed JSON catalogue."""
    return _import(read_json_data(data), dry_run=dry_run, progress=progress)


def _import(catalogue: Catalogue, *, dry_run: bool, progress: Any) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    report.errors.extend(catalogue.errors)
    ticker = _Progress(progress)
    with transaction.atomic():
        importer = _CatalogImport(catalogue, report, ticker)
        importer.plan()
        if report.ok and not dry_run:
            importer.write()
            if not report.ok:
                transaction.set_rollback(True)
    ticker.close()
    return report


# --- Progress -------------------------------------------------------------------------------


class _Progress:
    """Feeds a tqdm-like object (`update(n)`, `total`) or a callable `progress(done, total)`.

    A callable is called at an interval, not for every row: when the count has moved by 1% of
    the total (at most every PROGRESS_STEP_MAX rows), after the total changed, and at the end,
    so a background job can store its progress without a database write per row."""

    def __init__(self, target: Any):
        self.target = target
        self.done = 0
        self.total = 0
        self._reported = (-1, -1)

    @property
    def _is_callback(self) -> bool:
        return (
            self.target is not None and not hasattr(self.target, "update") and callable(self.target)
        )

    def add_total(self, extra: int) -> None:
        self.total += extra
        if self.target is not None and hasattr(self.target, "update"):
            try:
                self.target.total = self.total
                if hasattr(self.target, "refresh"):
                    self.target.refresh()
            except AttributeError:
                pass

    def advance(self) -> None:
        self.done += 1
        if self.target is None:
            return
        if hasattr(self.target, "update"):
            self.target.update(1)
        elif self._is_callback:
            last_done, last_total = self._reported
            if (
                self.total != last_total
                or self.done >= self.total
                or self.done - last_done >= progress_step(self.total)
            ):
                self._report()

    def _report(self) -> None:
        if self._reported != (self.done, self.total):
            self._reported = (self.done, self.total)
            self.target(self.done, self.total)

    def close(self) -> None:
        if self.target is None:
            return
        if hasattr(self.target, "close"):
            self.target.close()
        elif self._is_callback:
            self._report()


PROGRESS_STEP_MAX = 200


def progress_step(total: int) -> int:
    """Rows between two progress reports: 1% of the total, between 1 and PROGRESS_STEP_MAX."""
    return max(1, min(PROGRESS_STEP_MAX, total // 100))


# --- Plan and write -------------------------------------------------------------------------


@dataclass
class _Planned:
    """One valid row of the catalogue and what importing it means."""

    section: str
    row: Row
    stored: models.Model | None  # the record in the database, None when the key is new
    candidate: models.Model  # the validated instance, not saved
    values: dict[str, Any]  # cleaned model field values to write (references excluded)
    facets: dict[str, list[str]]  # cleaned codes per facet given in the row
    changed: set[str] = field(default_factory=set)  # model fields that differ from stored
    valid: bool = True
    saved: models.Model | None = None  # after writing: the record as written

    @property
    def key(self) -> str:
        return self.row.key or ""

    @property
    def record(self) -> models.Model | None:
        """The database record this row stands for, once it exists."""
        return self.saved or self.stored


class _CatalogImport:
    def __init__(self, catalogue: Catalogue, report: ImportReport, progress: _Progress):
        self.catalogue = catalogue
        self.report = report
        self.progress = progress
        # Rows of the file by section and key (first occurrence of a key only).
        self.planned: dict[str, dict[str, _Planned]] = {name: {} for name in SECTION_ORDER}
        # Records referred to by key but not defined in the file.
        self.known_orgs: dict[str, Organization] = {}
        self.known_tools: dict[str, Tool] = {}
        self.reported: set[CatalogImportError] = set()

    # -- helpers ------------------------------------------------------------------------------

    def error(self, row: Row, field_name: str, message: str) -> None:
        error = row.error(field_name, message)
        # A field with two validators saying the same thing (Tool.summary) reports it once.
        if error not in self.reported:
            self.reported.add(error)
            self.report.errors.append(error)

    def validation_errors(self, section: str, row: Row, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            items: Iterable[tuple[str, list[str]]] = exc.message_dict.items()
        else:
            items = [(NON_FIELD_ERRORS, exc.messages)]
        for name, messages in items:
            for message in messages:
                self.error(row, self.format_name(section, name), message)

    @staticmethod
    def format_name(section: str, model_name: str) -> str:
        if model_name == "slug":
            return "key"
        if model_name == NON_FIELD_ERRORS:
            return "-"
        if section == "license_offers" and model_name == "organization":
            return "tool"  # the offering organization is the tool's owner
        return model_name

    @staticmethod
    def usable(row: Row, names: Iterable[str]) -> list[str]:
        """Format fields present in the row with a value of the right type."""
        return [n for n in names if n in row.data and n not in row.bad_fields]

    def unique_rows(self, section: str) -> list[Row]:
        """The section's rows, reporting every key used twice (later uses are skipped)."""
        first_use: dict[str, str] = {}
        rows = []
        for row in self.catalogue.rows(section):
            key = row.key
            if key is not None and key in first_use:
                self.error(
                    row,
                    "key",
                    _("Duplicate key “%(key)s”; it is first used at %(first)s.")
                    % {"key": key, "first": first_use[key]},
                )
                self.progress.advance()
                continue
            if key is not None:
                first_use[key] = row.label
            rows.append(row)
        return rows

    # -- plan ---------------------------------------------------------------------------------

    def plan(self) -> None:
        self.progress.add_total(sum(len(self.catalogue.rows(s)) for s in SECTION_ORDER))
        self._look_up_references()
        for section in SECTION_ORDER:
            rows = self.unique_rows(section)
            stored = self._stored(section, [row.key for row in rows if row.key])
            for row in rows:
                planned = self._plan_row(section, row, stored.get(row.key))
                if row.key is not None:
                    self.planned[section][row.key] = planned
                self.progress.advance()
                if not planned.valid:
                    continue
                if planned.stored is None:
                    self.report.created[section] += 1
                    self.report.changes.append((section, planned.key, "created"))
                elif planned.changed:
                    self.report.updated[section] += 1
                    self.report.changes.append((section, planned.key, "updated"))
                else:
                    self.report.unchanged[section] += 1

    def _look_up_references(self) -> None:
        """Organizations and tools named by rows but not defined in the file: one query each."""
        defined = {s: {row.key for row in self.catalogue.rows(s)} for s in SECTION_ORDER}
        org_keys = {
            row.data["organization"]
            for section in ("tools", "needs")
            for row in self.catalogue.rows(section)
            if isinstance(row.data.get("organization"), str)
        } - defined["organizations"]
        tool_keys = {
            row.data["tool"]
            for row in self.catalogue.rows("license_offers")
            if isinstance(row.data.get("tool"), str)
        } - defined["tools"]
        if org_keys:
            self.known_orgs = Organization.objects.in_bulk(org_keys, field_name="slug")
        if tool_keys:
            self.known_tools = Tool.objects.select_related("organization").in_bulk(
                tool_keys, field_name="slug"
            )

    def _stored(self, section: str, keys: list[str]) -> dict[str, models.Model]:
        if not keys:
            return {}
        model = _MODELS[section]
        queryset = model._default_manager.all()
        if section in ("tools", "needs"):
            queryset = queryset.select_related("organization")
        elif section == "license_offers":
            queryset = queryset.select_related("tool__organization")
        facets = getattr(model, "FACETS", {})
        if facets:
            queryset = queryset.prefetch_related(*facets)
        return queryset.in_bulk(keys, field_name="slug")

    def _plan_row(self, section: str, row: Row, stored: models.Model | None) -> _Planned:
        model = _MODELS[section]
        specs = SECTIONS[section]
        facet_names = set(getattr(model, "FACETS", {}))
        scalar_names = [
            s.name for s in specs if s.name not in facet_names and s.name not in _REFERENCES
        ]
        candidate = copy.copy(stored) if stored is not None else model()
        values = {_MODEL_NAME.get(n, n): row.data[n] for n in self.usable(row, scalar_names)}
        facets = {
            n: row.data[n] for n in self.usable(row, [s.name for s in specs]) if n in facet_names
        }
        # Leave out of validation what is already reported, and references to records that
        # do not exist yet (they are checked here instead).
        exclude = {_MODEL_NAME.get(n, n) for n in row.bad_fields}
        planned = _Planned(section, row, stored, candidate, values, facets)

        reference_ok = self._attach_references(section, row, planned, exclude)
        for name, value in values.items():
            setattr(candidate, name, value)
        try:
            if facet_names:
                planned.facets = candidate.full_clean_with_facets(facets, exclude=exclude)
            else:
                candidate.full_clean(exclude=exclude)
        except ValidationError as exc:
            self.validation_errors(section, row, exc)
            planned.valid = False
            return planned
        if row.bad_fields or not reference_ok:
            planned.valid = False
            return planned
        self._normalize(candidate, values)
        planned.changed |= self._differences(stored, candidate, values, planned.facets)
        return planned

    def _attach_references(
        self, section: str, row: Row, planned: _Planned, exclude: set[str]
    ) -> bool:
        """Point the candidate at the organization (or tool) its row names.

        A reference to a record created by this same import cannot be validated by the model
        (it has no primary key yet): it is left out of model validation and marked changed."""
        if section == "organizations":
            return True
        candidate, stored = planned.candidate, planned.stored
        if section == "license_offers":
            return self._attach_tool(row, planned, exclude)
        if "organization" in row.bad_fields:
            return False
        key = row.data["organization"]
        organization, defined = self._organization(key)
        if organization is None and not defined:
            self.error(row, "organization", _("Unknown organization “%(key)s”.") % {"key": key})
            exclude.add("organization")
            return False
        if organization is None:
            # Created by this import: the model cannot check it yet, and offers of this tool
            # must see that its owner is not a stored organization.
            candidate.organization = None
            exclude.add("organization")
            planned.changed.add("organization")
            return True
        candidate.organization = organization
        if stored is None or stored.organization_id != organization.pk:
            planned.changed.add("organization")
        return True

    def _attach_tool(self, row: Row, planned: _Planned, exclude: set[str]) -> bool:
        if "tool" in row.bad_fields:
            exclude.add("organization")
            return False
        candidate, stored = planned.candidate, planned.stored
        key = row.data["tool"]
        tool, owner, defined = self._tool(key)
        if tool is None and not defined:
            self.error(row, "tool", _("Unknown tool “%(key)s”.") % {"key": key})
            exclude.update({"tool", "organization"})
            return False
        if stored is not None and (
            tool is None
            or owner is None
            or stored.tool_id != tool.pk
            or stored.organization_id != owner.pk
        ):
            self.error(
                row,
                "tool",
                _(
                    "An existing licence offer stays with its tool and that tool's owner; "
                    "give the offer a new key instead."
                ),
            )
            exclude.update({"tool", "organization"})
            return False
        if tool is None:
            exclude.add("tool")
        else:
            candidate.tool = tool
        if owner is None:
            exclude.add("organization")
        else:
            candidate.organization = owner
        if tool is None or owner is None:
            planned.changed.update({"tool", "organization"})
        return True

    def _organization(self, key: str) -> tuple[Organization | None, bool]:
        """The stored organization with this key, and whether the file defines it."""
        planned = self.planned["organizations"].get(key)
        if planned is not None:
            return planned.stored, True
        return self.known_orgs.get(key), False

    def _tool(self, key: str) -> tuple[Tool | None, Organization | None, bool]:
        """The stored tool with this key, its owner after this import (when that owner is
        stored already), and whether the file defines the tool."""
        planned = self.planned["tools"].get(key)
        if planned is not None:
            tool = planned.stored
            owner = planned.candidate.organization if planned.candidate.organization_id else None
            return tool, owner, True
        tool = self.known_tools.get(key)
        return tool, (tool.organization if tool is not None else None), False

    @staticmethod
    def _normalize(candidate: models.Model, values: dict[str, Any]) -> None:
        """Take the values as the model cleaned them (dates parsed, and so on)."""
        for name in values:
            value = getattr(candidate, name)
            if name == "last_reviewed_at" and value is not None and timezone.is_naive(value):
                value = timezone.make_aware(value)
                setattr(candidate, name, value)
            values[name] = value

    @staticmethod
    def _differences(
        stored: models.Model | None,
        candidate: models.Model,
        values: dict[str, Any],
        facets: dict[str, list[str]],
    ) -> set[str]:
        if stored is None:
            return {"*"}
        changed = {name for name in values if getattr(candidate, name) != getattr(stored, name)}
        changed |= {
            name for name, codes in facets.items() if sorted(set(codes)) != stored.facet_codes(name)
        }
        return changed

    # -- write --------------------------------------------------------------------------------

    def write(self) -> None:
        to_write = [
            planned
            for section in SECTION_ORDER
            for planned in self.planned[section].values()
            if planned.valid and (planned.stored is None or planned.changed)
        ]
        self.progress.add_total(len(to_write))
        writers: dict[str, Callable[[_Planned], models.Model]] = {
            "organizations": self._write_organization,
            "tools": self._write_tool,
            "needs": self._write_need,
            "license_offers": self._write_license_offer,
        }
        for planned in to_write:
            try:
                planned.saved = writers[planned.section](planned)
            except ValidationError as exc:
                self.validation_errors(planned.section, planned.row, exc)
            except IntegrityError as exc:
                self.error(planned.row, "-", str(exc))
            self.progress.advance()

    def _write_organization(self, planned: _Planned) -> Organization:
        values = dict(planned.values)
        if planned.stored is None:
            return account_services.organization_create(actor=None, **values)
        organization = planned.stored
        status = values.pop("verification_status", None)
        if planned.changed - {"verification_status"}:
            organization = account_services.organization_update(
                actor=None, organization=organization, **values
            )
        if "verification_status" in planned.changed:
            # Verification is a moderator's decision; the system takes it for the catalogue.
            organization = account_services.organization_decide(
                actor=None,
                organization=organization,
                status=status,
                reason=_("Set by a catalogue import."),
            )
        return organization

    def _owner_for_write(self, planned: _Planned) -> Organization:
        key = planned.row.data["organization"]
        defined = self.planned["organizations"].get(key)
        return defined.record if defined is not None else self.known_orgs[key]

    def _write_tool(self, planned: _Planned) -> Tool:
        organization = self._owner_for_write(planned)
        data = {**planned.values, **planned.facets}
        if planned.stored is None:
            return services.tool_create(actor=None, organization=organization, **data)
        return services.tool_update(
            actor=None, tool=planned.stored, organization=organization, **data
        )

    def _write_need(self, planned: _Planned) -> Need:
        organization = self._owner_for_write(planned)
        data = {**planned.values, **planned.facets}
        if planned.stored is None:
            return services.need_create(actor=None, organization=organization, **data)
        return services.need_update(
            actor=None, need=planned.stored, organization=organization, **data
        )

    def _write_license_offer(self, planned: _Planned) -> LicenseOffer:
        data = {**planned.values, **planned.facets}
        if planned.stored is None:
            key = planned.row.data["tool"]
            defined = self.planned["tools"].get(key)
            tool = defined.record if defined is not None else self.known_tools[key]
            return services.license_offer_create(actor=None, tool=tool, **data)
        return services.license_offer_update(actor=None, offer=planned.stored, **data)
