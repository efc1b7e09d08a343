"""Fixtures for the API tests: clients for every way of signing in, and no accidental
throttling (the cache that holds the rate counters is emptied around every test, and limits
are off unless a test switches them on)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import tokens


@pytest.fixture(autouse=True)
def _no_accidental_throttling(settings):
    settings.API_THROTTLE_ENABLED = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def token_client(user, scope: str = "read_write") -> APIClient:
    _token, secret = tokens.token_create(
        user=user, name="test", scope=scope, expires_at=timezone.now() + timedelta(days=30)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def client_for(user) -> APIClient:
    """A client acting as `user` (anonymous when the user is not signed in)."""
    client = APIClient()
    if getattr(user, "is_authenticated", False):
        client.force_authenticate(user)
    return client
