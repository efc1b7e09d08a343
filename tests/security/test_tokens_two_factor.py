"""API tokens and the two-factor gate: a token reads restricted records only if the session
that made it had passed two-factor authentication (or re-authenticated with a code). Turning
two-factor on ends the person's other sessions, so a session signed in before cannot mint
such a token either."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.security import twofactor
from tests.factories import UserFactory

from .conftest import PASSWORD, confirmed_device, current_code

pytestmark = pytest.mark.usefixtures("require_2fa")

TOKENS_API = "/api/v1/tokens/"
NEW_TOKEN = reverse("accounts:token-create")


def _expiry():
    return (timezone.now() + timedelta(days=30)).isoformat()


def _mint(client) -> dict:
    """A token made through the API by the session of `client`; the creation answer."""
    response = client.post(
        TOKENS_API,
        {"name": "sync", "scope": "read", "expires_at": _expiry()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def _token_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _reads(client, tool) -> dict[str, bool]:
    """Whether each surface of the API shows `tool` to `client`."""
    listed = client.get("/api/v1/tools/?page_size=100").json()["results"]
    found = client.get("/api/v1/search/", {"q": "Covert Ledger"}).json()["results"]
    export = client.get("/api/v1/export/?format=json")
    assert export.status_code == 200
    return {
        "list": tool.slug in [item["slug"] for item in listed],
        "detail": client.get(f"/api/v1/tools/{tool.slug}/").status_code == 200,
        "search": tool.name in [item["name"] for item in found],
        "export": tool.slug in export.content.decode(),
    }


def _signed_in_with_code(user, device) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    response = client.post(reverse("accounts:two-factor-verify"), {"code": current_code(device)})
    assert response.status_code == 302
    return client


def _moderator():
    return UserFactory(groups=["moderator"])


def test_a_token_minted_by_a_session_that_did_not_pass_two_factor_reads_no_restricted_tool(
    restricted_tool,
):
    moderator = _moderator()
    confirmed_device(moderator)
    session = Client()
    session.force_login(moderator)  # signed in, but this session never gave a code
    assert session.get(f"/api/v1/tools/{restricted_tool.slug}/").status_code == 404

    created = _mint(session)

    assert created["two_factor_verified"] is False
    assert created["reads_restricted_records"] is False
    assert _reads(_token_client(created["secret"]), restricted_tool) == {
        "list": False,
        "detail": False,
        "search": False,
        "export": False,
    }


def test_a_token_minted_after_passing_two_factor_reads_restricted_tools(restricted_tool):
    moderator = _moderator()
    device = confirmed_device(moderator)
    session = _signed_in_with_code(moderator, device)

    created = _mint(session)

    assert created["two_factor_verified"] is True
    assert created["reads_restricted_records"] is True
    assert _reads(_token_client(created["secret"]), restricted_tool) == {
        "list": True,
        "detail": True,
        "search": True,
        "export": True,
    }
    listed = session.get(TOKENS_API).json()["results"]
    assert [t["reads_restricted_records"] for t in listed] == [True]


def test_a_person_who_needs_no_two_factor_is_told_their_token_reads_what_they_may():
    session = Client()
    session.force_login(UserFactory())

    created = _mint(session)

    assert created["two_factor_verified"] is False
    assert created["reads_restricted_records"] is True


def test_turning_two_factor_on_ends_the_persons_other_sessions(client):
    moderator = _moderator()
    elsewhere, someone_else = Client(), Client()
    elsewhere.force_login(moderator)
    someone_else.force_login(UserFactory())
    client.force_login(moderator)
    client.get(reverse("accounts:two-factor-setup"))
    device = twofactor.pending_totp_device(moderator)

    done = client.post(reverse("accounts:two-factor-setup"), {"code": current_code(device)})

    assert done.status_code == 200
    assert client.get(reverse("accounts:security")).status_code == 200
    assert not elsewhere.get(reverse("registry:home")).context["user"].is_authenticated
    assert someone_else.get(reverse("registry:home")).context["user"].is_authenticated
    # The session kept is the one that set it up, and it has passed two-factor.
    assert _mint(client)["two_factor_verified"] is True


def test_the_token_form_warns_and_offers_two_factor_first(client):
    client.force_login(_moderator())

    page = client.get(NEW_TOKEN).content.decode()

    assert 'id="token-two-factor-warning"' in page
    assert "will not read restricted records" in page
    assert reverse("accounts:two-factor-setup") in page


def test_the_token_form_offers_a_code_to_a_person_with_two_factor(client):
    moderator = _moderator()
    confirmed_device(moderator)
    client.force_login(moderator)

    page = client.get(NEW_TOKEN).content.decode()

    assert 'id="token-two-factor-warning"' in page
    assert f"{reverse('accounts:reauthenticate')}?next=" in page


def test_no_warning_once_the_session_passed_two_factor():
    moderator = _moderator()
    session = _signed_in_with_code(moderator, confirmed_device(moderator))

    page = session.get(NEW_TOKEN).content.decode()

    assert 'id="token-two-factor-warning"' not in page


def test_re_authenticating_with_a_code_lets_the_session_mint_a_token_that_reads_restricted(
    client, restricted_tool
):
    moderator = _moderator()
    device = confirmed_device(moderator)
    client.force_login(moderator)
    confirm = reverse("accounts:reauthenticate")
    assert 'name="code"' in client.get(confirm).content.decode()

    wrong = client.post(confirm, {"password": PASSWORD, "code": "000000", "next": NEW_TOKEN})
    assert wrong.status_code == 400
    assert "not valid" in wrong.content.decode()
    assert client.get(f"/api/v1/tools/{restricted_tool.slug}/").status_code == 404
    # The wrong code throttled the device for a moment: stand in for the passing of time.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    done = client.post(
        confirm, {"password": PASSWORD, "code": current_code(device), "next": NEW_TOKEN}
    )

    assert done.status_code == 302 and done["Location"] == NEW_TOKEN
    assert client.get(f"/api/v1/tools/{restricted_tool.slug}/").status_code == 200
    created = _mint(client)
    assert created["reads_restricted_records"] is True


def test_a_token_made_on_the_page_records_the_two_factor_state_and_the_list_says_so():
    moderator = _moderator()
    unverified = Client()
    unverified.force_login(moderator)
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()

    unverified.post(NEW_TOKEN, {"name": "plain", "scope": "read", "expires_at": expires})
    session = _signed_in_with_code(moderator, confirmed_device(moderator))
    made = session.post(NEW_TOKEN, {"name": "strong", "scope": "read", "expires_at": expires})

    assert made.status_code == 200
    assert dict(ApiToken.objects.values_list("name", "two_factor_verified")) == {
        "plain": False,
        "strong": True,
    }
    listing = session.get(reverse("accounts:tokens")).content.decode()
    plain = ApiToken.objects.get(name="plain")
    row = listing.split(f'id="token-{plain.pk}"')[1].split("</tr>")[0]
    assert "Does not read restricted records" in row


def test_turning_two_factor_off_downgrades_the_persons_tokens():
    moderator = _moderator()
    device = confirmed_device(moderator)
    session = _signed_in_with_code(moderator, device)
    created = _mint(session)
    codes = twofactor.replace_recovery_codes(moderator)

    session.post(reverse("accounts:two-factor-disable"), {"code": codes[0]})

    assert ApiToken.objects.get(pk=created["id"]).two_factor_verified is False
