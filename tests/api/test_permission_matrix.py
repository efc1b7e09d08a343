"""The permission matrix of tests/access, through the API: every role x every visibility x
list / detail / create / update / delete / share, on tools and on needs.

Expected outcomes come from tests/access/world.py's hand-written tables; the status codes
follow the API's rule: 2xx when allowed, 403 when the record is visible but the action is not
allowed, 404 when the record is invisible, 401 for any anonymous write."""

from __future__ import annotations

import pytest

from registry.models import Need, Tool
from tests.access.world import (
    CREATES,
    DELETES,
    READS,
    ROLES,
    SHARES,
    UPDATES,
    VISIBILITIES,
    build_world,
)

from .conftest import token_client

KINDS = {
    "tools": {"model": Tool, "text": "summary"},
    "needs": {"model": Need, "text": "description"},
}


def _client(world, role):
    from rest_framework.test import APIClient

    user = world.users[role]
    return token_client(user) if user.is_authenticated else APIClient()


def _expected(role: str, visibility: str, allowed: dict | set) -> int | None:
    """None when allowed, else the refusal status."""
    if visibility in allowed.get(role, set()):
        return None
    if role == "anonymous":
        return 401
    return 403 if visibility in READS[role] else 404


def _create_body(kind: str, world) -> dict:
    if kind == "tools":
        return {
            "organization": world.owner_org.slug,
            "name": "Created through the API",
            "summary": "A tool created by the matrix.",
            "purposes": ["support"],
            "functions": ["training"],
            "availability": "free",
            "maturity": "pilot",
        }
    return {
        "organization": world.owner_org.slug,
        "title": "Need created through the API",
        "description": "A need created by the matrix.",
        "functions": ["training"],
    }


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", ROLES)
def test_api_permission_matrix(kind, role):
    world = build_world()
    records = world.tools if kind == "tools" else world.needs
    model, text_field = KINDS[kind]["model"], KINDS[kind]["text"]
    client = _client(world, role)
    base = f"/api/v1/{kind}/"
    failures = []

    def check(label, response, expected):
        if response.status_code != expected:
            failures.append(f"{label}: {response.status_code} != {expected} {response.content!r}")

    # list: exactly the readable records, nothing else.
    body = client.get(base, {"page_size": 100}).json()
    listed = {item["slug"] for item in body["results"]}
    if listed != {records[v].slug for v in READS[role]}:
        failures.append(f"list: {sorted(listed)}")
    filtered = client.get(base, {"organization": world.owner_org.slug}).json()["results"]
    if {item["slug"] for item in filtered} != listed:
        failures.append("list filtered by organization differs")

    for visibility in VISIBILITIES:
        record = records[visibility]
        url = f"{base}{record.slug}/"

        check(f"detail {visibility}", client.get(url), 200 if visibility in READS[role] else 404)

        refusal = _expected(role, visibility, UPDATES)
        response = client.patch(url, {text_field: "Changed through the API"}, format="json")
        check(f"update {visibility}", response, refusal or 200)
        changed = getattr(model.objects.get(pk=record.pk), text_field) == "Changed through the API"
        if changed != (refusal is None):
            failures.append(f"update {visibility}: database says changed={changed}")

        refusal = _expected(role, visibility, SHARES)
        response = client.post(f"{url}shares/", {"organization": world.partner.slug}, format="json")
        listing = client.get(f"{url}shares/")
        if refusal == 403 and role in SHARES:
            # A public-ish record is not shared by name: the rule (400) or the policy (403)
            # refuses, as in tests/access; nothing is shared either way.
            check(
                f"share {visibility}",
                response,
                response.status_code if response.status_code in (400, 403) else 403,
            )
            if listing.status_code not in (200, 403) or (
                listing.status_code == 200 and listing.json() != []
            ):
                failures.append(f"share list {visibility}: {listing.content!r}")
        else:
            check(f"share {visibility}", response, refusal or 201)
            if role == "anonymous":  # a read: invisible records stay 404
                refusal = 401 if visibility in READS[role] else 404
            check(f"share list {visibility}", listing, refusal or 200)
        if refusal is None and [s["organization"]["slug"] for s in listing.json()] != [
            world.partner.slug
        ]:
            failures.append(f"share list {visibility}: {listing.json()}")

        refusal = _expected(role, visibility, DELETES)
        check(f"delete {visibility}", client.delete(url), refusal or 204)
        exists = model.objects.filter(pk=record.pk).exists()
        if exists != (refusal is not None):
            failures.append(f"delete {visibility}: database says exists={exists}")

    response = client.post(base, _create_body(kind, world), format="json")
    if role in CREATES:
        check("create", response, 201)
    else:
        check("create", response, 401 if role == "anonymous" else 403)

    assert not failures, f"{kind} as {role}:\n" + "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_refusals_do_not_say_more_than_a_missing_record(role):
    """The 404 for an invisible record is byte for byte the 404 for a slug never used."""
    world = build_world()
    client = _client(world, role)
    missing = client.get("/api/v1/tools/no-such-tool/")
    assert missing.status_code == 404
    for visibility in VISIBILITIES:
        if visibility in READS[role]:
            continue
        for kind, records in (("tools", world.tools), ("needs", world.needs)):
            response = client.get(f"/api/v1/{kind}/{records[visibility].slug}/")
            assert response.status_code == 404
            assert response.content == missing.content
