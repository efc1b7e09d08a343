"""The account hub (profile, organizations, links) and the personal API token pages."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken
from accounts.security.sessions import AUTHENTICATED_AT_KEY
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

PASSWORD = "correct horse battery"
HUB = "/accounts/me/"
TOKENS = "/accounts/me/tokens/"
NEW_TOKEN = "/accounts/me/tokens/new/"
SECRET_INPUT = re.compile(
    r'id="token-secret"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="token-secret"'
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.API_THROTTLE_ENABLED = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person():
    return UserFactory(display_name="Ada Example")


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)  # a fresh sign-in: the session counts as recent
    return client


def _make_session_old(client) -> None:
    """As if the password was typed an hour ago (the re-authentication window is shorter,
    the session's own lifetime longer)."""
    session = client.session
    session[AUTHENTICATED_AT_KEY] = int(time.time()) - 3600
    session.save()


def _token(user, name="Sync", **kwargs):
    kwargs.setdefault("scope", ApiToken.Scope.READ)
    kwargs.setdefault("expires_at", timezone.now() + timedelta(days=30))
    return tokens.token_create(user=user, name=name, **kwargs)


def _days_from_today(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _secret_in(response) -> str:
    match = SECRET_INPUT.search(response.content.decode())
    assert match, "the result page shows the secret"
    return unescape(match.group(1) or match.group(2))


# --- Anonymous visitors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", HUB),
        ("post", HUB),
        ("get", TOKENS),
        ("get", NEW_TOKEN),
        ("post", NEW_TOKEN),
        ("get", "/accounts/me/tokens/1/revoke/"),
        ("post", "/accounts/me/tokens/1/revoke/"),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, method, path):
    response = getattr(client, method)(path, {"display_name": "X", "name": "X"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert ApiToken.objects.count() == 0


def test_url_names():
    assert reverse("accounts:account") == HUB
    assert reverse("accounts:tokens") == TOKENS


# --- The hub ---------------------------------------------------------------------------------


def test_hub_lists_only_my_organizations_with_role_and_workspace(signed_in, person):
    mine = OrganizationFactory(name="Harbour Watch", slug="harbour-watch")
    MembershipFactory(user=person, organization=mine, role="editor")
    other = OrganizationFactory(name="Quiet Lantern Society", slug="quiet-lantern")
    MembershipFactory(organization=other, role="owner")

    response = signed_in.get(HUB)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Harbour Watch" in body
    assert reverse("registry:organization-workspace", args=["harbour-watch"]) in body
    assert "Editor" in body
    assert "Quiet Lantern Society" not in body
    assert "quiet-lantern" not in body
    assert person.email in body


def test_hub_links_to_every_personal_page(signed_in):
    body = signed_in.get(HUB).content.decode()
    for name in (
        "notifications:preferences",
        "community:inbox",
        "registry:catalog-job-list",
        "accounts:tokens",
        "accounts:security",
        "accounts:privacy",
        "accounts:personal-data-export",
        "accounts:account-delete",
        "registry:organization-create",
        "registry:organization-list",
    ):
        assert f'href="{reverse(name)}"' in body, name


def test_a_suspended_organization_shows_without_its_workspace_link(signed_in, person):
    suspended = OrganizationFactory(
        name="Dormant Org", slug="dormant", verification_status="suspended"
    )
    MembershipFactory(user=person, organization=suspended, role="owner")
    body = signed_in.get(HUB).content.decode()
    assert "Dormant Org" in body
    assert reverse("registry:organization-workspace", args=["dormant"]) not in body


def test_profile_edit_saves_the_display_name(signed_in, person):
    response = signed_in.post(HUB, {"display_name": "  Ada Lovelace  "})
    assert response.status_code == 302 and response["Location"] == HUB
    person.refresh_from_db()
    assert person.display_name == "Ada Lovelace"
    assert "Ada Lovelace" in signed_in.get(HUB).content.decode()


def test_profile_edit_shows_field_errors_and_writes_nothing(signed_in, person):
    response = signed_in.post(HUB, {"display_name": "x" * 121})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_display_name_errors"' in body
    assert 'aria-invalid="true"' in body
    assert "at most 120 characters" in body
    person.refresh_from_db()
    assert person.display_name == "Ada Example"


def test_profile_form_does_not_change_the_email(signed_in, person):
    signed_in.post(HUB, {"display_name": "Ada", "email": "taken@example.org"})
    person.refresh_from_db()
    assert person.email != "taken@example.org"


# --- Base template links -----------------------------------------------------------------------


def test_header_and_footer_links_for_signed_in_people_only(client, person):
    anonymous = client.get("/").content.decode()
    assert f'href="{HUB}"' not in anonymous
    assert reverse("registry:catalog-job-export") not in anonymous
    client.force_login(person)
    body = client.get("/").content.decode()
    assert re.search(rf'<a class="account__link" href="{HUB}"', body)
    assert f'href="{reverse("registry:catalog-job-export")}"' in body


# --- Token list and revocation ---------------------------------------------------------------


def test_token_list_shows_only_my_tokens_and_never_a_secret(signed_in, person):
    mine, my_secret = _token(person, name="Nightly sync", scope=ApiToken.Scope.READ_WRITE)
    _theirs, their_secret = _token(UserFactory(), name="Somebody else's robot")
    response = signed_in.get(TOKENS)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nightly sync" in body and "Read and write" in body
    assert "Somebody else" not in body
    assert my_secret not in body and their_secret not in body
    assert mine.key_hash not in body
    assert reverse("accounts:token-revoke", args=[mine.pk]) in body


def test_token_list_marks_revoked_and_expired_tokens(signed_in, person):
    revoked, _ = _token(person, name="Old laptop")
    tokens.token_revoke(user=person, token=revoked)
    expired, _ = _token(person, name="Last year")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    body = signed_in.get(TOKENS).content.decode()
    assert "Revoked" in body and "Expired" in body
    assert reverse("accounts:token-revoke", args=[revoked.pk]) not in body


def test_someone_elses_token_is_a_404_on_revoke(signed_in):
    theirs, _ = _token(UserFactory(), name="Not yours")
    path = reverse("accounts:token-revoke", args=[theirs.pk])
    assert signed_in.get(path).status_code == 404
    assert signed_in.post(path).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None and theirs.is_active


def test_revoking_asks_to_confirm_then_revokes(signed_in, person):
    token, secret = _token(person, name="Spare key")
    path = reverse("accounts:token-revoke", args=[token.pk])
    confirm = signed_in.get(path)
    assert confirm.status_code == 200
    assert b'method="post"' in confirm.content and b"Spare key" in confirm.content
    token.refresh_from_db()
    assert token.revoked_at is None  # a GET changes nothing

    response = signed_in.post(path)
    assert response.status_code == 302 and response["Location"] == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.token_authenticate(secret) is None
    assert "Revoked" in signed_in.get(TOKENS).content.decode()


def test_unknown_token_id_is_a_404(signed_in):
    assert signed_in.get("/accounts/me/tokens/999999/revoke/").status_code == 404


# --- Token creation ----------------------------------------------------------------------------


def test_creating_a_token_needs_a_recent_sign_in_then_works(signed_in, person):
    _make_session_old(signed_in)
    data = {"name": "CI", "scope": "read", "expires_at": _days_from_today(30)}

    refused = signed_in.post(NEW_TOKEN, data)
    assert refused.status_code == 302
    reauthenticate = reverse("accounts:reauthenticate")
    assert refused["Location"] == f"{reauthenticate}?next=%2Faccounts%2Fme%2Ftokens%2Fnew%2F"
    assert ApiToken.objects.count() == 0
    assert signed_in.get(NEW_TOKEN)["Location"] == refused["Location"]

    confirmed = signed_in.post(reauthenticate, {"password": PASSWORD, "next": NEW_TOKEN})
    assert confirmed.status_code == 302 and confirmed["Location"] == NEW_TOKEN
    assert signed_in.get(NEW_TOKEN).status_code == 200

    created = signed_in.post(NEW_TOKEN, data)
    assert created.status_code == 200
    token = ApiToken.objects.get()
    assert token.user == person and token.name == "CI" and token.scope == "read"


def test_the_secret_is_shown_once_and_only_its_hash_is_stored(signed_in, person):
    response = signed_in.post(
        NEW_TOKEN,
        {"name": "Reporting robot", "scope": "read_write", "expires_at": _days_from_today(60)},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = _secret_in(response)
    assert "shown only this once" in response.content.decode()

    token = ApiToken.objects.get(user=person)
    assert token.key_hash == tokens.hash_secret(secret) != secret
    assert token.prefix == secret[: ApiToken.PREFIX_LENGTH]
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(secret in value for value in stored)
    assert tokens.token_authenticate(secret) == token
    # It stops working at the start of the chosen day.
    day = timezone.localdate() + timedelta(days=60)
    assert token.expires_at == timezone.make_aware(datetime(day.year, day.month, day.day))

    # Nowhere to be found again: not in the session, a message, the list or the form.
    assert secret not in str(dict(signed_in.session.items()))
    for path in (TOKENS, NEW_TOKEN, HUB):
        assert secret not in signed_in.get(path).content.decode()


def test_the_form_offers_the_api_scopes(signed_in):
    body = signed_in.get(NEW_TOKEN).content.decode()
    for value, _label in ApiToken.Scope.choices:
        assert f'value="{value}"' in body
    assert 'type="date"' in body
    assert 'for="id_name"' in body and 'for="id_expires_at"' in body


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"name": "Past", "expires_at": -1}, "expires_at", "must be in the future"),
        ({"name": "Today", "expires_at": 0}, "expires_at", "must be in the future"),
        ({"name": "Too long", "expires_at": 366}, "expires_at", "at most one year"),
        ({"name": "Far", "expires_at": 5000}, "expires_at", "at most one year"),
        ({"name": "", "expires_at": 30}, "name", "This field is required"),
        ({"name": "   ", "expires_at": 30}, "name", "This field is required"),
        ({"name": "x" * 101, "expires_at": 30}, "name", "at most 100 characters"),
        ({"name": "No date", "expires_at": None}, "expires_at", "This field is required"),
        ({"name": "Bad date", "expires_at": "not-a-date"}, "expires_at", "valid date"),
        ({"name": "Odd scope", "scope": "admin", "expires_at": 30}, "scope", "valid choice"),
    ],
)
def test_bad_input_shows_field_errors_and_writes_nothing(signed_in, data, field, message):
    data = dict(data)
    days = data.pop("expires_at")
    post = {"scope": "read", **data}
    if isinstance(days, int):
        post["expires_at"] = _days_from_today(days)
    elif days is not None:
        post["expires_at"] = days
    response = signed_in.post(NEW_TOKEN, post)
    body = unescape(response.content.decode())
    assert response.status_code == 400
    assert f'id="id_{field}_errors"' in body
    assert message in body
    assert ApiToken.objects.count() == 0


