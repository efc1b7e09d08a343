import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory


@pytest.fixture
def api():
    return APIClient()


def test_tool_list_is_paginated_json_with_codes(api):
    ToolFactory(name="Alpha", functions=["case_management", "training"], regions=["KE"])
    response = api.get("/api/v1/tools/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["name"] == "Alpha"
    assert sorted(item["functions"]) == ["case_management", "training"]
    assert item["regions"] == ["KE"]
    assert item["url"].endswith(f"/tools/{item['slug']}/")


def test_tool_list_filters_by_facet_code(api):
    ToolFactory(name="Has", functions=["mapping"])
    ToolFactory(name="Lacks", functions=["training"])
    names = [t["name"] for t in api.get("/api/v1/tools/?functions=mapping").json()["results"]]
    assert names == ["Has"]


def test_unknown_facet_code_is_a_400(api):
    response = api.get("/api/v1/tools/?functions=teleportation")
    assert response.status_code == 400


def test_restricted_tool_is_absent_and_404_for_anonymous(api):
    tool = ToolFactory(visibility="restricted", restricted_to_sectors=["law_enforcement"])
    assert api.get("/api/v1/tools/").json()["count"] == 0
    assert api.get(f"/api/v1/tools/{tool.slug}/").status_code == 404


def test_restricted_tool_is_visible_to_law_enforcement_member(api):
    tool = ToolFactory(visibility="restricted", restricted_to_sectors=["law_enforcement"])
    member = MembershipFactory(organization=OrganizationFactory(sector="law_enforcement")).user
    api.force_authenticate(member)
    assert api.get("/api/v1/tools/").json()["count"] == 1
    assert api.get(f"/api/v1/tools/{tool.slug}/").status_code == 200
