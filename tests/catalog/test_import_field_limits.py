"""Imports hold text to the limits of the forms and the API (issue 17, finding 12): at most
20,000 characters, no NUL characters, no lone surrogates; each bad cell is a row error naming
its field, and nothing is written."""

from __future__ import annotations

import json

import pytest

from accounts.security.sanitize import MAX_TEXT
from registry.catalog import import_catalog_data, import_catalog_text
from registry.catalog.format import CSV_COLUMNS
from registry.models import CatalogJob, Tool
from registry.services.jobs import catalog_import_job_start
from tests.factories import OrganizationFactory, UserFactory

from .helpers import demo_data


def _tool_fields(report) -> set[tuple[str, str]]:
    return {(e.row, e.field) for e in report.errors}


@pytest.mark.parametrize(
    "field, value",
    [
        ("description", "x" * (MAX_TEXT + 1)),
        ("description", "before\x00after"),
        ("name", "Tracer\x00"),
        ("summary", "Half a pair: \ud800."),
        ("website", "https://example.org/\udfff"),
        ("regions", ["GB", "I\x00E"]),
        ("organization", "lantern\x00works"),
    ],
)
def test_an_import_refuses_text_the_forms_and_the_api_refuse(field, value, demo):
    demo["tools"][0][field] = value

    report = import_catalog_data(demo, actor=None)

    assert ("tools[0]/lanternworks-tracer", field) in _tool_fields(report)
    assert not Tool.objects.exists()


def test_text_of_the_longest_length_allowed_is_imported(demo):
    demo["tools"][0]["description"] = "x" * MAX_TEXT

    report = import_catalog_data(demo, actor=None)

    assert report.ok, report.summary()
    assert len(Tool.objects.get(slug="lanternworks-tracer").description) == MAX_TEXT


def test_a_key_that_cannot_be_stored_is_reported_without_being_looked_up(demo):
    demo["tools"][0]["key"] = "tracer\x00"
    demo["organizations"][0]["description"] = "y" * (MAX_TEXT + 1)

    report = import_catalog_data(demo, actor=None)

    assert ("tools[0]", "key") in _tool_fields(report)
    assert ("organizations[0]/harbour-light", "description") in _tool_fields(report)


def test_a_csv_cell_with_a_nul_character_is_a_row_error():
    OrganizationFactory(slug="harbour-light")
    cells = {column: "" for column in CSV_COLUMNS}
    cells.update(
        key="nul-tool",
        name="Nul\x00tool",
        organization="harbour-light",
        summary="Short.",
        purposes="support",
        functions="training",
        regions="global",
        availability="free",
        maturity="idea",
        visibility="public",
    )
    text = ",".join(CSV_COLUMNS) + "\n" + ",".join(cells[c] for c in CSV_COLUMNS) + "\n"

    report = import_catalog_text(text, fmt="csv", actor=None)

    assert ("line 2/nul-tool", "name") in _tool_fields(report)
    assert not Tool.objects.exists()


def test_a_job_stores_its_report_of_text_that_cannot_be_stored(
    django_capture_on_commit_callbacks,
):
    """On PostgreSQL neither a text column nor a JSON document holds a NUL: the row errors
    name the fields, and the report itself (with an unknown field named with one) is stored."""
    data = demo_data()
    data["tools"][1]["description"] = "nul \u0000 here"
    data["tools"][2]["summary"] = "lone \ud800"
    data["needs"][0]["x\u0000y"] = "unknown field"
    content = json.dumps(data).encode()  # escaped: the file itself holds no NUL byte

    with django_capture_on_commit_callbacks(execute=True):
        job = catalog_import_job_start(
            actor=UserFactory(groups=["moderator"]), file_name="c.json", content=content
        )
    job.refresh_from_db()

    assert job.status == CatalogJob.Status.FAILED
    fields = {(e["key"], e["field"]) for e in job.row_errors}
    assert (data["tools"][1]["key"], "description") in fields
    assert (data["tools"][2]["key"], "summary") in fields
    assert (data["needs"][0]["key"], "x\ufffdy") in fields
    assert not Tool.objects.exists()
