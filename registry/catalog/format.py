"""The `registry-catalog/1` format: its sections, their fields, and reading a file into rows.

A catalogue is JSON:

    {"format": "registry-catalog/1",
     "organizations": [...], "tools": [...], "needs": [...], "license_offers": [...]}

(`needs` and `license_offers` may be left out), or a CSV file of tools only, one row per tool,
with exactly the columns of `CSV_COLUMNS` (the tool fields, in the order of SECTIONS["tools"]),
multi-valued cells joined with `;`, and an `organization` column naming an organization that
is already in the database.

Fields are listed in SECTIONS; those marked not required may be left out of a row. On update
a left-out field keeps its stored value; on create it takes the model's default. A JSON null
in a text field that may be empty (a website, a description) means "". In CSV an empty
`last_reviewed_at` cell is null.

This module only checks the *shape* of a file: known sections and fields, required fields
present, strings where strings belong and lists of strings where lists belong, and text that
every form and the API would refuse too (longer than 20,000 characters, NUL characters, lone
surrogates: accounts.security.sanitize). Whether a value is allowed (a known code, a country,
a summary short enough...) is decided by the models' own validation, in the importer.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.security.sanitize import validate_storable_text

from .csv_safety import csv_cell_value
from .report import CatalogImportError

FORMAT_TAG = "registry-catalog/1"
FILE_ROW = "file"
LIST_SEPARATOR = ";"


class Kind(Enum):
    """What a field holds in the JSON form of the catalogue."""

    TEXT = "text"  # a string
    OPTIONAL_TEXT = "optional_text"  # a string that may be empty; null stands for ""
    CODES = "codes"  # a list of strings
    TEXT_OR_NULL = "text_or_null"  # a string (a date or a date-time) or null
    COUNT_OR_NULL = "count_or_null"  # a whole number or null


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    required: bool = True


def _fields(*specs: tuple) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(*spec) for spec in specs)


_T, _OT, _C = Kind.TEXT, Kind.OPTIONAL_TEXT, Kind.CODES
_TN, _N = Kind.TEXT_OR_NULL, Kind.COUNT_OR_NULL
_FACETS = (
    ("purposes", _C),
    ("focus_areas", _C),
    ("functions", _C),
    ("trafficking_types", _C),
    ("target_users", _C),
    ("technologies", _C),
    ("regions", _C),
    ("languages", _C),
)

# Field order here is the key order of an export (and the CSV column order for tools).
SECTIONS: dict[str, tuple[FieldSpec, ...]] = {
    "organizations": _fields(
        ("key", _T),
        ("name", _T),
        ("sector", _T),
        ("country", _T),
        ("website", _OT),
        ("description", _OT, False),
        ("verification_status", _T, False),
    ),
    "tools": _fields(
        ("key", _T),
        ("name", _T),
        ("organization", _T),
        ("summary", _T),
        ("description", _OT),
        *_FACETS,
        ("availability", _T),
        ("maturity", _T),
        ("website", _OT),
        ("visibility", _T),
        ("source_url", _OT, False),
        ("restricted_to_sectors", _C, False),
        ("safeguards", _C, False),
        ("last_reviewed_at", _TN, False),
    ),
    "needs": _fields(
        ("key", _T),
        ("organization", _T),
        ("title", _T),
        ("description", _T),
        *_FACETS,
        ("urgency", _T),
        ("status", _T),
        ("visibility", _T),
        ("restricted_to_sectors", _C, False),
    ),
    "license_offers": _fields(
        ("key", _T),
        ("tool", _T),
        ("title", _T),
        ("terms", _T),
        ("conditions", _OT),
        ("eligible_sectors", _C),
        ("eligible_countries", _C),
        ("seats", _N),
        ("valid_until", _TN),
        ("status", _T),
    ),
}
# Sections a JSON catalogue must have; the others are optional.
REQUIRED_SECTIONS = ("organizations", "tools")
# Sections in the order they are written: every section only refers to earlier ones.
SECTION_ORDER = ("organizations", "tools", "needs", "license_offers")

CSV_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in SECTIONS["tools"])
CSV_LIST_COLUMNS = frozenset(spec.name for spec in SECTIONS["tools"] if spec.kind is Kind.CODES)


@dataclass
class Row:
    """One record read from a catalogue, with the label errors are reported under."""

    label: str  # "tools[3]" in JSON, "line 5" in CSV
    data: dict[str, Any]
    # Fields whose value is missing or of the wrong type (already reported); the importer
    # leaves them out of model validation so each problem is reported once.
    bad_fields: set[str] = field(default_factory=set)

    @property
    def key(self) -> str | None:
        """The row's key; None when it has none, or one that cannot be a key (bad_fields)."""
        key = self.data.get("key")
        if "key" in self.bad_fields:
            return None
        return key if isinstance(key, str) and key else None

    @property
    def name(self) -> str:
        """`tools[3]/thorn-spotlight`, or just `tools[3]` when the row has no usable key."""
        return f"{self.label}/{self.key}" if self.key else self.label

    def error(self, field_name: str, message: str) -> CatalogImportError:
        return CatalogImportError(self.name, field_name, message)


