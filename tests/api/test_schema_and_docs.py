"""The OpenAPI schema describes every endpoint with its errors; the docs need no CDN."""

from __future__ import annotations

import re

import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.validation import validate_schema

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def _api_routes():
    """Every route of the v1 router, as an OpenAPI-style path."""
    resolver = get_resolver()
    found = set()

    def walk(entries, prefix):
        for entry in entries:
            pattern = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + pattern)
            elif isinstance(entry, URLPattern):
                route = prefix + pattern
                if route.startswith("^api/v1/") or route.startswith("api/v1/"):
                    found.add(route)

    walk(resolver.url_patterns, "")
    paths = set()
    for route in found:
        route = route.replace("^", "").replace("$", "")
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
        if route in ("api/v1/",):
            continue  # the router's index
        paths.add("/" + route)
    return paths


def test_every_route_is_documented(schema):
    documented = set(schema["paths"])
    missing = {p for p in _api_routes() if p not in documented}
    # search and overlap are documented by their own modules, if they are wired.
    assert not missing, missing
    for expected in [
        "/api/v1/tools/",
        "/api/v1/tools/{slug}/",
        "/api/v1/tools/{slug}/shares/",
        "/api/v1/tools/{slug}/shares/{organization_slug}/",
        "/api/v1/tools/{slug}/mark-reviewed/",
        "/api/v1/needs/{slug}/shares/",
        "/api/v1/tool-uses/{id}/",
        "/api/v1/license-offers/{slug}/",
        "/api/v1/license-requests/{id}/approve/",
        "/api/v1/license-requests/{id}/decline/",
        "/api/v1/license-requests/{id}/withdraw/",
        "/api/v1/organizations/{slug}/verify/",
        "/api/v1/organizations/{slug}/reject/",
        "/api/v1/organizations/{slug}/suspend/",
        "/api/v1/organizations/{slug}/request-verification/",
        "/api/v1/memberships/{id}/",
        "/api/v1/invitations/{id}/revoke/",
        "/api/v1/invitations/accept/",
        "/api/v1/join-requests/{id}/approve/",
        "/api/v1/tokens/{id}/",
        "/api/v1/taxonomy/",
    ]:
        assert expected in documented, expected


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    error_ref = "#/components/schemas/Error"
    for path, method, operation in _operations(schema):
        if not path.startswith("/api/v1/") or path == "/api/v1/overlap/":
            continue
        responses = operation["responses"]
        for code in ("400", "401", "403", "404", "429"):
            assert code in responses, (method, path, code)
            content = responses[code]["content"]["application/json"]["schema"]
            assert content == {"$ref": error_ref}, (method, path, code)
        assert "Retry-After" in responses["429"].get("headers", {})
        if method in ("put", "patch") or (method == "delete" and "412" in responses):
            assert "412" in responses, (method, path)
            assert any(
                p["name"] == "If-Match" and p["in"] == "header"
                for p in operation.get("parameters", [])
            ), (method, path)
        if method in ("post", "put", "patch"):
            assert {"413", "415"} <= set(responses), (method, path)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"type", "errors"}


def test_single_record_answers_document_the_etag(schema):
    get_tool = schema["paths"]["/api/v1/tools/{slug}/"]["get"]
    assert "ETag" in get_tool["responses"]["200"]["headers"]
    create = schema["paths"]["/api/v1/tools/"]["post"]
    assert "ETag" in create["responses"]["201"]["headers"]


def test_request_bodies_refuse_unknown_fields(schema):
    components = schema["components"]["schemas"]
    for path, method, operation in _operations(schema):
        body = operation.get("requestBody")
        if not body or not path.startswith("/api/v1/"):
            continue
        ref = body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        assert components[ref].get("additionalProperties") is False, (method, path)


def test_lists_document_cursor_page_size_ordering_and_filters(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/tools/"]["get"]["parameters"]}
    for name in (
        "cursor",
        "page_size",
        "ordering",
        "functions",
        "purposes",
        "regions",
        "organization",
        "sector",
        "country",
        "maturity",
        "availability",
        "visibility",
        "updated_since",
    ):
        assert name in parameters, name
    assert "-updated_at" in parameters["ordering"]["schema"]["enum"]
    assert "case_management" in parameters["functions"]["schema"]["items"]["enum"]
    listing = schema["paths"]["/api/v1/tools/"]["get"]["responses"]["200"]
    page = listing["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert set(schema["components"]["schemas"][page]["properties"]) == {
        "next",
        "previous",
        "results",
    }


def test_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["in"] == "header"
    assert "cookieAuth" in schemes


def test_docs_are_served_without_any_cdn(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert references
    for url in references:
        assert url.startswith("/static/"), url
    assert not re.search(r"https?://(?!testserver)", html), "external URL in the docs page"
    assert "/api/schema/" in html
