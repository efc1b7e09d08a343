"""Every role x every visibility, through every surface that reads records: the tool page,
the page list, the API list and detail, search, overlap and export. Totals included."""

import json

import pytest
from django.test import Client

from .world import READS, ROLES, VISIBILITIES, build_world

MARK = "qxsurface"


@pytest.fixture
def world():
    return build_world(marker=MARK)


def _client(world, role) -> Client:
    client = Client()
    user = world.users[role]
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    return client


def _names(text: str) -> set[str]:
    return {v for v in VISIBILITIES if f"{MARK}{v}" in text}


@pytest.mark.parametrize("role", ROLES)
def test_every_surface_shows_exactly_the_readable_records(world, role):
    client = _client(world, role)
    expected = READS[role]

    # Pages: detail answers 200 or 404; the list shows exactly the readable ones.
    for visibility in VISIBILITIES:
        for kind, record in (
            ("tools", world.tools[visibility]),
            ("needs", world.needs[visibility]),
        ):
            status = client.get(f"/{kind}/{record.slug}/").status_code
            assert status == (200 if visibility in expected else 404), (kind, visibility)
    assert _names(client.get("/tools/").content.decode()) == expected
    assert _names(client.get("/needs/").content.decode()) == expected

    # API list (with its items) and detail.
    api_tools = client.get("/api/v1/tools/?page_size=100").json()["results"]
    assert _names(json.dumps(api_tools)) == expected
    assert len(api_tools) == len(expected)
    for visibility in VISIBILITIES:
        status = client.get(f"/api/v1/needs/{world.needs[visibility].slug}/").status_code
        assert status == (200 if visibility in expected else 404)

    # Search: results and the total count.
    body = client.get("/api/v1/search/?q=Summary&type=tool").json()
    assert _names(json.dumps(body["results"])) == expected
    assert body["count"] == len(expected)

    # The search page: results of every type at once, one type, and each total.
    for query in ("/search/?q=Description", "/search/?q=Summary&type=tool"):
        page = client.get(query)
        assert _names(page.content.decode()) == expected, query
        assert page.context["counts"]["tool"] == len(expected), query
    assert client.get("/search/?q=Description").context["counts"]["need"] == len(expected)

    # Overlap with each record's own text.
    for visibility in VISIBILITIES:
        tool = world.tools[visibility]
        payload = {"kind": "tool", "title": tool.name, "description": tool.description, "limit": 50}
        response = client.post(
            "/api/v1/overlap/", json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 200
        found = _names(json.dumps(response.json()["results"]))
        assert found <= expected
        assert (visibility in found) == (visibility in expected)

    # Export, JSON and CSV.
    exported = client.get("/api/v1/export/?format=json").content.decode()
    assert _names(exported) == expected
    assert len(json.loads(exported)["tools"]) == len(expected)
    assert _names(client.get("/export/catalog.csv").content.decode()) == expected
