"""A catalogue with any problem is refused as a whole, each problem named by row and field."""

import copy

import pytest

from accounts.models import Organization
from registry.catalog import import_catalog_data, import_catalog_file
from registry.catalog.format import CSV_COLUMNS

from .helpers import database_state, demo_data

NEW_ORGANIZATION = {
    "key": "fresh-start",
    "name": "Fresh Start",
    "sector": "survivor_led",
    "country": "KE",
    "website": "",
}


def _set(path, value):
    """A change to the demo catalogue: set data[section][index][field] (or a top-level key)."""

    def change(data):
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _delete(path):
    def change(data):
        target = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


def _append_copy(section, index, **overrides):
    def change(data):
        data[section].append({**copy.deepcopy(data[section][index]), **overrides})

    return change


def _new_restricted_tool_without_sectors(data):
    tool = copy.deepcopy(data["tools"][0])
    tool["key"] = "tracer-lite"
    del tool["restricted_to_sectors"]
    data["tools"].append(tool)


BAD_CATALOGUES = {
    "bad code": (
        _set(["tools", 0, "functions"], ["online_monitoring", "foo"]),
        "tools[0]/lanternworks-tracer, functions: Unknown code “foo”.",
    ),
    "bad code in a new need": (
        _append_copy("needs", 0, key="new-need", technologies=["telepathy"]),
        "needs[2]/new-need, technologies: Unknown code “telepathy”.",
    ),
    "missing name": (
        _delete(["tools", 1, "name"]),
        "tools[1]/harbour-light-casebook, name: This field is required.",
    ),
    "empty name": (
        _set(["organizations", 1, "name"], ""),
        "organizations[1]/policia-unidade-digital, name: This field cannot be blank.",
    ),
    "duplicate key": (
        _append_copy("tools", 0),
        "tools[3]/lanternworks-tracer, key: Duplicate key “lanternworks-tracer”; "
        "it is first used at tools[0].",
    ),
    "duplicate organization key": (
        _append_copy("organizations", 2, name="Other"),
        "organizations[4]/lanternworks, key: Duplicate key “lanternworks”; "
        "it is first used at organizations[2].",
    ),
    "unknown organization": (
        _set(["tools", 2, "organization"], "nobody-we-know"),
        "tools[2]/unidade-denuncia, organization: Unknown organization “nobody-we-know”.",
    ),
    "unknown organization of a need": (
        _set(["needs", 0, "organization"], "nobody-we-know"),
        "needs[0]/harbour-light-translation, organization: Unknown organization “nobody-we-know”.",
    ),
    "unknown tool of an offer": (
        _set(["license_offers", 1, "tool"], "no-such-tool"),
        "license_offers[1]/casebook-hosting, tool: Unknown tool “no-such-tool”.",
    ),
    "offer moved to another tool": (
        _set(["license_offers", 1, "tool"], "unidade-denuncia"),
        "license_offers[1]/casebook-hosting, tool: An existing licence offer stays with its "
        "tool and that tool's owner; give the offer a new key instead.",
    ),
    "bad country": (
        _set(["organizations", 0, "country"], "XX"),
        "organizations[0]/harbour-light, country: XX is not an ISO 3166-1 alpha-2 country code.",
    ),
    "bad region": (
        _set(["tools", 2, "regions"], ["BR", "Brazil"]),
        "tools[2]/unidade-denuncia, regions: Unknown code “BRAZIL”.",
    ),
    "summary over 160 characters": (
        _set(["tools", 1, "summary"], "x" * 161),
        "tools[1]/harbour-light-casebook, summary: "
        "Ensure this value has at most 160 characters (it has 161).",
    ),
    "restricted tool with no sectors": (
        _set(["tools", 0, "restricted_to_sectors"], []),
        "tools[0]/lanternworks-tracer, restricted_to_sectors: "
        "A restricted record must name at least one sector it is open to.",
    ),
    "new restricted tool without the sectors field": (
        _new_restricted_tool_without_sectors,
        "tools[3]/tracer-lite, restricted_to_sectors: "
        "A restricted record must name at least one sector it is open to.",
    ),
    "sectors on a public need": (
        _set(["needs", 0, "restricted_to_sectors"], ["ngo"]),
        "needs[0]/harbour-light-translation, restricted_to_sectors: "
        "Only a restricted record names sectors.",
    ),
    "string where a list is expected": (
        _set(["tools", 0, "regions"], "GB"),
        "tools[0]/lanternworks-tracer, regions: Expected a list of codes, not a string.",
    ),
    "list holding a number": (
        _set(["tools", 0, "purposes"], ["disrupt", 3]),
        "tools[0]/lanternworks-tracer, purposes: Expected a list of codes, each a string.",
    ),
    "list where a string is expected": (
        _set(["tools", 0, "name"], ["Tracer"]),
        "tools[0]/lanternworks-tracer, name: Expected a string, not a list.",
    ),
    "null where a string is required": (
        _set(["organizations", 0, "sector"], None),
        "organizations[0]/harbour-light, sector: Expected a string, not null.",
    ),
    "seats as text": (
        _set(["license_offers", 0, "seats"], "ten"),
        "license_offers[0]/tracer-for-police, seats: Expected a whole number or null, "
        "not a string.",
    ),
    "negative seats": (
        _set(["license_offers", 0, "seats"], -1),
        "license_offers[0]/tracer-for-police, seats: "
        "Ensure this value is greater than or equal to 0.",
    ),
    "date in another format": (
        _set(["license_offers", 0, "valid_until"], "31/12/2026"),
        "license_offers[0]/tracer-for-police, valid_until: “31/12/2026” value has an invalid "
        "date format. It must be in YYYY-MM-DD format.",
    ),
    "bad review date": (
        _set(["tools", 0, "last_reviewed_at"], "last spring"),
        "tools[0]/lanternworks-tracer, last_reviewed_at: “last spring” value has an invalid "
        "format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.",
    ),
    "unknown visibility": (
        _set(["needs", 1, "visibility"], "secret"),
        "needs[1]/unidade-image-triage, visibility: Value 'secret' is not a valid choice.",
    ),
    "unknown verification status": (
        _set(["organizations", 2, "verification_status"], "trusted"),
        "organizations[2]/lanternworks, verification_status: "
        "Value 'trusted' is not a valid choice.",
    ),
    "key that is not a slug": (
        _set(["needs", 0, "key"], "Needs Translation!"),
        "needs[0]/Needs Translation!, key: Enter a valid “slug” consisting of letters, numbers, "
        "underscores or hyphens.",
    ),
    "unknown top-level section": (
        _set(["tool_uses"], []),
        "file, tool_uses: Unknown section.",
    ),
    "unknown field in a row": (
        _set(["tools", 0, "colour"], "blue"),
        "tools[0]/lanternworks-tracer, colour: Unknown field.",
    ),
    "section that is not a list": (
        _set(["needs"], {"key": "x"}),
        "file, needs: Expected a list of records, not an object.",
    ),
    "row that is not an object": (
        _set(["license_offers", 1], "casebook-hosting"),
        "license_offers[1], -: Expected an object, not a string.",
    ),
    "required section left out": (
        _delete(["organizations"]),
        "file, organizations: This section is required.",
    ),
    "wrong format tag": (
        _set(["format"], "registry-catalog/2"),
        "file, format: Unsupported format “registry-catalog/2”; expected “registry-catalog/1”.",
    ),
    "missing format tag": (
        _delete(["format"]),
        "file, format: The format tag is missing; expected “registry-catalog/1”.",
    ),
}


