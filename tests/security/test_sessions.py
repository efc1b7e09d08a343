"""Session keys change at sign-in and when privileges change; signing out everywhere."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services
from tests.factories import MembershipFactory, UserFactory

from .conftest import PASSWORD


def _session_key(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _signed_in(client) -> bool:
    return client.get(reverse("registry:home")).context["user"].is_authenticated


def test_signing_in_gives_the_session_a_new_key(client):
    UserFactory(email="officer@example.org")
    before = client.session
    before["language_hint"] = "en"
    before.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key

    client.post(
        reverse("accounts:login"), {"username": "officer@example.org", "password": PASSWORD}
    )

    assert _session_key(client) != before.session_key
    assert not Session.objects.filter(session_key=before.session_key).exists()
    assert _signed_in(client)


def test_a_role_change_gives_the_session_a_new_key_and_keeps_the_person_signed_in(
    client, django_capture_on_commit_callbacks
):
    owner = MembershipFactory(role="owner")
    member = MembershipFactory(organization=owner.organization, role="viewer")
    client.force_login(member.user)
    client.get(reverse("registry:home"))
    key = _session_key(client)

    with django_capture_on_commit_callbacks(execute=True):
        services.membership_change_role(actor=owner.user, membership=member, role="editor")
    assert _signed_in(client)

    assert _session_key(client) != key
    assert not Session.objects.filter(session_key=key).exists()


def test_joining_a_platform_group_gives_the_session_a_new_key(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("registry:home"))
    key = _session_key(client)

    with django_capture_on_commit_callbacks(execute=True):
        user.groups.add(Group.objects.get_or_create(name="moderator")[0])
    client.get(reverse("registry:home"))

    assert _session_key(client) != key
    assert _signed_in(client)


def test_an_unchanged_session_keeps_its_key(client):
    client.force_login(UserFactory())
    client.get(reverse("registry:home"))
    key = _session_key(client)

    client.get(reverse("registry:tool-list"))

    assert _session_key(client) == key


def test_sign_out_everywhere_ends_every_session_of_the_person_only(client):
    user = UserFactory()
    elsewhere, someone_else = Client(), Client()
    client.force_login(user)
    elsewhere.force_login(user)
    someone_else.force_login(UserFactory())

    response = client.post(reverse("accounts:sign-out-everywhere"))

    assert response.status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(elsewhere)
    assert _signed_in(someone_else)


def test_sign_out_everywhere_is_a_post(client):
    client.force_login(UserFactory())

    assert client.get(reverse("accounts:sign-out-everywhere")).status_code == 405
