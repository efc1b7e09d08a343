"""The canary: no route of the project leaks a record to someone who may not see it.

Every non-public record of the world carries a unique marker word in its name, summary and
description. For each role that may not see some of them, a crawler requests every page and
API URL the project routes (lists with each facet, search for the marker itself, overlap with
the record's own text, exports, feeds, sitemaps, error pages, and every detail route tried
with the hidden records' own slugs and ids). It fails if a marker appears anywhere, or if any
response differs from the same request made after the hidden records are deleted: a total, a
facet count or a page of results that moved would betray the hidden record.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from registry.models import LicenseOffer, Need, Tool, ToolUse

from .world import READS, build_world

MARKER = "zqcanary"
# Roles that may not see some records of the world.
CRAWLED_ROLES = ["anonymous", "registered", "other_sector", "suspended_member", "moderator"]
FACET_PARAMS = {
    "functions": "victim_identification",
    "purposes": "disrupt",
    "regions": "US",
    "visibility": "private",
    "maturity": "deployed",
    "availability": "free",
    "status": "open",
}
SKIPPED_PREFIXES = ("admin/", "api/docs", "static/", "media/")
VOLATILE = [
    re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(rb'csrf[-_]token["\']?\s*[:=]\s*["\'][^"\']*["\']', re.I),
    re.compile(rb'nonce="[^"]*"'),
    re.compile(rb"<updated>[^<]*</updated>"),
    re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"),
]


def _routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _fill(route: str, values: dict[str, list[str]]):
    """Concrete paths for a route pattern, trying every candidate value for each parameter."""
    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\.", ".")
    if re.search(r"\(\?P<format>", route) or "(?P<format>" in route:
        return []
    params = re.findall(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)", route)
    paths = [route]
    for converter, name, regex_name in params:
        key = name or regex_name
        kind = "int" if converter == "int" or key in ("pk", "id") else "slug"
        candidates = values[kind]
        new = []
        for path in paths:
            for value in candidates:
                pattern = rf"<(?:\w+:)?{key}>|\(\?P<{key}>[^)]*\)"
                new.append(re.sub(pattern, value, path, count=1))
        paths = new
    return ["/" + p for p in paths]


def _normalize(body: bytes) -> bytes:
    for pattern in VOLATILE:
        body = pattern.sub(b"", body)
    return body


def _crawl(client: Client, paths: list[str], overlap_texts: list[str]) -> dict[str, tuple]:
    seen = {}
    for path in paths:
        response = client.get(path)
        seen[f"GET {path}"] = (response.status_code, _normalize(response.content))
    for text in overlap_texts:
        for kind in ("tool", "need"):
            payload = {"kind": kind, "title": text, "description": text, "limit": 50}
            response = client.post(
                "/api/v1/overlap/", data=json.dumps(payload), content_type="application/json"
            )
            seen[f"POST overlap {kind} {text}"] = (
                response.status_code,
                _normalize(response.content),
            )
    return seen


def _hidden_records(world, role):
    readable = READS[role]
    hidden = []
    for records in (world.tools, world.needs):
        hidden += [r for v, r in records.items() if v not in readable]
    return hidden


@pytest.fixture
def canary_world():
    world = build_world(marker=MARKER)
    from tests.factories import LicenseOfferFactory, ToolUseFactory

    # Records hanging off hidden tools must not leak either.
    for visibility, tool in world.tools.items():
        if visibility != "public":
            ToolUseFactory(
                tool=tool,
                organization=world.partner,
                visibility="public",
                notes=f"Use of {MARKER}{visibility}",
            )
            LicenseOfferFactory(
                tool=tool, slug=f"offer-{visibility}", title=f"Offer {MARKER}{visibility}"
            )
    return world


@pytest.mark.parametrize("role", CRAWLED_ROLES)
def test_no_route_leaks_a_hidden_record(canary_world, role):
    world = canary_world
    hidden = _hidden_records(world, role)
    assert hidden, "the world must hide something from this role"
    hidden_words = {f"{MARKER}{r.visibility}" for r in hidden}
    visible_tool = world.tools["public"]

    slugs = sorted(
        {r.slug for r in hidden}
        | {visible_tool.slug, world.owner_org.slug, "offer-private", "no-such-slug"}
    )
    ids = sorted({str(r.pk) for r in hidden} | {"1", "999999"})
    paths = []
    for route in _routes():
        if route.startswith(SKIPPED_PREFIXES):
            continue
        paths += _fill(route, {"slug": slugs, "int": ids})
    list_paths = [p for p in paths if "<" not in p and p.count("/") <= 4]
    for word in sorted(hidden_words):
        for base in (
            "/search/",
            "/tools/",
            "/needs/",
            "/api/v1/tools/",
            "/api/v1/needs/",
            "/api/v1/search/",
        ):
            paths.append(f"{base}?q={word}")
    for base in ("/tools/", "/needs/", "/api/v1/tools/", "/api/v1/needs/", "/search/"):
        for name, code in FACET_PARAMS.items():
            paths.append(f"{base}?{name}={code}")
            paths.append(f"{base}?{name}={code}&page_size=2")
    paths += ["/this-page-does-not-exist/", "/api/v1/does-not-exist/"]
    paths += [
        "/export/catalog.json",
        "/export/catalog.csv",
        "/api/v1/export/?format=json",
        "/api/v1/export/?format=csv",
        "/feeds/tools/",
        "/feeds/needs/",
        "/sitemap.xml",
        "/api/v1/taxonomy/",
        "/api/schema/",
    ]
    paths = sorted(set(paths) | set(list_paths))
    overlap_texts = [
        f"{getattr(r, 'name', None) or r.title} {getattr(r, 'summary', '')}" for r in hidden
    ]

    client = Client()
    user = world.users[role]
    if getattr(user, "is_authenticated", False):
        client.force_login(user)

    with_hidden = _crawl(client, paths, overlap_texts)
    for request, (status, body) in with_hidden.items():
        assert status != 500, request
        for word in hidden_words:
            if word in request.lower():
                # A search box echoes the reader's own words; that such a response reveals
                # nothing is proven below: it is identical once the record is deleted.
                continue
            assert word.encode() not in body.lower(), f"{word} leaked by {request} to {role}"

    with transaction.atomic():
        ids_by_model = {}
        for record in hidden:
            ids_by_model.setdefault(type(record), []).append(record.pk)
        ToolUse.objects.filter(tool_id__in=ids_by_model.get(Tool, [])).delete()
        LicenseOffer.objects.filter(tool_id__in=ids_by_model.get(Tool, [])).delete()
        for model in (Tool, Need):
            model.objects.filter(pk__in=ids_by_model.get(model, [])).delete()
        without_hidden = _crawl(client, paths, overlap_texts)
        transaction.set_rollback(True)

    # The access log (and a person's own data export, which lists it) grows with the crawl
    # itself, so those two change between crawls whatever is hidden; they still pass the
    # marker check above.
    stateful = ("access-log", "/me/export")
    differences = [
        r
        for r in with_hidden
        if with_hidden[r] != without_hidden[r] and not any(s in r for s in stateful)
    ]
    assert not differences, f"responses betray hidden records to {role}: {differences[:10]}"
