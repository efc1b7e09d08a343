"""Exports are deterministic, and export -> import -> export gives the same bytes."""

import csv
import io
import json

import pytest

from accounts.models import AccessLogEntry, Organization, VerificationStatus
from registry.catalog import CSV_COLUMNS, export_catalog, import_catalog_data, import_catalog_file
from registry.models import Tool
from tests.factories import (
    LicenseOfferFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

from .helpers import wipe_catalogue


def _round_trip(fmt: str) -> tuple[str, str]:
    """Export, empty the catalogue, import the export, export again."""
    first = export_catalog(fmt)
    if fmt == "json":
        wipe_catalogue()
        report = import_catalog_data(json.loads(first), actor=None)
    else:
        Tool.objects.all().delete()  # a CSV holds tools; their organizations stay
        report = _import_csv_text(first)
    assert report.ok, report.summary()
    return first, export_catalog(fmt)


def _import_csv_text(text: str):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "tools.csv"
        path.write_text(text, encoding="utf-8")
        return import_catalog_file(path, actor=None)


def test_json_round_trip_of_the_shared_catalogue_is_byte_identical(shared_catalog_path):
    import_catalog_file(shared_catalog_path, actor=None)

    first, second = _round_trip("json")

    assert second == first
    exported = json.loads(first)
    assert len(exported["organizations"]) == 110
    assert len(exported["tools"]) == 145


def test_json_round_trip_with_needs_and_offers_is_byte_identical(data_dir):
    import_catalog_file(data_dir / "with_needs_and_offers.json", actor=None)

    first, second = _round_trip("json")

    assert second == first
    exported = json.loads(first)
    assert [len(exported[s]) for s in ("organizations", "tools", "needs", "license_offers")] == [
        3,
        3,
        2,
        2,
    ]


def test_json_round_trip_of_records_made_in_the_application():
    owner = OrganizationFactory(slug="maker", description="Line one.\nLine two, “quoted”.")
    tool = ToolFactory(
        slug="made-here",
        organization=owner,
        visibility="private",
        regions=["global", "NP"],
        safeguards=["security_audit"],
    )
    NeedFactory(slug="wanted", organization=owner, languages=["sr-latn"])
    LicenseOfferFactory(slug="gift", tool=tool, eligible_countries=["NP"])

    first, second = _round_trip("json")

    assert second == first


def test_csv_round_trip_is_byte_identical_when_the_organizations_exist(shared_catalog_path):
    import_catalog_file(shared_catalog_path, actor=None)

    first, second = _round_trip("csv")

    assert second == first
    assert len(list(csv.reader(io.StringIO(first)))) == 146


def test_csv_file_imports_and_exports_back_the_same_cells(data_dir):
    import_catalog_file(data_dir / "with_needs_and_offers.json", actor=None)
    Tool.objects.all().delete()

    report = import_catalog_file(data_dir / "tools.csv", actor=None)

    assert report.ok, report.summary()
    assert report.created["tools"] == 2
    ledger = Tool.objects.get(slug="lanternworks-ledger")
    assert ledger.facet_codes("restricted_to_sectors") == ["government", "law_enforcement"]
    assert ledger.last_reviewed_at is None  # an empty cell is null, as in JSON
    exported = list(csv.DictReader(io.StringIO(export_catalog("csv"))))
    lexicon = exported[0]
    assert lexicon["key"] == "harbour-light-lexicon"
    assert lexicon["languages"] == "en;es;ne;pt;tl"
    assert lexicon["last_reviewed_at"] == "2025-01-20T00:00:00Z"
    assert import_catalog_file(data_dir / "tools.csv", actor=None).unchanged["tools"] == 2


def test_json_export_is_sorted_indented_utf8_and_ends_with_a_newline(data_dir):
    import_catalog_file(data_dir / "with_needs_and_offers.json", actor=None)

    text = export_catalog("json")

    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "format": "registry-catalog/1",\n  "organizations": [\n    {')
    assert "Unidade Digital da Polícia" in text  # not \u00ed
    data = json.loads(text)
    assert list(data) == ["format", "organizations", "tools", "needs", "license_offers"]
    assert [o["key"] for o in data["organizations"]] == [
        "harbour-light",
        "lanternworks",
        "policia-unidade-digital",
    ]
    casebook = data["tools"][0]
    assert list(casebook) == [
        "key", "name", "organization", "summary", "description", "purposes", "focus_areas",
        "functions", "trafficking_types", "target_users", "technologies", "regions",
        "languages", "availability", "maturity", "website", "visibility", "source_url",
        "restricted_to_sectors", "safeguards", "last_reviewed_at",
    ]  # fmt: skip
    assert casebook["languages"] == ["en", "es", "pt"]
    assert casebook["website"] == ""
    offer = data["license_offers"][1]
    assert offer["key"] == "tracer-for-police"
    assert offer["tool"] == "lanternworks-tracer"
    assert (offer["seats"], offer["valid_until"]) == (25, "2026-12-31")
    assert data["tools"][1]["last_reviewed_at"] == "2025-03-14T09:30:00Z"


def test_csv_export_has_the_documented_header_and_joined_codes(data_dir):
    import_catalog_file(data_dir / "with_needs_and_offers.json", actor=None)

    rows = list(csv.reader(io.StringIO(export_catalog("csv"))))

    assert tuple(rows[0]) == CSV_COLUMNS
    tracer = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert tracer["restricted_to_sectors"] == "government;law_enforcement"
    assert tracer["functions"] == "image_analysis;online_monitoring"


def test_export_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="xml"):
        export_catalog("xml")


# --- Export for a person ----------------------------------------------------------------------


@pytest.fixture
def mixed_visibility():
    owner = OrganizationFactory(slug="owner-org")
    ToolFactory(slug="open-tool", organization=owner, visibility="public")
    ToolFactory(slug="quiet-tool", organization=owner, visibility="private")
    ToolFactory(
        slug="police-tool",
        organization=owner,
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
    )
    NeedFactory(slug="quiet-need", organization=owner, visibility="private")
    return owner


def _keys(text: str, section: str) -> list[str]:
    return [record["key"] for record in json.loads(text)[section]]


def test_export_for_an_anonymous_visitor_holds_only_public_records(mixed_visibility):
    from django.contrib.auth.models import AnonymousUser

    text = export_catalog("json", user=AnonymousUser())

    assert _keys(text, "tools") == ["open-tool"]
    assert _keys(text, "needs") == []


def test_export_for_a_member_holds_the_organizations_private_records(mixed_visibility):
    member = MembershipFactory(organization=mixed_visibility).user

    text = export_catalog("json", user=member)

    assert _keys(text, "tools") == ["open-tool", "police-tool", "quiet-tool"]
    assert _keys(text, "needs") == ["quiet-need"]
    assert not AccessLogEntry.objects.exists()  # members read their own records unlogged


def test_export_for_an_outsider_logs_the_restricted_records_it_reads(mixed_visibility):
    police = OrganizationFactory(
        sector="law_enforcement", verification_status=VerificationStatus.VERIFIED
    )
    officer = MembershipFactory(organization=police).user

    text = export_catalog("csv", user=officer)

    keys = [row["key"] for row in csv.DictReader(io.StringIO(text))]
    assert keys == ["open-tool", "police-tool"]
    entry = AccessLogEntry.objects.get()
    police_tool = Tool.objects.get(slug="police-tool")
    assert (entry.user, entry.record_type, entry.record_id) == (officer, "tool", police_tool.pk)
    assert entry.surface == AccessLogEntry.Surface.EXPORT


def test_system_export_holds_everything(mixed_visibility):
    UserFactory()

    text = export_catalog("json")

    assert _keys(text, "tools") == ["open-tool", "police-tool", "quiet-tool"]
    assert Organization.objects.count() == len(json.loads(text)["organizations"])
