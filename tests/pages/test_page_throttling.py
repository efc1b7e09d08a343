"""The pages that read the catalogue in bulk are rate-limited like the API: anonymous callers
per address, signed-in people per account (at a higher rate), with the API's rates, counters
and switch."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from config.throttling import THROTTLED_PAGES
from tests.factories import UserFactory

PAGES = [
    "/search/?q=shelter",
    "/tools/",
    "/needs/",
    "/organizations/",
    "/licences/",
    "/feeds/tools/",
    "/feeds/needs/",
    "/export/catalog.csv",
    "/export/catalog.json",
]


@pytest.fixture
def rates(settings):
    """Throttling on, with the given API rates; the counters start empty."""
    settings.API_THROTTLE_ENABLED = True
    cache.clear()

    def configure(*, anon="1000/minute", user="1000/minute"):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                "anon": anon,
                "user": user,
            },
        }

    yield configure
    cache.clear()


def _codes(client, url, times):
    return [client.get(url).status_code for _ in range(times)]


@pytest.mark.parametrize("url", PAGES)
def test_the_next_anonymous_request_past_the_rate_gets_429_with_retry_after(rates, url):
    rates(anon="3/minute")
    client = Client()

    assert _codes(client, url, 3) == [200] * 3
    refused = client.get(url)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"].startswith("text/html")
    assert "Too many requests" in refused.content.decode()
    assert "no-store" in refused["Cache-Control"]


def test_search_and_lists_share_one_budget_per_address_and_another_address_is_unaffected(
    rates,
):
    rates(anon="2/minute")
    here, elsewhere = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.9")

    assert [here.get("/search/").status_code, here.get("/tools/").status_code] == [200, 200]
    assert here.get("/tools/").status_code == 429
    assert here.get("/search/").status_code == 429
    assert _codes(elsewhere, "/search/", 2) == [200, 200]


def test_a_signed_in_person_has_the_higher_rate_per_account(rates):
    rates(anon="2/minute", user="4/minute")
    anonymous, signed_in, colleague = Client(), Client(), Client()
    signed_in.force_login(UserFactory())
    colleague.force_login(UserFactory())

    assert _codes(anonymous, "/tools/", 3) == [200, 200, 429]
    # The same address, signed in: not held to the anonymous rate, but to the account's.
    assert _codes(signed_in, "/search/", 5) == [200] * 4 + [429]
    assert colleague.get("/search/").status_code == 200


def test_the_pages_and_the_api_draw_on_the_same_counters(rates):
    rates(anon="2/minute")
    client = Client()

    assert _codes(client, "/tools/", 2) == [200, 200]

    assert APIClient().get("/api/v1/tools/").status_code == 429


def test_the_address_is_read_as_the_api_reads_it_behind_a_proxy(rates, settings):
    rates(anon="1/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = Client(REMOTE_ADDR="10.0.0.1")

    def get(forwarded_for):
        return proxy.get("/search/", HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    assert get("203.0.113.5") == 200
    assert get("203.0.113.5") == 429
    # Another client behind the same proxy has its own budget; a forged first entry does not
    # change which address counts (the one the trusted proxy saw).
    assert get("203.0.113.6") == 200
    assert get("1.2.3.4, 203.0.113.6") == 429


def test_switching_throttling_off_throttles_nothing(rates, settings):
    rates(anon="1/minute")
    client = Client()
    assert _codes(client, "/search/", 2) == [200, 429]

    settings.API_THROTTLE_ENABLED = False

    assert _codes(client, "/search/", 5) == [200] * 5
    assert _codes(client, "/tools/", 5) == [200] * 5


def test_pages_not_reading_the_catalogue_in_bulk_are_not_throttled(rates):
    rates(anon="1/minute")
    client = Client()
    client.get("/tools/")

    assert client.get(reverse("registry:home")).status_code == 200
    assert client.get(reverse("accounts:login")).status_code == 200


def test_every_throttled_page_names_a_route():
    for name in THROTTLED_PAGES:
        kwargs = {"fmt": "csv"} if name == "catalog-export" else {}
        assert reverse(name, kwargs=kwargs)