@pytest.mark.parametrize("change, expected", BAD_CATALOGUES.values(), ids=BAD_CATALOGUES)
def test_bad_catalogue_is_refused_and_nothing_is_written(demo, change, expected):
    import_catalog_data(demo, actor=None)
    # A valid change next to the bad one: it must not be written either.
    demo["organizations"].append(dict(NEW_ORGANIZATION))
    demo["tools"][2]["name"] = "Denúncia Digital 2"
    change(demo)
    before = database_state()

    report = import_catalog_data(demo, actor=None)

    assert not report.ok
    assert expected in [str(error) for error in report.errors]
    assert database_state() == before
    assert not Organization.objects.filter(slug="fresh-start").exists()


def test_bad_catalogue_is_refused_on_an_empty_database(demo):
    demo["tools"][0]["functions"] = ["foo"]

    report = import_catalog_data(demo, actor=None)

    assert not report.ok
    assert not Organization.objects.exists()


def test_every_problem_of_every_row_is_reported_at_once():
    data = demo_data()
    data["organizations"][0]["country"] = "XX"
    data["tools"][1]["functions"] = ["foo"]
    data["tools"][1]["summary"] = "y" * 200
    data["needs"][1]["urgency"] = "whenever"
    data["license_offers"][0]["terms"] = "gratis"

    report = import_catalog_data(data, actor=None)

    assert [str(e) for e in report.errors] == [
        "organizations[0]/harbour-light, country: XX is not an ISO 3166-1 alpha-2 country code.",
        # Once, though Tool.summary has two validators for its length.
        "tools[1]/harbour-light-casebook, summary: "
        "Ensure this value has at most 160 characters (it has 200).",
        "tools[1]/harbour-light-casebook, functions: Unknown code “foo”.",
        "needs[1]/unidade-image-triage, urgency: Value 'whenever' is not a valid choice.",
        "license_offers[0]/tracer-for-police, terms: Value 'gratis' is not a valid choice.",
    ]
    assert report.summary().endswith("5 problem(s) found; nothing was written.")


