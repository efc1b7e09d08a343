"""Catalogue import and export in the `registry-catalog/1` format (JSON, or CSV for tools).

    report = import_catalog_file("catalogue.json", actor=moderator, dry_run=True)
    if not report.ok:
        print("\\n".join(str(e) for e in report.errors))
    text = export_catalog("json")

An import is made by someone: `actor` is the person importing, whose permissions it follows,
or None for the system (registry.catalog.importer says what that means).

`ImportError` is the name the rest of the project uses for one reported problem; it is the
same class as `CatalogImportError` (prefer that name inside modules, where `ImportError`
would hide Python's exception of the same name).
"""

from .exporter import export_catalog
from .format import CSV_COLUMNS, FORMAT_TAG
from .importer import import_catalog_data, import_catalog_file, import_catalog_text
from .report import CatalogImportError, ImportReport

ImportError = CatalogImportError  # noqa: A001 - the documented public name

__all__ = [
    "CSV_COLUMNS",
    "CatalogImportError",
    "FORMAT_TAG",
    "ImportError",
    "ImportReport",
    "export_catalog",
    "import_catalog_data",
    "import_catalog_file",
    "import_catalog_text",
]
