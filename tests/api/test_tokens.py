"""Personal API tokens: made by their owner, shown once, hashed, scoped, expiring."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import tokens
from accounts.models import ApiToken
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory

from .conftest import token_client


@pytest.fixture
def person():
    return UserFactory()


@pytest.fixture
def session(person):
    client = APIClient()
    client.force_login(person)
    return client


def _in(days):
    return (timezone.now() + timedelta(days=days)).isoformat()


def test_create_shows_the_secret_once_and_stores_only_its_hash(session, person):
    response = session.post(
        "/api/v1/tokens/", {"name": "CI", "scope": "read", "expires_at": _in(30)}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    secret = body["secret"]
    assert len(secret) >= 40
    token = ApiToken.objects.get(pk=body["id"])
    assert token.prefix == secret[:8] == body["prefix"]
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    listed = session.get("/api/v1/tokens/").json()["results"]
    assert [t["id"] for t in listed] == [token.pk]
    assert "secret" not in listed[0] and "key_hash" not in listed[0]
    assert "secret" not in session.get(f"/api/v1/tokens/{token.pk}/").json()


@pytest.mark.parametrize(
    "expires, field", [(None, "expires_at"), (-1, "expires_at"), (400, "expires_at")]
)
def test_expiry_is_required_and_at_most_a_year(session, expires, field):
    body = {"name": "x", "scope": "read"}
    if expires is not None:
        body["expires_at"] = _in(expires)
    response = session.post("/api/v1/tokens/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_a_token_authenticates_and_records_its_use_at_most_once_a_minute(person):
    token, secret = tokens.token_create(
        user=person, name="x", scope="read", expires_at=timezone.now() + timedelta(days=1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.get("/api/v1/tokens/").status_code == 200
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    client.get("/api/v1/tokens/")
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    client.get("/api/v1/tokens/")
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_read_only_token_may_read_but_not_write():
    org = OrganizationFactory(slug="acme")
    editor = MembershipFactory(organization=org, role="editor").user
    ToolFactory(organization=org, slug="t1")
    reader = token_client(editor, scope="read")
    assert reader.get("/api/v1/tools/t1/").status_code == 200
    response = reader.patch("/api/v1/tools/t1/", {"summary": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["type"] == "permission_denied"
    writer = token_client(editor, scope="read_write")
    assert writer.patch("/api/v1/tools/t1/", {"summary": "x"}, format="json").status_code == 200


def test_expired_revoked_and_unknown_tokens_are_401(person):
    token, secret = tokens.token_create(
        user=person, name="x", scope="read", expires_at=timezone.now() + timedelta(days=1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.get("/api/v1/tools/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/tools/")
    assert response.status_code == 401
    assert response.json()["type"] == "not_authenticated"
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=1))
    tokens.token_revoke(user=person, token=token)
    assert client.get("/api/v1/tools/").status_code == 401
    for header in (
        "Token nope",
        "Token",
        "Token a b",
        f"Token {secret[:-1]}x",
        "Token " + "\u00e9" * 40,
    ):
        bad = APIClient()
        bad.credentials(HTTP_AUTHORIZATION=header)
        assert bad.get("/api/v1/tools/").status_code == 401, header


def test_an_inactive_user_token_is_refused(person):
    _token, secret = tokens.token_create(
        user=person, name="x", scope="read", expires_at=timezone.now() + timedelta(days=1)
    )
    person.is_active = False
    person.save()
    assert tokens.token_authenticate(secret) is None


def test_revoke_through_the_api_and_nobody_else_sees_or_revokes_your_token(session, person):
    token, _secret = tokens.token_create(
        user=person, name="x", scope="read", expires_at=timezone.now() + timedelta(days=1)
    )
    stranger = token_client(UserFactory())
    assert stranger.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert stranger.get(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert session.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert session.get(f"/api/v1/tokens/{token.pk}/").json()["is_active"] is False


def test_a_token_cannot_make_tokens(person):
    client = token_client(person, scope="read_write")
    response = client.post("/api/v1/tokens/", {"name": "y", "expires_at": _in(5)}, format="json")
    assert response.status_code == 403


def test_anonymous_has_no_tokens(api):
    assert api.get("/api/v1/tokens/").status_code == 401
    assert api.post("/api/v1/tokens/", {}, format="json").status_code == 401


def test_a_session_signed_in_long_ago_must_confirm_the_password_before_making_a_token(
    session, settings
):
    # The session is valid (within the idle and absolute limits) but the password was typed
    # longer ago than the re-authentication window.
    settings.REGISTRY_REAUTHENTICATE_SECONDS = 60
    settings.REGISTRY_SESSION_MAX_SECONDS = 24 * 3600
    stored = session.session
    stored["_authenticated_at"] = int(time.time()) - 3600
    stored.save()
    body = {"name": "late", "scope": "read", "expires_at": _in(30)}
    refused = session.post("/api/v1/tokens/", body, format="json")
    assert refused.status_code == 403
    assert not ApiToken.objects.filter(name="late").exists()

    stored = session.session
    stored["_authenticated_at"] = int(time.time())
    stored.save()
    assert session.post("/api/v1/tokens/", body, format="json").status_code == 201