@dataclass
class Catalogue:
    """A catalogue read from a file: rows per section, and what was wrong with its shape."""

    sections: dict[str, list[Row]] = field(default_factory=dict)
    errors: list[CatalogImportError] = field(default_factory=list)

    def rows(self, section: str) -> list[Row]:
        return self.sections.get(section, [])


# --- Shape checks ---------------------------------------------------------------------------


def _type_problem(kind: Kind, value: Any) -> str | None:
    if kind is Kind.TEXT or (kind is Kind.OPTIONAL_TEXT and value is not None):
        if not isinstance(value, str):
            return _("Expected a string, not %(type)s.") % {"type": _json_type(value)}
    elif kind is Kind.CODES:
        if not isinstance(value, list):
            return _("Expected a list of codes, not %(type)s.") % {"type": _json_type(value)}
        if not all(isinstance(item, str) for item in value):
            return _("Expected a list of codes, each a string.")
    elif kind is Kind.TEXT_OR_NULL:
        if value is not None and not isinstance(value, str):
            return _("Expected a string or null, not %(type)s.") % {"type": _json_type(value)}
    elif kind is Kind.COUNT_OR_NULL:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return _("Expected a whole number or null, not %(type)s.") % {"type": _json_type(value)}
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _("a boolean")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("an object")
    return type(value).__name__


def _text_problem(value: Any) -> str | None:
    """What makes a value (text, or a list of codes) unfit to store: the limits every form
    and the API apply (accounts.security.sanitize), or None."""
    for text in value if isinstance(value, list) else [value]:
        if isinstance(text, str):
            try:
                validate_storable_text(text)
            except ValidationError as exc:
                return exc.messages[0]
    return None


def check_row_shape(section: str, row: Row) -> list[CatalogImportError]:
    """Unknown fields, missing required fields, values of the wrong type and text that
    cannot be stored (too long, NUL characters, lone surrogates) in one row.

    Marks the fields at fault as the row's `bad_fields` (a bad key is then no key at all)."""
    specs = {spec.name: spec for spec in SECTIONS[section]}
    problems = [(name, _("Unknown field.")) for name in row.data if name not in specs]
    for spec in specs.values():
        if spec.name not in row.data:
            if spec.required:
                problems.append((spec.name, _("This field is required.")))
            continue
        value = row.data[spec.name]
        problem = _type_problem(spec.kind, value) or _text_problem(value)
        if problem:
            problems.append((spec.name, problem))
    row.bad_fields = {name for name, _message in problems}
    return [row.error(name, message) for name, message in problems]


def _checked_row(section: str, row: Row, errors: list[CatalogImportError]) -> Row:
    errors.extend(check_row_shape(section, row))
    for spec in SECTIONS[section]:
        if (
            spec.kind is Kind.OPTIONAL_TEXT
            and spec.name in row.data
            and row.data[spec.name] is None
        ):
            row.data[spec.name] = ""
    return row


# --- JSON -----------------------------------------------------------------------------------


def read_json_text(text: str) -> Catalogue:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = _("Malformed JSON at line %(line)d, column %(column)d: %(reason)s.") % {
            "line": exc.lineno,
            "column": exc.colno,
            "reason": exc.msg,
        }
        return Catalogue(errors=[CatalogImportError(FILE_ROW, "json", message)])
    return read_json_data(data)