def test_a_token_may_last_exactly_up_to_a_year(signed_in):
    response = signed_in.post(
        NEW_TOKEN, {"name": "Yearly", "scope": "read", "expires_at": _days_from_today(365)}
    )
    assert response.status_code == 200
    assert ApiToken.objects.count() == 1


def test_token_creation_shares_the_api_rate_limit(signed_in, person, settings):
    from rest_framework.test import APIClient

    settings.API_THROTTLE_ENABLED = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "tokens": "2/hour",
        },
    }
    data = {"name": "Burst", "scope": "read", "expires_at": _days_from_today(10)}
    assert [signed_in.post(NEW_TOKEN, data).status_code for _ in range(2)] == [200, 200]
    refused = signed_in.post(NEW_TOKEN, data)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "too many tokens" in refused.content.decode()
    assert ApiToken.objects.filter(user=person).count() == 2

    # The API draws on the same budget.
    api = APIClient()
    api.force_login(person)
    body = {"name": "api", "expires_at": (timezone.now() + timedelta(days=3)).isoformat()}
    assert api.post("/api/v1/tokens/", body, format="json").status_code == 429
    # Another person has their own budget.
    other = UserFactory()
    signed_in.force_login(other)
    assert signed_in.post(NEW_TOKEN, data).status_code == 200
