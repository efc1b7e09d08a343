"""Importing a registry-catalog/1 catalogue: what is written, and upserting by key."""

import json
from datetime import UTC, date, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization, VerificationStatus
from registry.catalog import ImportReport, import_catalog_data, import_catalog_file
from registry.models import LicenseOffer, Need, Tool
from tests.factories import OrganizationFactory, ToolFactory

from .helpers import database_state

SECTIONS = ("organizations", "tools", "needs", "license_offers")


def counts(report: ImportReport, section: str) -> tuple[int, int, int]:
    return report.created[section], report.updated[section], report.unchanged[section]


def test_shared_catalogue_imports_every_organization_and_tool(shared_catalog_path):
    with open(shared_catalog_path, encoding="utf-8") as handle:
        data = json.load(handle)

    report = import_catalog_file(shared_catalog_path, actor=None)

    assert report.ok, report.summary()
    assert report.created["organizations"] == len(data["organizations"]) == 110
    assert report.created["tools"] == len(data["tools"]) == 145
    assert Organization.objects.count() == 110
    assert Tool.objects.count() == 145
    spotlight = Tool.objects.get(slug="thorn-spotlight")
    assert spotlight.organization.slug == "thorn"
    assert spotlight.facet_codes("restricted_to_sectors") == ["government", "law_enforcement"]
    assert spotlight.facet_codes("regions") == ["CA", "US"]
    # A null website in the file is an empty website, not an error.
    assert Tool.objects.filter(website="").exists()


def test_second_import_of_shared_catalogue_changes_nothing(shared_catalog_path):
    import_catalog_file(shared_catalog_path, actor=None)
    before = database_state()

    with CaptureQueriesContext(connection) as queries:
        report = import_catalog_file(shared_catalog_path, actor=None)

    assert report.ok
    assert counts(report, "organizations") == (0, 0, 110)
    assert counts(report, "tools") == (0, 0, 145)
    assert report.changes == []
    assert database_state() == before
    # Stored records and their facets are loaded in bulk. What is left per row is the
    # models' own validation (about 14 queries for a tool, 3 for an organization); a lookup
    # of the stored facets per tool would add 10 more and break this bound.
    rows = 110 + 145
    assert len(queries.captured_queries) < 12 * rows


def test_import_writes_every_section_with_its_fields(demo):
    report = import_catalog_data(demo, actor=None)

    assert report.ok, report.summary()
    assert [report.created[s] for s in SECTIONS] == [3, 3, 2, 2]

    harbour = Organization.objects.get(slug="harbour-light")
    assert harbour.verification_status == VerificationStatus.VERIFIED
    assert harbour.description.startswith("Runs shelters")
    police = Organization.objects.get(slug="policia-unidade-digital")
    assert police.verification_status == VerificationStatus.UNVERIFIED  # absent: the default

    tracer = Tool.objects.get(slug="lanternworks-tracer")
    assert tracer.organization.slug == "lanternworks"
    assert tracer.last_reviewed_at == datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    assert tracer.facet_codes("safeguards") == ["false_positive_review", "human_in_the_loop"]
    casebook = Tool.objects.get(slug="harbour-light-casebook")
    assert casebook.website == ""
    assert casebook.source_url == "https://code.example.org/harbour-light/casebook"
    assert Tool.objects.get(slug="unidade-denuncia").facet_codes("languages") == ["pt", "zh-hans"]

    triage = Need.objects.get(slug="unidade-image-triage")
    assert triage.urgency == "critical"
    assert triage.facet_codes("restricted_to_sectors") == ["law_enforcement"]

    offer = LicenseOffer.objects.get(slug="tracer-for-police")
    assert offer.organization == tracer.organization  # the offering organization is the owner
    assert offer.seats == 25
    assert offer.valid_until == date(2026, 12, 31)
    assert offer.facet_codes("eligible_countries") == ["BR", "GB", "IE"]
    hosting = LicenseOffer.objects.get(slug="casebook-hosting")
    assert (hosting.seats, hosting.valid_until, hosting.status) == (None, None, "paused")


def test_reimport_reports_all_unchanged_and_moves_no_timestamp(demo):
    import_catalog_data(demo, actor=None)
    before = database_state()

    report = import_catalog_data(demo, actor=None)

    assert report.ok
    for section, total in zip(SECTIONS, [3, 3, 2, 2], strict=True):
        assert counts(report, section) == (0, 0, total)
    assert database_state() == before


def test_changed_row_is_the_only_one_written(demo):
    import_catalog_data(demo, actor=None)
    stamps = dict(Tool.objects.values_list("slug", "updated_at"))
    demo["tools"][1]["summary"] = "Shared case notes between shelters."
    demo["tools"][1]["regions"] = ["ES", "PT", "FR"]

    report = import_catalog_data(demo, actor=None)

    assert report.ok
    assert counts(report, "tools") == (0, 1, 2)
    assert report.changes == [("tools", "harbour-light-casebook", "updated")]
    casebook = Tool.objects.get(slug="harbour-light-casebook")
    assert casebook.summary == "Shared case notes between shelters."
    assert casebook.facet_codes("regions") == ["ES", "FR", "PT"]
    after = dict(Tool.objects.values_list("slug", "updated_at"))
    assert after["harbour-light-casebook"] > stamps["harbour-light-casebook"]
    assert after["lanternworks-tracer"] == stamps["lanternworks-tracer"]


