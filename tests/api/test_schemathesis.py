"""Schema-driven fuzzing: schemathesis generates requests from /api/schema/ for every
endpoint and method, valid and invalid ones, as an anonymous caller and with a read-write
token, and checks that the API never answers 500, that every status code is documented, and
that every answer matches its documented schema.

Run alone with `pytest -m schemathesis`. Bounded: EXAMPLES examples per operation and mode,
derandomized (the same cases every run), no deadline. Path parameters are, for about half of
the cases, replaced by the keys of real records (visible, hidden and foreign ones) so the
fuzzer reaches past the 404s; each case runs in a savepoint that is rolled back, so cases do
not depend on each other."""

from __future__ import annotations

import zlib
from datetime import timedelta

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accounts import tokens
from accounts.models import Invitation, JoinRequest
from accounts.permissions import grant_share
from config.wsgi import application
from tests.factories import (
    LicenseOfferFactory,
    LicenseRequestFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    ToolUseFactory,
    UserFactory,
)

pytestmark = pytest.mark.schemathesis

EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def in_process_wsgi():
    """Call the WSGI application inside the test's transaction, as Django's test client does:
    without this, the end of each request would close the database connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world():
    """A small catalogue: the token holder owns `fuzz-org`; another organization keeps
    private records the holder must never reach."""
    own = OrganizationFactory(slug="fuzz-org", sector="ngo")
    other = OrganizationFactory(slug="other-org", sector="law_enforcement")
    holder = MembershipFactory(organization=own, role="owner").user
    MembershipFactory(organization=own, role="editor")
    other_owner = MembershipFactory(organization=other, role="owner").user
    tools = [
        ToolFactory(organization=own, slug="fuzz-public"),
        ToolFactory(organization=own, slug="fuzz-private", visibility="private"),
        ToolFactory(
            organization=other,
            slug="other-restricted",
            visibility="restricted",
            restricted_to_sectors=["law_enforcement"],
        ),
        ToolFactory(organization=other, slug="other-private", visibility="private"),
    ]
    grant_share(tools[1], other)
    needs = [
        NeedFactory(organization=own, slug="fuzz-need"),
        NeedFactory(organization=other, slug="other-need", visibility="private"),
    ]
    uses = [
        ToolUseFactory(tool=tools[0], organization=other),
        ToolUseFactory(tool=tools[3], organization=own),
    ]
    offers = [
        LicenseOfferFactory(tool=tools[0], slug="fuzz-offer"),
        LicenseOfferFactory(tool=tools[3], slug="other-offer"),
    ]
    requests = [LicenseRequestFactory(offer=offers[0], organization=other)]
    invitation = Invitation.objects.create(
        organization=own,
        email="invitee@example.org",
        invited_by=holder,
        expires_at=timezone.now() + timedelta(days=3),
    )
    join_request = JoinRequest.objects.create(organization=own, user=UserFactory())
    other_token, _ = tokens.token_create(
        user=other_owner, name="theirs", scope="read", expires_at=timezone.now() + timedelta(days=3)
    )
    spare_token, _ = tokens.token_create(
        user=holder, name="spare", scope="read", expires_at=timezone.now() + timedelta(days=3)
    )
    _token, secret = tokens.token_create(
        user=holder,
        name="fuzzer",
        scope="read_write",
        expires_at=timezone.now() + timedelta(days=3),
    )
    tool_slugs = [t.slug for t in tools]
    return {
        "secret": secret,
        "organization": ["fuzz-org", "other-org"],
        "tool": tool_slugs,
        "offer": [o.slug for o in offers],
        "slugs": {
            "/api/v1/tools/": tool_slugs,
            "/api/v1/needs/": [n.slug for n in needs],
            "/api/v1/license-offers/": [o.slug for o in offers],
            "/api/v1/organizations/": ["fuzz-org", "other-org"],
        },
        "ids": {
            "/api/v1/tool-uses/": [u.pk for u in uses],
            "/api/v1/license-requests/": [r.pk for r in requests],
            "/api/v1/invitations/": [invitation.pk],
            "/api/v1/join-requests/": [join_request.pk],
            "/api/v1/tokens/": [other_token.pk, spare_token.pk],
            "/api/v1/memberships/": list(holder.memberships.values_list("pk", flat=True))
            + list(other_owner.memberships.values_list("pk", flat=True)),
        },
    }


def _pick(choices, generated):
    """Deterministically replace about two thirds of the generated values by a real key."""
    index = zlib.crc32(repr(generated).encode()) % (len(choices) * 3 // 2 + 1)
    return choices[index] if index < len(choices) else generated


def _pool(pools: dict, path: str) -> list:
    return next((keys for prefix, keys in pools.items() if path.startswith(prefix)), [])


def _aim(case, world) -> None:
    """Point some generated keys at real records, so that writes get past the 404s."""
    path = case.operation.path
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        if name == "slug" and _pool(world["slugs"], path):
            params[name] = _pick(_pool(world["slugs"], path), value)
        elif name == "organization_slug":
            params[name] = _pick(world["organization"], value)
        elif name == "id" and _pool(world["ids"], path):
            params[name] = _pick(_pool(world["ids"], path), value)
    if isinstance(case.body, dict):
        for name in ("organization", "tool", "offer"):
            if isinstance(case.body.get(name), str):
                case.body[name] = _pick(world[name], case.body[name])
    if case.headers and "If-Match" in case.headers:
        if zlib.crc32(repr(case.headers["If-Match"]).encode()) % 3:
            del case.headers["If-Match"]


def _run(operation, mode, headers, world, failures):
    strategy = operation.as_strategy(generation_mode=mode)

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def fuzz(case):
        _aim(case, world)
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        fuzz()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): the negative mode has no cases.
        if mode is not GenerationMode.NEGATIVE:
            failures.append(f"{operation.label} [{mode.value}]: no case could be generated")
    except (Exception, BaseExceptionGroup) as exc:  # every failure is collected and reported
        failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:3000]}")


@pytest.mark.parametrize("caller", ["anonymous", "read_write_token"])
def test_the_api_holds_to_its_schema_under_fuzzing(caller, fuzz_world, in_process_wsgi):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", in_process_wsgi)
    headers = {}
    if caller == "read_write_token":
        headers["Authorization"] = f"Token {fuzz_world['secret']}"
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, headers, fuzz_world, failures)
    assert operations >= 60
    assert not failures, "\n\n".join(failures)
