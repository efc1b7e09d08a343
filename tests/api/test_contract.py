"""The API enforces what its OpenAPI schema says, no more and no less: a request the schema
allows is never refused for its shape, one it forbids is a 400, and every path under /api/
answers in JSON. Each test takes one kind of disagreement an outside fuzzer found (issue 17,
finding 14) and checks the schema and the API against each other on it; the schemathesis run
(test_schemathesis.py) looks for new ones."""

from __future__ import annotations

import jsonschema_rs
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from registry.models import Tool
from tests.factories import (
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
)

from .conftest import token_client


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def allows(schema: dict, node: dict, value) -> bool:
    """Whether `node` (a part of the API's schema, $refs and all) admits `value`."""
    root = {**node, "components": schema["components"]}
    return jsonschema_rs.validator_for(root, validate_formats=True).is_valid(value)


def parameter(schema: dict, path: str, name: str, method: str = "get") -> dict:
    found = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    assert found, (path, name)
    return found[0]["schema"]


def request_body(schema: dict, path: str, method: str = "post") -> dict:
    return schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


@pytest.fixture
def member():
    organization = OrganizationFactory(slug="acme", verification_status="verified")
    return token_client(MembershipFactory(organization=organization, role="owner").user)


# --- Blank parameters ---------------------------------------------------------------------


def _listing(response):
    body = response.json() if response["Content-Type"].startswith("application/json") else None
    if isinstance(body, dict) and "results" in body:
        return [item.get("slug", item.get("id")) for item in body["results"]]
    return body


def test_a_blank_query_parameter_is_the_same_as_leaving_it_out(schema, member):
    """`?functions=` filters nothing, on search as on every list, and the schema says so."""
    ToolFactory(organization__slug="tools-org", functions=["mapping"])
    NeedFactory(functions=["mapping"])
    disagreements = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        plain = member.get(path)
        for entry in operation.get("parameters", []):
            if entry["in"] != "query":
                continue
            blank = member.get(path, {entry["name"]: ""})
            # `?functions=` is the array [""] for a repeated (exploded) parameter.
            value = [""] if entry["schema"].get("type") == "array" else ""
            if not allows(schema, entry["schema"], value):
                disagreements.append((path, entry["name"], "schema refuses blank"))
            if (blank.status_code, _listing(blank)) != (plain.status_code, _listing(plain)):
                disagreements.append((path, entry["name"], blank.status_code))
    assert not disagreements, disagreements


def test_a_blank_facet_code_among_others_is_left_out(api):
    ToolFactory(name="Mapper", functions=["mapping"])
    ToolFactory(name="Trainer", functions=["training"])
    response = api.get("/api/v1/tools/?functions=&functions=mapping")
    assert response.status_code == 200
    assert [t["name"] for t in response.json()["results"]] == ["Mapper"]


# --- Pagination ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/tools/", "/api/v1/needs/", "/api/v1/organizations/"])
def test_every_cursor_the_schema_allows_is_read(schema, path):
    """A cursor's format is declared; whatever matches it names a position (never a 400)."""
    ToolFactory()
    NeedFactory()
    cursor = parameter(schema, path, "cursor")
    pattern = next(
        (branch["pattern"] for branch in cursor.get("anyOf", [cursor]) if "pattern" in branch),
        None,
    )
    cursors = st.from_regex(pattern, fullmatch=True) if pattern else st.text(min_size=1)
    client = APIClient()

    @settings(max_examples=40, derandomize=True, database=None, deadline=None)
    @given(cursors)
    def read(value):
        if allows(schema, cursor, value):
            response = client.get(path, {"cursor": value})
            assert response.status_code == 200, (value, response.content)

    read()


