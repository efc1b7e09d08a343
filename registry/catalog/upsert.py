"""Upsert the rows of a catalogue by key, as one importer: the plan and write passes of
registry.catalog.importer (whose docstring says what an import may do and in what order)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import IntegrityError, models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts import services as account_services
from accounts.models import Organization
from accounts.roles import Action
from registry import services
from registry.models import LicenseOffer, Need, Tool

from .format import SECTION_ORDER, SECTIONS, Catalogue, Row
from .progress import _Progress
from .report import CatalogImportError, ImportReport

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
# Keys looked up per query.
_LOOKUP_BATCH = 500


def key_not_available() -> str:
    """The one answer for a key the importer may not use: taken by a record they may not
    read, or by one they may read but not change. It never says which."""
    return _("This key is not available; give the record another key.")


@dataclass
class _Planned:
    """One row of the catalogue and what importing it means."""

    section: str
    row: Row
    stored: models.Model | None  # the record in the database, None when the key is new
    candidate: models.Model  # the validated instance, not saved
    values: dict[str, Any]  # cleaned model field values to write (references excluded)
    facets: dict[str, list[str]]  # cleaned codes per facet given in the row
    changed: set[str] = field(default_factory=set)  # model fields that differ from stored
    valid: bool = True
    # The key belongs to a record the importer may not change (or read): the row is refused
    # and references to the key are resolved as if the file did not define it.
    unavailable: bool = False
    saved: models.Model | None = None  # after writing: the record as written

    @property
    def key(self) -> str:
        return self.row.key or ""

    @property
    def record(self) -> models.Model | None:
        """The database record this row stands for, once it exists."""
        return self.saved or self.stored


class CatalogUpsert:
    """The rows of one catalogue, planned and then written as one importer (see importer)."""

    def __init__(
        self, catalogue: Catalogue, report: ImportReport, progress: _Progress, actor
    ) -> None:
        self.catalogue = catalogue
        self.report = report
        self.progress = progress
        self.actor = actor  # None: the system
        # Rows of the file by section and key (first occurrence of a key only).
        self.planned: dict[str, dict[str, _Planned]] = {name: {} for name in SECTION_ORDER}
        # Stored records named by rows, among those the importer may read.
        self.known_orgs: dict[str, Organization] = {}
        self.known_tools: dict[str, Tool] = {}
        self.reported: set[CatalogImportError] = set()
        self._may_add: dict[tuple[str, int], bool] = {}

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

    # -- what the importer may read, change and add -------------------------------------------

    def readable(self, model: type[models.Model]) -> models.QuerySet:
        """The records of `model` the importer may read (all of them for the system)."""
        queryset = model._default_manager.all()
        if self.actor is None:
            return queryset
        return permissions.restrict(queryset, self.actor, Action.VIEW)

    def may_add(self, section: str, row: Row, organization: Organization) -> bool:
        """Whether the importer may add the row's record to `organization` (which may be one
        this import creates); reports the row when not."""
        if self.actor is None:
            return True
        model = _MODELS[section]
        if organization.pk is None:
            allowed = permissions.may_import_into(self.actor, model, organization)
        else:
            cache_key = (model._meta.label_lower, organization.pk)
            if cache_key not in self._may_add:
                self._may_add[cache_key] = permissions.may_import_into(
                    self.actor, model, organization
                )
            allowed = self._may_add[cache_key]
        if not allowed:
            self.error(
                row,
                self.format_name(section, "organization"),
                _("You may not add records for this organization."),
            )
        return allowed

    # -- plan ---------------------------------------------------------------------------------

    def plan(self) -> None:
        self.progress.add_total(sum(len(self.catalogue.rows(s)) for s in SECTION_ORDER))
        self._look_up_references()
        for section in SECTION_ORDER:
            rows = self.unique_rows(section)
            stored, unavailable = self._stored(section, [row.key for row in rows if row.key])
            for row in rows:
                planned = self._plan_row(
                    section, row, stored.get(row.key), unavailable=row.key in unavailable
                )
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
        """Organizations and tools named by rows, among those the importer may read."""
        org_keys = {
            row.data["organization"]
            for section in ("tools", "needs")
            for row in self.catalogue.rows(section)
            if "organization" not in row.bad_fields
            and isinstance(row.data.get("organization"), str)
        }
        tool_keys = {
            row.data["tool"]
            for row in self.catalogue.rows("license_offers")
            if "tool" not in row.bad_fields and isinstance(row.data.get("tool"), str)
        }
        self.known_orgs = _by_key(self.readable(Organization), org_keys)
        self.known_tools = _by_key(self.readable(Tool).select_related("organization"), tool_keys)

    def _stored(self, section: str, keys: list[str]) -> tuple[dict[str, models.Model], set[str]]:
        """The stored records of the section the importer may change, by key, and the keys
        taken by records they may not change (or not even read)."""
        if not keys:
            return {}, set()
        model = _MODELS[section]
        queryset = self.readable(model)
        if section in ("tools", "needs"):
            queryset = queryset.select_related("organization")
        elif section == "license_offers":
            queryset = queryset.select_related("tool__organization")
        facets = getattr(model, "FACETS", {})
        if facets:
            queryset = queryset.prefetch_related(*facets)
        visible = _by_key(queryset, keys)
        if self.actor is None:
            return visible, set()
        changeable: set[int] = set()
        ids = [record.pk for record in visible.values()]
        for start in range(0, len(ids), _LOOKUP_BATCH):
            batch = model._default_manager.filter(pk__in=ids[start : start + _LOOKUP_BATCH])
            changeable.update(
                permissions.restrict(batch, self.actor, Action.CHANGE).values_list("pk", flat=True)
            )
        unseen = sorted(set(keys) - set(visible))
        taken: set[str] = set()
        for start in range(0, len(unseen), _LOOKUP_BATCH):
            batch_keys = unseen[start : start + _LOOKUP_BATCH]
            # Only whether the key is used: the record itself is never loaded.
            taken.update(
                model._default_manager.filter(slug__in=batch_keys).values_list("slug", flat=True)
            )
        available = {key: r for key, r in visible.items() if r.pk in changeable}
        return available, taken | (set(visible) - set(available))

    def _plan_row(
        self, section: str, row: Row, stored: models.Model | None, *, unavailable: bool
    ) -> _Planned:
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
        if unavailable:
            # The rest of the row is checked as for a new record, so the report is the same
            # whoever holds the key.
            self.error(row, "key", key_not_available())
            planned.unavailable = True
            exclude.add("slug")

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
        if row.bad_fields or not reference_ok or unavailable:
            planned.valid = False
            return planned
        self._normalize(candidate, values)
        planned.changed |= self._differences(stored, candidate, values, planned.facets)
        if section == "organizations" and not self._may_decide_verification(planned):
            planned.valid = False
        return planned

    def _may_decide_verification(self, planned: _Planned) -> bool:
        """A verification status that differs from the stored one (or, for a new
        organization, from "unverified") is a vetting decision: only for those who vet."""
        status = planned.values.get("verification_status")
        if self.actor is None or status is None:
            return True
        current = (
            planned.stored.verification_status
            if planned.stored is not None
            else Organization._meta.get_field("verification_status").get_default()
        )
        if status == current or permissions.can_decide_verification(self.actor):
            return True
        self.error(planned.row, "verification_status", _("Only moderators vet organizations."))
        return False

    def _attach_references(
        self, section: str, row: Row, planned: _Planned, exclude: set[str]
    ) -> bool:
        """Point the candidate at the organization (or tool) its row names, and check that
        the importer may add a record there.

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
        organization, new_organization = self._organization(key)
        if organization is None and new_organization is None:
            self.error(row, "organization", _("Unknown organization “%(key)s”.") % {"key": key})
            exclude.add("organization")
            return False
        if stored is not None and (
            organization is None or stored.organization_id != organization.pk
        ):
            self.error(
                row,
                "organization",
                _("An import does not move a record to another organization."),
            )
            exclude.add("organization")
            return False
        if organization is None:
            # Created by this import: the model cannot check it yet, and offers of this tool
            # must see that its owner is not a stored organization.
            candidate.organization = None
            exclude.add("organization")
            planned.changed.add("organization")
            return self.may_add(section, row, new_organization)
        candidate.organization = organization
        if stored is None:
            return self.may_add(section, row, organization)
        return True

    def _attach_tool(self, row: Row, planned: _Planned, exclude: set[str]) -> bool:
        if "tool" in row.bad_fields:
            exclude.add("organization")
            return False
        candidate, stored = planned.candidate, planned.stored
        key = row.data["tool"]
        tool, owner, new_owner, defined = self._tool(key)
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
        if stored is None:
            organization = owner if owner is not None else new_owner
            # None: the tool's own row names an unknown organization (reported there).
            if organization is not None and not self.may_add("license_offers", row, organization):
                return False
        return True

    def _defined(self, section: str, key: str) -> _Planned | None:
        """The file's row for `key`, unless its key is not available to the importer (then
        the key stands for whatever stored record they may read, as if the file did not
        define it)."""
        planned = self.planned[section].get(key)
        return None if planned is None or planned.unavailable else planned

    def _organization(self, key: str) -> tuple[Organization | None, Organization | None]:
        """(the stored organization with this key that the importer may read, or None;
        the organization this import creates under the key, not saved yet, or None)."""
        planned = self._defined("organizations", key)
        if planned is not None:
            if planned.stored is not None:
                return planned.stored, None
            return None, planned.candidate
        return self.known_orgs.get(key), None

    def _tool(self, key: str) -> tuple[Tool | None, Organization | None, Organization | None, bool]:
        """(the stored tool with this key, one the importer may read; its owner after this
        import when that owner is stored already; otherwise the organization this import
        creates to own it; whether the file defines the tool)."""
        planned = self._defined("tools", key)
        if planned is not None:
            owner = planned.candidate.organization if planned.candidate.organization_id else None
            new_owner = None
            organization_key = planned.row.data.get("organization")
            if owner is None and isinstance(organization_key, str):
                new_owner = self._organization(organization_key)[1]
            return planned.stored, owner, new_owner, True
        tool = self.known_tools.get(key)
        return tool, (tool.organization if tool is not None else None), None, False

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
            except ObjectDoesNotExist:
                # The service may not show the record to the importer (changed meanwhile).
                self.error(planned.row, "key", key_not_available())
            except PermissionDenied as exc:
                self.error(planned.row, "-", str(exc))
            except IntegrityError:
                self.error(
                    planned.row,
                    "-",
                    _("This row conflicts with a record saved meanwhile; import the file again."),
                )
            self.progress.advance()

    def _write_organization(self, planned: _Planned) -> Organization:
        values = dict(planned.values)
        status = values.pop("verification_status", None)
        if planned.stored is None and self.actor is None:
            if status is not None:
                values["verification_status"] = status
            return account_services.organization_create(actor=None, **values)
        if planned.stored is None:
            # A catalogue entry: the importer does not become a member.
            organization = account_services.organization_create(
                actor=self.actor, unclaimed=True, **values
            )
            status_changed = status is not None and status != organization.verification_status
        else:
            organization = planned.stored
            if planned.changed - {"verification_status"}:
                organization = account_services.organization_update(
                    actor=self.actor, organization=organization, **values
                )
            status_changed = "verification_status" in planned.changed
        if status_changed:
            organization = account_services.organization_decide(
                actor=self.actor,
                organization=organization,
                status=status,
                reason=_("Set by a catalogue import."),
            )
        return organization

    def _owner_for_write(self, planned: _Planned) -> Organization:
        key = planned.row.data["organization"]
        defined = self._defined("organizations", key)
        return defined.record if defined is not None else self.known_orgs[key]

    def _write_tool(self, planned: _Planned) -> Tool:
        data = {**planned.values, **planned.facets}
        if planned.stored is None:
            organization = self._owner_for_write(planned)
            return services.tool_create(actor=self.actor, organization=organization, **data)
        return services.tool_update(actor=self.actor, tool=planned.stored, **data)

    def _write_need(self, planned: _Planned) -> Need:
        data = {**planned.values, **planned.facets}
        if planned.stored is None:
            organization = self._owner_for_write(planned)
            return services.need_create(actor=self.actor, organization=organization, **data)
        return services.need_update(actor=self.actor, need=planned.stored, **data)

    def _write_license_offer(self, planned: _Planned) -> LicenseOffer:
        data = {**planned.values, **planned.facets}
        if planned.stored is None:
            key = planned.row.data["tool"]
            defined = self._defined("tools", key)
            tool = defined.record if defined is not None else self.known_tools[key]
            return services.license_offer_create(actor=self.actor, tool=tool, **data)
        return services.license_offer_update(actor=self.actor, offer=planned.stored, **data)


def _by_key(queryset: models.QuerySet, keys: Iterable[str]) -> dict[str, Any]:
    """The records of `queryset` with these keys (slugs), by key, a batch per query."""
    keys = sorted(set(keys))
    found: dict[str, Any] = {}
    for start in range(0, len(keys), _LOOKUP_BATCH):
        found.update(
            (record.slug, record)
            for record in queryset.filter(slug__in=keys[start : start + _LOOKUP_BATCH])
        )
    return found
