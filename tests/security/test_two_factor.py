"""Two-factor authentication (TOTP and recovery codes) and its enforcement: moderators,
administrators and members of law-enforcement or government organizations read nothing
restricted until they pass it in the session."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.permissions import access_context, can
from accounts.security import twofactor
from accounts.security.models import RecoveryCode
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

from .conftest import PASSWORD, confirmed_device, current_code

pytestmark = pytest.mark.usefixtures("require_2fa")


def _tool_url(tool):
    return reverse("registry:tool-detail", args=[tool.slug])


def _sign_in_with_code(client, user, code_for):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:two-factor-verify")
    return client.post(reverse("accounts:two-factor-verify"), {"code": code_for()})


def police_officer():
    organization = OrganizationFactory(sector="law_enforcement")
    return MembershipFactory(organization=organization, role="viewer").user


def test_moderator_without_two_factor_cannot_read_a_restricted_tool(client, restricted_tool):
    client.force_login(UserFactory(groups=["moderator"]))

    assert client.get(_tool_url(restricted_tool)).status_code == 404


def test_moderator_reads_the_restricted_tool_after_a_totp_code_in_this_session(
    client, restricted_tool
):
    moderator = UserFactory(groups=["moderator"])
    device = confirmed_device(moderator)

    response = _sign_in_with_code(client, moderator, lambda: current_code(device))

    assert response.status_code == 302
    page = client.get(_tool_url(restricted_tool))
    assert page.status_code == 200
    assert page.context["user"].is_verified()


def test_password_alone_does_not_sign_in_a_person_with_two_factor(client):
    user = UserFactory()
    confirmed_device(user)

    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})

    assert not client.get(reverse("registry:home")).context["user"].is_authenticated


def test_a_wrong_code_is_refused(client):
    user = UserFactory()
    confirmed_device(user)

    response = _sign_in_with_code(client, user, lambda: "000000")

    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert not client.get(reverse("registry:home")).context["user"].is_authenticated


def test_police_officer_needs_two_factor_for_sector_restricted_reads(client, restricted_tool):
    officer = police_officer()
    client.force_login(officer)
    assert client.get(_tool_url(restricted_tool)).status_code == 404
    client.post(reverse("accounts:logout"))

    device = confirmed_device(officer)
    _sign_in_with_code(client, officer, lambda: current_code(device))

    assert client.get(_tool_url(restricted_tool)).status_code == 200


def test_without_the_setting_nobody_is_asked(settings, restricted_tool):
    settings.REGISTRY_REQUIRE_2FA = False
    moderator = UserFactory(groups=["moderator"])

    assert access_context(moderator).is_moderator
    assert can(moderator, "view", restricted_tool)


def test_an_ngo_member_is_not_asked_for_two_factor():
    member = MembershipFactory(organization=OrganizationFactory(sector="ngo")).user

    assert not twofactor.needs_two_factor(member)
    assert access_context(member).two_factor_verified


def test_an_unverified_administrator_loses_administrator_powers():
    administrator = UserFactory(groups=["administrator"])

    context = access_context(administrator)

    assert not context.is_admin
    assert not context.two_factor_verified


def test_a_user_without_a_recorded_two_factor_state_is_not_verified_even_with_a_device(
    restricted_tool,
):
    from accounts.models import User

    moderator = UserFactory(groups=["moderator"])
    confirmed_device(moderator)

    # Loaded from the database (a token's owner, a job's starter): no session behind it, and
    # having a device says nothing about whether this request passed it.
    assert not twofactor.is_verified(User.objects.get(pk=moderator.pk))
    assert not can(User.objects.get(pk=moderator.pk), "view", restricted_tool)
    recorded = twofactor.with_two_factor_state(User.objects.get(pk=moderator.pk), True)
    assert can(recorded, "view", restricted_tool)
    assert not can(
        twofactor.with_two_factor_state(User.objects.get(pk=moderator.pk), False),
        "view",
        restricted_tool,
    )


def test_setting_up_shows_a_secret_and_qr_code_and_ten_recovery_codes(client, restricted_tool):
    moderator = UserFactory(groups=["moderator"])
    client.force_login(moderator)

    page = client.get(reverse("accounts:two-factor-setup"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html
    assert "otpauth://totp/" in html
    device = TOTPDevice.objects.get(user=moderator, confirmed=False)
    assert twofactor.secret_of(device) in html

    done = client.post(reverse("accounts:two-factor-setup"), {"code": current_code(device)})

    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    # The setup verified this session, so restricted reads open at once.
    assert client.get(_tool_url(restricted_tool)).status_code == 200
    # The codes are shown once: the setup page now sends to the security page.
    assert client.get(reverse("accounts:two-factor-setup")).url == reverse("accounts:security")


def test_setup_refuses_a_wrong_code(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("accounts:two-factor-setup"))

    response = client.post(reverse("accounts:two-factor-setup"), {"code": "123"})

    assert response.status_code == 200
    assert not twofactor.has_two_factor(user)


def test_a_recovery_code_signs_in_once(client):
    user = UserFactory()
    confirmed_device(user)
    codes = twofactor.replace_recovery_codes(user)

    first = _sign_in_with_code(client, user, lambda: codes[0])
    assert first.status_code == 302
    assert client.get(reverse("registry:home")).context["user"].is_authenticated
    client.post(reverse("accounts:logout"))

    again = _sign_in_with_code(client, user, lambda: codes[0])
    assert again.status_code == 200
    assert RecoveryCode.objects.filter(device__user=user).count() == 9


def test_disabling_two_factor_needs_a_current_code(client):
    user = UserFactory()
    device = confirmed_device(user)
    _sign_in_with_code(client, user, lambda: current_code(device))

    refused = client.post(reverse("accounts:two-factor-disable"), {"code": "999999"})
    assert refused.status_code == 200
    assert twofactor.has_two_factor(user)

    # A wrong code throttles the device, and TOTP refuses to replay the code used to sign
    # in: stand in for the passing of time.
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device.refresh_from_db()
    done = client.post(reverse("accounts:two-factor-disable"), {"code": current_code(device)})

    assert done.status_code == 302
    assert not twofactor.has_two_factor(user)


def test_security_page_tells_a_moderator_to_set_up_two_factor(client):
    client.force_login(UserFactory(groups=["moderator"]))

    html = client.get(reverse("accounts:security")).content.decode()

    assert 'id="two-factor-required"' in html
    assert reverse("accounts:two-factor-setup") in html


def test_signing_in_without_two_factor_warns_a_person_who_needs_it(client):
    officer = police_officer()

    client.post(reverse("accounts:login"), {"username": officer.email, "password": PASSWORD})
    html = client.get(reverse("registry:home")).content.decode()

    assert re.search(r"requires two-factor authentication", html)


def test_guessing_codes_locks_out_like_guessing_passwords(client):
    user = UserFactory()
    device = confirmed_device(user)
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    for _ in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        client.post(reverse("accounts:two-factor-verify"), {"code": "000000"})

    response = client.post(reverse("accounts:two-factor-verify"), {"code": current_code(device)})

    assert response.status_code == 429
    assert not client.get(reverse("registry:home")).context["user"].is_authenticated
