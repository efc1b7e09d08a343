"""`summary_translations` on the tool representation, and the endpoint that sets them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import ToolSummaryTranslation
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory

from .conftest import client_for


@pytest.fixture(autouse=True)
def _no_two_factor_gate(settings):
    settings.REGISTRY_REQUIRE_2FA = False


def _url(tool, language="es"):
    return f"/api/v1/tools/{tool.slug}/summary-translations/{language}/"


def _error_fields(response) -> set[str]:
    return {error.get("field") for error in response.json()["errors"]}


def _editor_of(tool, role="editor"):
    return MembershipFactory(organization=tool.organization, role=role).user


def test_tool_detail_and_list_expose_the_translations_read_only(api):
    tool = ToolFactory()
    ToolSummaryTranslation.objects.create(tool=tool, language="zh-hans", summary="你好")
    ToolSummaryTranslation.objects.create(tool=tool, language="es", summary="Hola")

    detail = api.get(f"/api/v1/tools/{tool.slug}/").json()
    listed = api.get("/api/v1/tools/").json()["results"][0]

    assert detail["summary_translations"] == {"es": "Hola", "zh-hans": "你好"}
    assert listed["summary_translations"] == {"es": "Hola", "zh-hans": "你好"}
    # Read-only on the tool itself: the update serializer refuses the field.
    response = client_for(_editor_of(tool)).patch(
        f"/api/v1/tools/{tool.slug}/", {"summary_translations": {"es": "x"}}, format="json"
    )
    assert response.status_code == 400
    assert "summary_translations" in _error_fields(response)


def test_tool_list_loads_translations_in_one_query(api):
    def add(n):
        for _ in range(n):
            tool = ToolFactory()
            ToolSummaryTranslation.objects.create(tool=tool, language="es", summary="Hola")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/tools/").status_code == 200
        return len(queries)

    add(2)
    few = count()
    add(6)
    assert count() == few


def test_editor_sets_replaces_and_removes_a_translation(api):
    tool = ToolFactory()
    client = client_for(_editor_of(tool))

    created = client.put(_url(tool), {"summary": "Hola"}, format="json")
    replaced = client.put(
        _url(tool), {"summary": "Hola de nuevo", "description": "Más."}, format="json"
    )

    assert created.status_code == 200
    assert created.json()["summary_translations"] == {"es": "Hola"}
    assert replaced.json()["summary_translations"] == {"es": "Hola de nuevo"}
    assert "ETag" in replaced
    assert tool.summary_translations.get().description == "Más."

    assert client.delete(_url(tool)).status_code == 204
    assert not tool.summary_translations.exists()
    assert client.delete(_url(tool)).status_code == 404


@pytest.mark.parametrize(
    ("language", "body", "field"),
    [
        ("es", {}, "summary"),
        ("es", {"summary": ""}, "summary"),
        ("es", {"summary": "x" * 161}, "summary"),
        ("es", {"summary": "Hola", "lang": "es"}, "lang"),
        ("fr", {"summary": "Bonjour"}, "language"),
    ],
)
def test_bad_input_is_400_with_the_field_named(language, body, field):
    tool = ToolFactory()

    response = client_for(_editor_of(tool)).put(_url(tool, language), body, format="json")

    assert response.status_code == 400
    assert field in _error_fields(response)
    assert not tool.summary_translations.exists()


def test_stale_if_match_is_refused(api):
    tool = ToolFactory()
    client = client_for(_editor_of(tool))

    response = client.put(_url(tool), {"summary": "Hola"}, format="json", HTTP_IF_MATCH='"stale"')

    assert response.status_code == 412
    assert not tool.summary_translations.exists()


@pytest.mark.parametrize(
    ("who", "visibility", "status"),
    [
        ("anonymous", "public", 401),
        ("registered", "public", 403),
        ("viewer", "public", 403),
        ("other_editor", "public", 403),
        ("other_editor", "private", 404),
        ("moderator", "private", 404),
        ("owner", "private", 200),
    ],
)
def test_permission_matrix(who, visibility, status):
    tool = ToolFactory(visibility=visibility)
    user = {
        "anonymous": lambda: None,
        "registered": UserFactory,
        "viewer": lambda: _editor_of(tool, "viewer"),
        "owner": lambda: _editor_of(tool, "owner"),
        "other_editor": lambda: (
            MembershipFactory(organization=OrganizationFactory(), role="editor").user
        ),
        "moderator": lambda: UserFactory(groups=["moderator"]),
    }[who]()

    response = client_for(user).put(_url(tool), {"summary": "Hola"}, format="json")

    assert response.status_code == status
    assert tool.summary_translations.exists() == (status == 200)


def test_schema_documents_the_endpoint():
    import yaml
    from rest_framework.test import APIClient

    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    path = schema["paths"]["/api/v1/tools/{slug}/summary-translations/{language}/"]
    assert {"put", "delete"} <= set(path)
    tool = schema["components"]["schemas"]["Tool"]
    assert tool["properties"]["summary_translations"]["readOnly"] is True