def test_rows_of_an_invalid_organization_are_still_checked(demo):
    demo["organizations"][2]["sector"] = "guild"
    demo["tools"][0]["maturity"] = "ancient"

    report = import_catalog_data(demo, actor=None)

    assert [str(e) for e in report.errors] == [
        "organizations[2]/lanternworks, sector: Value 'guild' is not a valid choice.",
        "tools[0]/lanternworks-tracer, maturity: Value 'ancient' is not a valid choice.",
    ]


def test_catalogue_that_is_not_an_object_is_refused():
    report = import_catalog_data(["registry-catalog/1"], actor=None)

    assert [str(e) for e in report.errors] == [
        "file, json: A catalogue is a JSON object, not a list."
    ]


# --- Files ----------------------------------------------------------------------------------


def test_malformed_json_file_is_refused(tmp_path, data_dir):
    import_catalog_file(data_dir / "with_needs_and_offers.json", actor=None)
    before = database_state()
    path = tmp_path / "broken.json"
    path.write_text('{"format": "registry-catalog/1", "tools": [}', encoding="utf-8")

    report = import_catalog_file(path, actor=None)

    assert [str(e) for e in report.errors] == [
        "file, json: Malformed JSON at line 1, column 44: Expecting value."
    ]
    assert database_state() == before


def test_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"format": "registry-catalog/1", "name": "Polícia"}'.encode("latin-1"))

    report = import_catalog_file(path, actor=None)

    assert not report.ok
    assert report.errors[0].field == "path"
    assert "UTF-8" in report.errors[0].message


def test_missing_file_is_reported(tmp_path):
    report = import_catalog_file(tmp_path / "nowhere.json", actor=None)

    assert not report.ok
    assert str(report.errors[0]).startswith("file, path: Cannot read the file")


def test_file_of_unknown_format_is_refused(tmp_path):
    path = tmp_path / "catalogue.xml"
    path.write_text("<catalogue/>", encoding="utf-8")

    report = import_catalog_file(path, actor=None)

    assert [e.field for e in report.errors] == ["format"]


def _csv(tmp_path, header, rows=(), name="tools.csv"):
    path = tmp_path / name
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_missing_a_column_is_refused(tmp_path):
    header = [c for c in CSV_COLUMNS if c != "visibility"]

    report = import_catalog_file(_csv(tmp_path, header), actor=None)

    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.row, error.field) == ("file", "header")
    assert error.message.startswith("Missing columns: visibility. Expected the columns: key,")


def test_csv_with_an_unknown_column_is_refused(tmp_path):
    header = [*CSV_COLUMNS, "colour"]

    report = import_catalog_file(_csv(tmp_path, header), actor=None)

    assert report.errors[0].message.startswith("Unknown columns: colour.")


def test_csv_with_a_repeated_column_is_refused(tmp_path):
    report = import_catalog_file(_csv(tmp_path, [*CSV_COLUMNS, "name"]), actor=None)

    assert report.errors[0].message.startswith("Repeated columns: name.")


def test_empty_csv_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")

    report = import_catalog_file(path, actor=None)

    assert [str(e) for e in report.errors] == ["file, header: The CSV file has no header row."]


def _csv_tool(**overrides):
    cells = {
        "key": "csv-tool",
        "name": "CSV Tool",
        "organization": "csv-owner",
        "summary": "A tool from a spreadsheet.",
        "description": "Longer, with a comma.",
        "purposes": "support",
        "focus_areas": "",
        "functions": "training;awareness_education",
        "trafficking_types": "",
        "target_users": "",
        "technologies": "",
        "regions": "global",
        "languages": "en",
        "availability": "free",
        "maturity": "idea",
        "website": "",
        "visibility": "public",
        "source_url": "",
        "restricted_to_sectors": "",
        "safeguards": "",
        "last_reviewed_at": "",
    }
    cells.update(overrides)
    return [f'"{cells[c]}"' for c in CSV_COLUMNS]


def test_csv_row_naming_an_unknown_organization_is_refused(tmp_path):
    path = _csv(tmp_path, CSV_COLUMNS, [_csv_tool(organization="nobody")])

    report = import_catalog_file(path, actor=None)

    assert [str(e) for e in report.errors] == [
        "line 2/csv-tool, organization: Unknown organization “nobody”."
    ]


def test_csv_problems_are_reported_by_line(tmp_path):
    Organization.objects.create(name="Owner", slug="csv-owner", sector="ngo", country="US")
    rows = [_csv_tool(), _csv_tool(key="second", functions="training;foo")]
    path = _csv(tmp_path, CSV_COLUMNS, rows)

    report = import_catalog_file(path, actor=None)

    assert [str(e) for e in report.errors] == ["line 3/second, functions: Unknown code “foo”."]
    assert not Organization.objects.get(slug="csv-owner").tools.exists()


def test_csv_row_with_too_few_cells_is_refused(tmp_path):
    path = _csv(tmp_path, CSV_COLUMNS, [_csv_tool()[:5]])

    report = import_catalog_file(path, actor=None)

    assert [str(e) for e in report.errors] == ["line 2, -: Expected 21 cells, found 5."]
