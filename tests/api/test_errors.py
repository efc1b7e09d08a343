"""Bad input of every kind is a 4xx in the one error shape, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory

from .conftest import token_client

ERROR_TYPES = {
    "validation_error",
    "not_found",
    "permission_denied",
    "not_authenticated",
    "throttled",
    "parse_error",
    "precondition_failed",
    "conflict",
    "method_not_allowed",
    "server_error",
}


def assert_error(response, status: int, error_type: str, field=...):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"type", "errors"}
    assert body["type"] == error_type
    assert body["type"] in ERROR_TYPES
    assert body["errors"], body
    for item in body["errors"]:
        assert set(item) == {"field", "code", "message"}
        assert isinstance(item["code"], str) and isinstance(item["message"], str)
    if field is not ...:
        assert field in [item["field"] for item in body["errors"]], body
    return body


@pytest.fixture
def editor():
    org = OrganizationFactory(slug="acme")
    return token_client(MembershipFactory(organization=org, role="editor").user)


def _tool_body(**overrides):
    body = {
        "organization": "acme",
        "name": "Finder",
        "summary": "Finds things.",
        "purposes": ["disrupt"],
        "functions": ["mapping"],
        "availability": "free",
        "maturity": "pilot",
    }
    body.update(overrides)
    return body


def test_malformed_json_is_a_parse_error(editor):
    response = editor.post("/api/v1/tools/", "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error", None)


@pytest.mark.parametrize(
    "raw",
    [
        "NaN",
        '{"name": Infinity}',
        '"\\ud800"',
        '{"a\\u0000": 1}',
        "[" * 5000 + "]" * 5000,
        '{"name": "\\u0000"}',
    ],
)
def test_json_the_database_cannot_hold_is_refused_at_the_door(editor, raw):
    response = editor.post("/api/v1/tools/", raw, content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_body_that_is_not_json_is_a_415(editor):
    response = editor.post(
        "/api/v1/tools/", "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415, "parse_error")


@override_settings(API_MAX_JSON_BYTES=1024)
def test_oversized_body_is_a_413(editor):
    body = json.dumps(_tool_body(description="x" * 2000))
    response = editor.post("/api/v1/tools/", body, content_type="application/json")
    assert_error(response, 413, "parse_error")


def test_the_default_body_cap_is_256_kilobytes(editor):
    body = json.dumps(_tool_body(description="x" * (260 * 1024)))
    response = editor.post("/api/v1/tools/", body, content_type="application/json")
    assert_error(response, 413, "parse_error")


@pytest.mark.parametrize(
    "overrides, field",
    [
        # The schema says string: a number is refused, not turned into one.
        ({"name": 12}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": {"a": 1}}, "name"),
        ({"purposes": "disrupt"}, "purposes"),
        ({"purposes": [1, 2]}, "purposes.0"),
        ({"functions": ["teleportation"]}, "functions.0"),
        ({"functions": []}, "functions"),
        ({"regions": ["XX"]}, "regions.0"),
        ({"availability": "priceless"}, "availability"),
        ({"visibility": None}, "visibility"),
        ({"website": "not a url"}, "website"),
        ({"summary": "s" * 161}, "summary"),
        ({"organization": "no-such-org"}, "organization"),
        ({"organization": 7}, "organization"),
        ({"organization": "bad slug!"}, "organization"),
        ({"color": "red"}, "color"),
        ({"slug": "chosen"}, "slug"),
        ({"visibility": "restricted"}, "restricted_to_sectors"),
        ({"restricted_to_sectors": ["law_enforcement"]}, "restricted_to_sectors"),
    ],
)
def test_wrong_types_unknown_codes_and_unknown_fields_are_validation_errors(
    editor, overrides, field
):
    response = editor.post("/api/v1/tools/", _tool_body(**overrides), format="json")
    if field is None:
        assert response.status_code == 201
        return
    assert_error(response, 400, "validation_error", field)


def test_a_body_that_is_not_an_object_is_a_validation_error(editor):
    for body in ([], "text", 3, None):
        response = editor.post("/api/v1/tools/", json.dumps(body), content_type="application/json")
        assert_error(response, 400, "validation_error")


def test_all_problems_are_reported_at_once(editor):
    response = editor.post("/api/v1/tools/", {"organization": "acme"}, format="json")
    body = assert_error(response, 400, "validation_error")
    fields = {item["field"] for item in body["errors"]}
    assert {"name", "summary", "purposes", "functions", "availability", "maturity"} <= fields
    assert {item["code"] for item in body["errors"]} == {"required"}


def test_not_found_and_method_not_allowed_and_unknown_paths(editor):
    assert_error(editor.get("/api/v1/tools/nothing-here/"), 404, "not_found", None)
    assert_error(editor.get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(editor.get("/api/v1/tools/bad%00slug/"), 404, "not_found")
    assert_error(editor.get("/api/nothing/"), 404, "not_found")
    assert_error(editor.put("/api/v1/tools/", {}, format="json"), 405, "method_not_allowed")
    assert_error(editor.delete("/api/v1/license-offers/x/"), 405, "method_not_allowed")


def test_bad_query_parameters_are_validation_errors(editor):
    ToolFactory()
    for query, field in [
        ({"functions": "teleportation"}, "functions"),
        ({"maturity": "ancient"}, "maturity"),
        ({"updated_since": "yesterday"}, "updated_since"),
        # RFC 3339 (the schema's date-time) wants a time and an offset.
        ({"updated_since": "2024-01-01"}, "updated_since"),
        ({"updated_since": "2024-01-01T10:00:00"}, "updated_since"),
        ({"updated_since": "2024-02-30T10:00:00Z"}, "updated_since"),
        ({"organization": "bad slug!"}, "organization"),
        ({"page_size": "many"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"ordering": "password"}, "ordering"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJvIjoibmFtZSJ9"}, "cursor"),
        ({"cursor": "title.n.1.VG9vbA"}, "cursor"),  # not one of this list's orderings
        ({"country": "U\x00S"}, "country"),
    ]:
        response = editor.get("/api/v1/tools/", query)
        assert_error(response, 400, "validation_error", field)


def test_odd_but_valid_instants_are_accepted(editor):
    # Python accepts offsets up to 24 hours, PostgreSQL only to 15:59: normalized to UTC.
    # Instants past what Python holds (year 0, or beyond 9999 in UTC) filter as they would.
    for instant in [
        "0124-02-24T19:45:54-19:57",
        "0001-01-01T00:00:00+14:00",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:00:00-12:00",
        "2016-12-31T23:59:60Z",
    ]:
        response = editor.get("/api/v1/needs/", {"updated_since": instant})
        assert response.status_code == 200, (instant, response.content)
    for cursor in ["-created_at.n.1.-99999999999999999", "-created_at.p.1.99999999999999999"]:
        assert editor.get("/api/v1/needs/", {"cursor": cursor}).status_code == 200


def test_unauthenticated_write_is_401_with_a_challenge(api):
    response = api.post("/api/v1/tools/", _tool_body(), format="json")
    assert_error(response, 401, "not_authenticated", None)
    assert response["WWW-Authenticate"] == "Token"


def test_a_server_error_keeps_the_shape(editor, monkeypatch):
    from api.viewsets import TaxonomyViewSet

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(TaxonomyViewSet, "list", explode)
    response = editor.get("/api/v1/taxonomy/")
    body = assert_error(response, 500, "server_error", None)
    assert "boom" not in json.dumps(body)