def read_json_data(data: Any) -> Catalogue:
    """Rows of an already-parsed JSON catalogue, with every shape problem found."""
    catalogue = Catalogue()
    errors = catalogue.errors
    if not isinstance(data, dict):
        errors.append(
            CatalogImportError(
                FILE_ROW,
                "json",
                _("A catalogue is a JSON object, not %(type)s.") % {"type": _json_type(data)},
            )
        )
        return catalogue
    tag = data.get("format")
    if tag != FORMAT_TAG:
        if tag is None:
            message = _("The format tag is missing; expected “%(expected)s”.")
        else:
            message = _("Unsupported format “%(tag)s”; expected “%(expected)s”.")
        errors.append(
            CatalogImportError(FILE_ROW, "format", message % {"tag": tag, "expected": FORMAT_TAG})
        )
        return catalogue
    for name in data:
        if name != "format" and name not in SECTIONS:
            errors.append(CatalogImportError(FILE_ROW, name, _("Unknown section.")))
    for section in SECTION_ORDER:
        if section not in data:
            if section in REQUIRED_SECTIONS:
                errors.append(CatalogImportError(FILE_ROW, section, _("This section is required.")))
            continue
        items = data[section]
        if not isinstance(items, list):
            errors.append(
                CatalogImportError(
                    FILE_ROW,
                    section,
                    _("Expected a list of records, not %(type)s.") % {"type": _json_type(items)},
                )
            )
            continue
        rows = catalogue.sections.setdefault(section, [])
        for index, item in enumerate(items):
            label = f"{section}[{index}]"
            if not isinstance(item, dict):
                errors.append(
                    CatalogImportError(
                        label,
                        "-",
                        _("Expected an object, not %(type)s.") % {"type": _json_type(item)},
                    )
                )
                continue
            # A copy: the caller's data stays as it was.
            rows.append(_checked_row(section, Row(label, dict(item)), errors))
    return catalogue


# --- CSV ------------------------------------------------------------------------------------


def read_csv_text(text: str) -> Catalogue:
    """Tool rows of a CSV catalogue. The header must name exactly the columns of CSV_COLUMNS."""
    catalogue = Catalogue()
    text = text.removeprefix("\ufeff")  # spreadsheet programs like to start with a BOM
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            catalogue.errors.append(
                CatalogImportError(FILE_ROW, "header", _("The CSV file has no header row."))
            )
            return catalogue
        header_problem = _csv_header_problem(header)
        if header_problem:
            catalogue.errors.append(CatalogImportError(FILE_ROW, "header", header_problem))
            return catalogue
        rows = catalogue.sections.setdefault("tools", [])
        last_line = reader.line_num
        for cells in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank line
            label = _("line %(number)d") % {"number": first_line}
            if len(cells) != len(header):
                catalogue.errors.append(
                    CatalogImportError(
                        label,
                        "-",
                        _("Expected %(expected)d cells, found %(found)d.")
                        % {"expected": len(header), "found": len(cells)},
                    )
                )
                continue
            data = _csv_row_data(dict(zip(header, cells, strict=True)))
            rows.append(_checked_row("tools", Row(label, data), catalogue.errors))
    except csv.Error as exc:
        catalogue.errors.append(
            CatalogImportError(
                _("line %(number)d") % {"number": reader.line_num},
                "csv",
                _("Malformed CSV: %(reason)s.") % {"reason": exc},
            )
        )
    return catalogue


def _csv_header_problem(header: list[str]) -> str | None:
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if not (missing or unknown or repeated):
        return None
    parts = []
    if missing:
        parts.append(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
    if unknown:
        parts.append(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)})
    if repeated:
        parts.append(_("Repeated columns: %(names)s.") % {"names": ", ".join(repeated)})
    parts.append(_("Expected the columns: %(names)s.") % {"names": ", ".join(CSV_COLUMNS)})
    return " ".join(parts)


def _csv_row_data(cells: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column, cell in cells.items():
        if column in CSV_LIST_COLUMNS:
            data[column] = split_codes(cell)
        elif column == "last_reviewed_at":
            data[column] = cell.strip() or None
        else:
            data[column] = csv_cell_value(cell)  # undoes the export's formula guard
    return data


def split_codes(cell: str) -> list[str]:
    return [code.strip() for code in cell.split(LIST_SEPARATOR) if code.strip()]


def join_codes(codes: list[str]) -> str:
    return LIST_SEPARATOR.join(codes)