def test_codes_are_compared_after_normalization(demo):
    import_catalog_data(demo, actor=None)
    # Other order, other case, a repeated code: the same set of codes once normalized.
    demo["tools"][0]["regions"] = ["ie", "gb", "GB"]
    demo["tools"][0]["functions"] = ["image_analysis", "online_monitoring"]

    report = import_catalog_data(demo, actor=None)

    assert counts(report, "tools") == (0, 0, 3)


def test_optional_field_left_out_keeps_the_stored_value(demo):
    import_catalog_data(demo, actor=None)
    del demo["organizations"][0]["verification_status"]
    del demo["tools"][0]["last_reviewed_at"]
    del demo["tools"][0]["safeguards"]

    report = import_catalog_data(demo, actor=None)

    assert counts(report, "organizations") == (0, 0, 3)
    assert counts(report, "tools") == (0, 0, 3)
    harbour = Organization.objects.get(slug="harbour-light")
    assert harbour.verification_status == VerificationStatus.VERIFIED
    tracer = Tool.objects.get(slug="lanternworks-tracer")
    assert tracer.last_reviewed_at == datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    assert tracer.facet_codes("safeguards") == ["false_positive_review", "human_in_the_loop"]


def test_new_tool_without_review_date_is_reviewed_at_import(demo):
    report = import_catalog_data(demo, actor=None)

    assert report.ok
    assert Tool.objects.get(slug="harbour-light-casebook").last_reviewed_at is not None


def test_verification_status_in_the_file_is_applied(demo):
    import_catalog_data(demo, actor=None)
    demo["organizations"][2]["verification_status"] = "verified"

    report = import_catalog_data(demo, actor=None)

    assert counts(report, "organizations") == (0, 1, 2)
    lanternworks = Organization.objects.get(slug="lanternworks")
    assert lanternworks.verification_status == VerificationStatus.VERIFIED
    assert lanternworks.verification_decided_at is not None


def test_an_import_never_moves_a_tool_to_another_organization(demo):
    import_catalog_data(demo, actor=None)
    demo["tools"][2]["organization"] = "harbour-light"
    demo["needs"][0]["organization"] = "lanternworks"

    report = import_catalog_data(demo, actor=None)

    assert not report.ok
    assert {(e.row, e.field) for e in report.errors} == {
        ("tools[2]/unidade-denuncia", "organization"),
        (f"needs[0]/{demo['needs'][0]['key']}", "organization"),
    }
    assert Tool.objects.get(slug="unidade-denuncia").organization.slug != "harbour-light"
    assert Need.objects.get(slug=demo["needs"][0]["key"]).organization.slug != "lanternworks"


def test_keys_may_refer_to_records_already_in_the_database():
    owner = OrganizationFactory(slug="existing-org")
    ToolFactory(slug="existing-tool", organization=owner)
    data = {
        "format": "registry-catalog/1",
        "organizations": [],
        "tools": [
            {
                "key": "new-tool",
                "name": "New tool",
                "organization": "existing-org",
                "summary": "Short.",
                "description": "",
                "purposes": ["support"],
                "focus_areas": [],
                "functions": ["training"],
                "trafficking_types": [],
                "target_users": [],
                "technologies": [],
                "regions": ["global"],
                "languages": [],
                "availability": "free",
                "maturity": "idea",
                "website": "",
                "visibility": "public",
            }
        ],
        "license_offers": [
            {
                "key": "existing-tool-offer",
                "tool": "existing-tool",
                "title": "Free for NGOs",
                "terms": "free",
                "conditions": "",
                "eligible_sectors": ["ngo"],
                "eligible_countries": [],
                "seats": 3,
                "valid_until": None,
                "status": "active",
            }
        ],
    }

    report = import_catalog_data(data, actor=None)

    assert report.ok, report.summary()
    assert Tool.objects.get(slug="new-tool").organization == owner
    assert LicenseOffer.objects.get(slug="existing-tool-offer").organization == owner


def test_dry_run_reports_what_would_change_and_writes_nothing(demo):
    import_catalog_data(demo, actor=None)
    demo["tools"][0]["name"] = "Tracer 2"
    demo["needs"].append({**demo["needs"][0], "key": "another-need"})
    before = database_state()

    report = import_catalog_data(demo, dry_run=True, actor=None)

    assert report.ok and report.dry_run
    assert counts(report, "tools") == (0, 1, 2)
    assert counts(report, "needs") == (1, 0, 2)
    assert ("needs", "another-need", "created") in report.changes
    assert database_state() == before
    assert "Dry run" in report.summary()


def test_dry_run_of_a_fresh_catalogue_validates_references_within_the_file(demo):
    report = import_catalog_data(demo, dry_run=True, actor=None)

    assert report.ok, report.summary()
    assert [report.created[s] for s in SECTIONS] == [3, 3, 2, 2]
    assert not Organization.objects.exists()


def test_import_leaves_the_callers_data_alone(demo):
    demo["tools"][1]["website"] = None

    import_catalog_data(demo, actor=None)

    assert demo["tools"][1]["website"] is None


def test_progress_callable_hears_of_every_row(demo):
    calls = []

    import_catalog_data(demo, progress=lambda done, total: calls.append((done, total)), actor=None)

    rows = 3 + 3 + 2 + 2
    assert calls[0] == (1, rows)
    assert calls[-1] == (2 * rows, 2 * rows)  # every row checked, then every row written


def test_progress_accepts_a_tqdm_like_object(demo):
    class Bar:
        def __init__(self):
            self.total, self.n, self.closed = None, 0, False

        def update(self, n=1):
            self.n += n

        def close(self):
            self.closed = True

    bar = Bar()
    import_catalog_data(demo, progress=bar, actor=None)

    assert bar.n == bar.total == 20
    assert bar.closed