def test_a_malformed_cursor_is_a_400_as_the_schema_says(schema, api):
    cursor = parameter(schema, "/api/v1/tools/", "cursor")
    for value in ["abc", "name.x.1.QQ", "name.n.1", "-created_at.n.1.QQ", "name.n.1.Q Q"]:
        assert not allows(schema, cursor, value), value
        assert api.get("/api/v1/tools/", {"cursor": value}).status_code == 400, value


def test_page_size_has_the_bounds_the_schema_declares(schema, api):
    ToolFactory()
    size = parameter(schema, "/api/v1/tools/", "page_size")
    for value, status in [(1, 200), (100, 200), (101, 400), (0, 400)]:
        assert allows(schema, size, value) is (status == 200), value
        assert api.get("/api/v1/tools/", {"page_size": value}).status_code == status, value


# --- Filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01T12:00:00Z",
        "2024-05-01t12:00:00.123456789+05:30",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-12:00",
        "2016-12-31T23:59:60Z",
        "2016-12-31T22:59:60-01:00",
        "2024-05-01T12:00:60Z",
        "2024-05-01",
        "2024-05-01T12:00:00",
        "2024-05-01 12:00:00Z",
        "2023-02-29T00:00:00Z",
        "2024-05-01T24:00:00Z",
        "yesterday",
    ],
)
def test_updated_since_takes_exactly_the_instants_the_schema_allows(schema, api, value):
    documented = parameter(schema, "/api/v1/tools/", "updated_since")
    response = api.get("/api/v1/tools/", {"updated_since": value})
    assert response.status_code == (200 if allows(schema, documented, value) else 400)


def test_a_slug_filter_finds_nothing_for_a_key_it_does_not_know(schema, api):
    ToolFactory()
    documented = parameter(schema, "/api/v1/tools/", "organization")
    assert allows(schema, documented, "never-was")
    assert not allows(schema, documented, "not a slug")
    assert api.get("/api/v1/tools/", {"organization": "never-was"}).json()["results"] == []
    assert api.get("/api/v1/tools/", {"organization": "not a slug"}).status_code == 400
    assert not allows(schema, documented, "never-was\n")
    assert api.get("/api/v1/tools/", {"organization": "never-was\n"}).status_code == 400


# --- Request bodies -----------------------------------------------------------------------


def test_the_overlap_schema_asks_for_a_title_or_a_description(schema, api):
    draft = request_body(schema, "/api/v1/overlap/")
    for body, accepted in [
        ({"kind": "need"}, False),
        ({"kind": "need", "title": "", "description": "  "}, False),
        ({"kind": "need", "description": "Shelter case files"}, True),
        ({"kind": "tool", "title": "Hotline", "functions": ["hotline_reporting"]}, True),
        ({"kind": "tool", "title": "Hotline", "regions": ["mx"]}, True),  # any letter case
        ({"kind": "tool", "title": "Hotline", "regions": [" MX"]}, False),
        ({"kind": "tool", "title": "Hotline", "functions": ["teleportation"]}, False),
        ({"kind": "tool", "title": "Hotline", "limit": "5"}, False),
        ({"kind": "tool", "title": "Hotline", "colour": "blue"}, False),
    ]:
        assert allows(schema, draft, body) is accepted, body
        response = api.post("/api/v1/overlap/", body, format="json")
        assert response.status_code == (200 if accepted else 400), (body, response.content)


def test_a_value_of_another_json_type_is_refused_not_converted(schema, member):
    organization = request_body(schema, "/api/v1/organizations/")
    body = {"name": "Acme Two", "sector": "ngo", "country": "FR", "description": 0}
    assert not allows(schema, organization, body)
    assert member.post("/api/v1/organizations/", body, format="json").status_code == 400
    export = request_body(schema, "/api/v1/catalog-jobs/")
    body = {"kind": "export", "format": "json", "dry_run": 0}
    assert not allows(schema, export, body)
    assert member.post("/api/v1/catalog-jobs/", body, format="json").status_code == 400


