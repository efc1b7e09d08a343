"""Export the catalogue as `registry-catalog/1`, deterministically.

The same database always gives the same bytes: records sorted by key, codes sorted, keys in
the order of registry.catalog.format.SECTIONS, two-space indentation, UTF-8 and a final
newline. Every field of the format is written, optional ones included, so that exporting,
importing into an empty database and exporting again gives the identical file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import QuerySet

from accounts.models import AccessLogEntry, Organization
from accounts.permissions import restrict
from accounts.services import access_log_record_many
from registry.models import LicenseOffer, Need, Tool
from registry.selectors import needs_visible_to, organizations_visible_to, tools_visible_to

from .csv_safety import csv_text
from .format import CSV_COLUMNS, FORMAT_TAG, SECTIONS, Kind, join_codes
from .importer import _Progress

FORMATS = ("json", "csv")


def export_catalog(
    fmt: str = "json", *, user=None, progress: Callable[[int, int], Any] | None = None
) -> str:
    """The whole catalogue as text, or, given `user`, only what that user may read.

    Without `user` this is the system's export (management command): every record, hidden
    ones included. JSON holds every section; CSV holds the tools only. `progress(done, total)`
    hears of the records written, at the importer's interval (registry.catalog.importer)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown catalogue format {fmt!r}; expected one of {FORMATS}.")
    objects = {name: list(qs) for name, qs in _querysets(user, csv_only=fmt == "csv").items()}
    ticker = _Progress(progress)
    ticker.add_total(sum(len(rows) for rows in objects.values()))
    sections = {}
    for name, rows in objects.items():
        sections[name] = []
        for obj in rows:
            sections[name].append(_record(name, obj))
            ticker.advance()
    ticker.close()
    if user is not None:
        _log_reads(user, objects)
    if fmt == "csv":
        return _csv_text(sections["tools"])
    payload = {"format": FORMAT_TAG, **sections}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _querysets(user, *, csv_only: bool) -> dict[str, QuerySet]:
    if user is None:
        organizations = Organization.objects.all()
        tools = Tool.objects.all()
        needs = Need.objects.all()
        offers = LicenseOffer.objects.all()
    else:
        organizations = organizations_visible_to(user)
        tools = tools_visible_to(user)
        needs = needs_visible_to(user)
        offers = restrict(LicenseOffer.objects.all(), user)
    tools = tools.select_related("organization").prefetch_related(*Tool.FACETS)
    if csv_only:
        return {"tools": tools.order_by("slug")}
    return {
        "organizations": organizations.order_by("slug"),
        "tools": tools.order_by("slug"),
        "needs": needs.select_related("organization")
        .prefetch_related(*Need.FACETS)
        .order_by("slug"),
        "license_offers": offers.select_related("tool")
        .prefetch_related(*LicenseOffer.FACETS)
        .order_by("slug"),
    }


def _record(section: str, obj) -> dict[str, Any]:
    """One record as an ordered dict of the format's fields."""
    facets = getattr(obj, "FACETS", {})
    record: dict[str, Any] = {}
    for spec in SECTIONS[section]:
        name = spec.name
        if name == "key":
            value = obj.slug
        elif name == "organization":
            value = obj.organization.slug
        elif name == "tool":
            value = obj.tool.slug
        elif name in facets:
            value = obj.facet_codes(name)
        else:
            value = getattr(obj, name)
        record[name] = _plain(value, spec.kind)
    return record


def _plain(value: Any, kind: Kind) -> Any:
    if isinstance(value, datetime):
        # One spelling for one instant: UTC, with a Z.
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if kind is Kind.CODES:
        return sorted(value)
    return value


def _csv_text(tools: list[dict[str, Any]]) -> str:
    # Cells a spreadsheet would run as formulas are guarded; the importer undoes it.
    return csv_text(
        CSV_COLUMNS, ([_csv_cell(tool[column]) for column in CSV_COLUMNS] for tool in tools)
    )


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return join_codes(value)
    return str(value)


def _log_reads(user, objects: dict[str, list]) -> None:
    """A person's export is a read like any other: restricted and private records read by
    someone outside their organization go to the access log."""
    for name in ("tools", "needs"):
        if name in objects:
            access_log_record_many(
                user=user, records=objects[name], surface=AccessLogEntry.Surface.EXPORT
            )
