"""Rate limits: per anonymous address, per user, and stricter for token creation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory


def _rates(**overrides):
    rates = {
        "anon": "1000/minute",
        "user": "1000/minute",
        "overlap.anon": "30/minute",
        "overlap.user": "120/minute",
        "tokens": "10/hour",
    }
    rates.update(overrides)
    return rates


@pytest.fixture
def throttled(settings):
    settings.API_THROTTLE_ENABLED = True

    def configure(**overrides):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": _rates(**overrides),
        }

    return configure


def test_anonymous_callers_are_limited_per_address_with_retry_after(throttled, api):
    throttled(anon="3/minute")
    for _ in range(3):
        assert api.get("/api/v1/tools/").status_code == 200
    response = api.get("/api/v1/tools/")
    assert response.status_code == 429
    assert response.json()["type"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    other_address = APIClient(REMOTE_ADDR="10.0.0.9")
    assert other_address.get("/api/v1/tools/").status_code == 200


def test_users_are_limited_per_user(throttled):
    throttled(user="2/minute")
    first, second = APIClient(), APIClient()
    first.force_authenticate(UserFactory())
    second.force_authenticate(UserFactory())
    assert [first.get("/api/v1/tools/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/tools/").status_code == 200


def test_token_creation_is_limited_to_ten_an_hour(throttled):
    throttled()
    client = APIClient()
    client.force_login(UserFactory())
    body = {"name": "t", "expires_at": (timezone.now() + timedelta(days=3)).isoformat()}
    codes = [client.post("/api/v1/tokens/", body, format="json").status_code for _ in range(11)]
    assert codes == [201] * 10 + [429]
    # Listing is not limited by the token scope.
    assert client.get("/api/v1/tokens/").status_code == 200


def test_scoped_limits_pick_the_anonymous_or_user_rate(throttled, rf):
    from api.throttling import ScopedThrottle

    throttled(**{"overlap.anon": "1/minute", "overlap.user": "2/minute"})

    class View:
        throttle_scope = "overlap"

    from django.contrib.auth.models import AnonymousUser
    from rest_framework.request import Request

    anonymous = Request(rf.get("/"))
    anonymous.user = AnonymousUser()
    assert ScopedThrottle().allow_request(anonymous, View())
    assert not ScopedThrottle().allow_request(anonymous, View())
    signed_in = Request(rf.get("/"))
    signed_in.user = UserFactory()
    assert ScopedThrottle().allow_request(signed_in, View())
    assert ScopedThrottle().allow_request(signed_in, View())
    assert not ScopedThrottle().allow_request(signed_in, View())