def test_the_export_body_documents_only_the_export(schema):
    export = request_body(schema, "/api/v1/catalog-jobs/")
    assert allows(schema, export, {"kind": "export"})
    assert not allows(schema, export, {"kind": "import"})  # an import is multipart


def test_request_strings_say_what_the_serializers_keep(schema, member):
    """No NUL; a field that may not be blank needs more than whitespace (it is trimmed); a
    list that may not be empty says so."""
    create = request_body(schema, "/api/v1/tools/")
    base = {
        "organization": "acme",
        "name": "Finder",
        "summary": "Finds things.",
        "purposes": ["disrupt"],
        "functions": ["mapping"],
        "availability": "free",
        "maturity": "pilot",
    }
    for change, accepted in [
        ({}, True),
        ({"description": ""}, True),
        ({"description": "   "}, True),
        ({"name": "   "}, False),
        ({"name": "\u3000"}, False),
        ({"functions": []}, False),
    ]:
        body = {**base, **change}
        assert allows(schema, create, body) is accepted, change
        response = member.post("/api/v1/tools/", body, format="json")
        assert response.status_code == (201 if accepted else 400), (change, response.content)
        if accepted:
            Tool.objects.filter(slug=response.json()["slug"]).delete()
    assert not allows(schema, create, {**base, "name": "a\x00b"})


@pytest.mark.parametrize(
    "website",
    [
        "https://example.org",
        "http://example.org:8080/path?q=1#top",
        "HTTPS://Example.ORG/a%20b",
        "https://a",
        "http://localhost/",
        "https://example.org/a b",
        "ftp://example.org/",
        "https://-bad-.org/",
        "javascript:alert(1)",
    ],
)
def test_a_web_address_the_schema_allows_is_accepted_and_no_other(schema, member, website):
    create = request_body(schema, "/api/v1/organizations/")
    body = {"name": "Acme Two", "sector": "ngo", "country": "FR", "website": website}
    response = member.post("/api/v1/organizations/", body, format="json")
    assert response.status_code == (201 if allows(schema, create, body) else 400), website


def test_reports_and_threads_name_exactly_one_record_in_the_schema(schema):
    report = request_body(schema, "/api/v1/reports/")
    assert not allows(schema, report, {"reason": "wrong"})
    assert allows(schema, report, {"reason": "wrong", "tool": "x"})
    assert not allows(schema, report, {"reason": "wrong", "tool": "x", "need": "y"})
    thread = request_body(schema, "/api/v1/contact-threads/")
    message = {"asker_organization": "acme", "body": "Hello"}
    assert not allows(schema, thread, message)
    assert allows(schema, thread, {**message, "need": "y"})
    assert not allows(schema, thread, {**message, "need": "y", "tool": "x"})


def test_a_new_record_names_sectors_exactly_when_it_is_restricted(schema, member):
    create = request_body(schema, "/api/v1/tools/")
    base = {
        "organization": "acme",
        "name": "Finder",
        "summary": "Finds things.",
        "purposes": ["disrupt"],
        "functions": ["mapping"],
        "availability": "free",
        "maturity": "pilot",
    }
    for change, accepted in [
        ({"restricted_to_sectors": ["ngo"]}, False),
        ({"visibility": "registered", "restricted_to_sectors": ["ngo"]}, False),
        ({"visibility": "restricted"}, False),
        ({"visibility": "restricted", "restricted_to_sectors": []}, False),
        ({"visibility": "restricted", "restricted_to_sectors": ["ngo"]}, True),
        ({"visibility": "registered", "restricted_to_sectors": []}, True),
    ]:
        body = {**base, **change}
        assert allows(schema, create, body) is accepted, change
        response = member.post("/api/v1/tools/", body, format="json")
        assert response.status_code == (201 if accepted else 400), (change, response.content)
        if accepted:
            Tool.objects.filter(slug=response.json()["slug"]).delete()


