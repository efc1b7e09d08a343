"""What an import found and did: problems per row, and counts per section."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.security.sanitize import UNSTORABLE_TEXT

SECTION_NAMES = ("organizations", "tools", "needs", "license_offers")


@dataclass(frozen=True)
class CatalogImportError:
    """One problem in a catalogue: where (`tools[3]/thorn-spotlight`), which field, what.

    Exported from registry.catalog as `ImportError` too; it is a record, not an exception."""

    row: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.row}, {self.field}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        """`{row, key, field, message}`: the row label (`tools[3]`, `line 5`, `file`) and the
        record's key apart, as a background job stores its row-error report. A character
        that cannot be stored (a NUL in an unknown field's name) becomes U+FFFD."""
        label, _slash, key = self.row.partition("/")
        return {
            "row": _storable(label),
            "key": _storable(key),
            "field": _storable(self.field),
            "message": _storable(self.message),
        }


def _storable(text: str) -> str:
    return UNSTORABLE_TEXT.sub("\ufffd", text)


def _per_section() -> dict[str, int]:
    return dict.fromkeys(SECTION_NAMES, 0)


@dataclass
class ImportReport:
    """The outcome of one import. Nothing was written unless `ok` and not `dry_run`."""

    dry_run: bool = False
    errors: list[CatalogImportError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=_per_section)
    updated: dict[str, int] = field(default_factory=_per_section)
    unchanged: dict[str, int] = field(default_factory=_per_section)
    # (section, key, "created" | "updated"), in the order the rows were (or would be) written.
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """A few lines for people: counts per section, or the problems found."""
        if not self.ok:
            lines = [str(error) for error in self.errors]
            lines.append(
                _("%(count)d problem(s) found; nothing was written.") % {"count": len(self.errors)}
            )
            return "\n".join(lines)
        lines = []
        if self.dry_run:
            lines.append(_("Dry run: nothing was written. The import would make these changes."))
        for section in SECTION_NAMES:
            lines.append(
                _("%(section)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
                % {
                    "section": section,
                    "created": self.created[section],
                    "updated": self.updated[section],
                    "unchanged": self.unchanged[section],
                }
            )
        return "\n".join(lines)