def test_a_blank_if_match_is_no_condition_and_a_malformed_one_a_400(schema, member):
    tool = ToolFactory(organization=OrganizationFactory(), slug="finder")
    editor = token_client(MembershipFactory(organization=tool.organization, role="editor").user)
    documented = parameter(schema, "/api/v1/tools/{slug}/", "If-Match", method="patch")
    for header, status in [("", 200), ("Z", 400), ('"stale"', 412), ("*", 200)]:
        assert allows(schema, documented, header) is (status != 400), header
        response = editor.patch(
            "/api/v1/tools/finder/", {"summary": "New."}, format="json", HTTP_IF_MATCH=header
        )
        assert response.status_code == status, (header, response.content)


# --- Responses and paths ------------------------------------------------------------------


def test_need_matches_are_documented_as_the_object_they_are(schema, api):
    need = NeedFactory(functions=["mapping"])
    ToolFactory(functions=["mapping"])
    operation = schema["paths"]["/api/v1/needs/{need_slug}/matches/"]["get"]
    documented = operation["responses"]["200"]["content"]["application/json"]["schema"]
    response = api.get(f"/api/v1/needs/{need.slug}/matches/")
    assert response.status_code == 200
    assert allows(schema, documented, response.json())


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tools/%0A/",
        "/api/%0A",
        "/api/v1/%0D%0A",
        "/api/v1/tools/x%0A/shares/",
        "/api/v1/catalog-jobs/%C3%B3%0A/download/",
        "/api/v1/tools/%FF/",
        "/api/v1/tools/%00/",
        "/api/nothing/here",
    ],
)
def test_every_path_under_the_api_answers_in_json(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["type"] == "not_found"


def test_too_many_parameters_is_a_400_in_the_api_s_shape(api):
    response = api.get("/api/v1/tools/?" + "&".join(["functions=mapping"] * 1001))
    assert response.status_code == 400
    assert response.json()["type"] == "parse_error"


def test_a_bad_host_under_the_api_answers_in_json(api):
    response = api.get("/api/v1/tools/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=st.text(max_size=20))
def test_a_search_facet_is_any_of_its_codes_or_a_400(value):
    """Search checks each facet against its vocabulary, whatever the `type`."""
    client = APIClient()
    for kind in ("tool", "need", "organization"):
        response = client.get("/api/v1/search/", {"type": kind, "status": value})
        known = value in ("", "open", "in_progress", "met", "closed")
        assert response.status_code == (200 if known else 400), (kind, value)


def test_a_report_of_something_else_says_what_in_the_schema(schema, member):
    ToolFactory(slug="odd-tool")
    report = request_body(schema, "/api/v1/reports/")
    for body, accepted in [
        ({"tool": "odd-tool", "reason": "other"}, False),
        ({"tool": "odd-tool", "reason": "other", "details": "  "}, False),
        ({"tool": "odd-tool", "reason": "other", "details": "Not a tool."}, True),
    ]:
        assert allows(schema, report, body) is accepted, body
        response = member.post("/api/v1/reports/", body, format="json")
        assert response.status_code == (201 if accepted else 400), (body, response.content)


def test_a_parameter_that_takes_one_value_refuses_several(api):
    ToolFactory(organization__slug="one")
    for query in [
        "organization=one&organization=two",
        "page_size=5&page_size=6",
        "ordering=name&ordering=-name",
    ]:
        assert api.get(f"/api/v1/tools/?{query}").status_code == 400, query
    assert api.get("/api/v1/search/?q=a&q=b").status_code == 400
    assert api.get("/api/v1/tools/?organization=&organization=one").status_code == 200


def test_a_string_longer_than_the_schema_allows_is_refused_before_trimming(schema, member):
    create = request_body(schema, "/api/v1/organizations/")
    body = {"name": "\n" + "x" * 200, "sector": "ngo", "country": "FR"}
    assert not allows(schema, create, body)
    assert member.post("/api/v1/organizations/", body, format="json").status_code == 400
