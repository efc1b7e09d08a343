"""Preferences, the preferences page and unsubscribe links."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from notifications import services
from notifications.models import Kind, NotificationPreference, OutboxMessage
from tests.factories import UserFactory


def _enqueue(recipient, kind=Kind.LICENCE_REQUEST, key="event:1"):
    return services.enqueue(
        kind=kind, recipient=recipient, subject="Subject", body="Body.", dedupe_key=key
    )


def _path(url: str) -> str:
    return url.removeprefix("https://registry.test")


def test_a_kind_switched_off_is_not_queued_and_other_kinds_still_are():
    person = UserFactory()
    services.preference_set(user=person, kind=Kind.LICENCE_REQUEST, enabled=False)
    assert _enqueue(person) is None
    assert _enqueue(person, kind=Kind.NEED_DIGEST, key="event:2") is not None
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == [Kind.NEED_DIGEST]


def test_invitations_cannot_be_switched_off_by_a_member():
    person = UserFactory()
    with pytest.raises(ValidationError):
        services.preference_set(user=person, kind=Kind.INVITATION, enabled=False)
    assert services.preferences_for(person)[Kind.INVITATION] is True


def test_unsubscribe_link_asks_first_then_switches_the_kind_off(
    client, django_capture_on_commit_callbacks
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(person)
    url = _path(message.unsubscribe_url)
    assert url in mail.outbox[0].body

    page = client.get(url)
    assert page.status_code == 200
    assert escape(str(Kind.LICENCE_REQUEST.label)) in page.content.decode()
    assert services.is_enabled(kind=Kind.LICENCE_REQUEST, user=person)  # GET changes nothing

    done = client.post(url)
    assert done.status_code == 200
    assert not services.is_enabled(kind=Kind.LICENCE_REQUEST, user=person)
    assert _enqueue(person, key="event:2") is None
    # Only that kind: the others are still on.
    assert services.is_enabled(kind=Kind.NEED_DIGEST, user=person)


def test_unsubscribe_needs_no_sign_in_and_no_csrf_token_for_one_click_clients():
    person = UserFactory()
    url = reverse(
        "notifications:unsubscribe",
        args=[services.unsubscribe_token(kind=Kind.NEED_DIGEST, user=person)],
    )
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not services.is_enabled(kind=Kind.NEED_DIGEST, user=person)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_or_foreign_token_gets_a_400_page_and_changes_nothing(client, method):
    person = UserFactory()
    good = services.unsubscribe_token(kind=Kind.NEED_DIGEST, user=person)
    other_user = services.unsubscribe_token(kind=Kind.NEED_DIGEST, user=UserFactory())
    bad_tokens = [
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # signature altered
        other_user.split(":")[0] + good[len(good.split(":")[0]) :],  # payload swapped
        "not-a-token",
        signing.dumps({"k": Kind.NEED_DIGEST, "u": person.pk}, salt="accounts.invitation"),
        signing.dumps({"k": "no_such_kind", "u": person.pk}, salt=services.UNSUBSCRIBE_SALT),
        signing.dumps({"k": Kind.NEED_DIGEST, "u": 999_999}, salt=services.UNSUBSCRIBE_SALT),
        signing.dumps(["a", "list"], salt=services.UNSUBSCRIBE_SALT),
    ]
    for token in bad_tokens:
        response = getattr(client, method)(reverse("notifications:unsubscribe", args=[token]))
        assert response.status_code == 400, token
    assert not NotificationPreference.objects.exists()


def test_an_invitee_without_an_account_can_refuse_further_invitations(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue("Invitee@Example.org", kind=Kind.INVITATION, key="invitation:1")
    assert message.recipient == "invitee@example.org"
    assert message.body.rstrip().endswith(message.unsubscribe_url)
    assert client.post(_path(message.unsubscribe_url)).status_code == 200
    assert _enqueue("invitee@example.org", kind=Kind.INVITATION, key="invitation:2") is None
    assert len(mail.outbox) == 1


def test_preferences_page_needs_sign_in(client):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_preferences_page_lists_every_kind_and_saves_the_unticked_ones_as_off(client):
    person = UserFactory()
    client.force_login(person)
    url = reverse("notifications:preferences")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for kind in Kind:
        assert f'name="{kind.value}"' in html
    invitation_box = re.search(r'<input[^>]*name="invitation"[^>]*>', html).group(0)
    assert "disabled" in invitation_box and "checked" in invitation_box

    ticked = [k for k in Kind.values if k not in (Kind.NEED_DIGEST, Kind.STALENESS_REMINDER)]
    response = client.post(url, {kind: "on" for kind in ticked})
    assert response.status_code == 302
    current = services.preferences_for(person)
    assert current[Kind.NEED_DIGEST] is False and current[Kind.STALENESS_REMINDER] is False
    assert current[Kind.LICENCE_REQUEST] is True and current[Kind.INVITATION] is True

    again = client.get(url).content.decode()
    assert 'name="need_digest"' in again and 'id="id_need_digest" checked' not in again
    assert _enqueue(person, kind=Kind.NEED_DIGEST) is None


def test_who_had_messages_off_keeps_co_signature_emails_off_after_the_migration():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("notifications.migrations.0003_need_cosigned_kind")
    off, on, chose = UserFactory(), UserFactory(), UserFactory()
    for user, enabled in ((off, False), (on, True), (chose, False)):
        NotificationPreference.objects.create(user=user, kind=Kind.CONTACT_MESSAGE, enabled=enabled)
    NotificationPreference.objects.create(user=chose, kind=Kind.NEED_COSIGNED, enabled=True)
    NotificationPreference.objects.create(
        email="invitee@example.org", kind=Kind.CONTACT_MESSAGE, enabled=False
    )

    migration.keep_co_signature_emails_off_for_who_had_them_off(apps, None)

    cosigned = {
        (p.user_id, p.email): p.enabled
        for p in NotificationPreference.objects.filter(kind=Kind.NEED_COSIGNED)
    }
    assert cosigned == {
        (off.pk, ""): False,
        (chose.pk, ""): True,  # their own later choice stands
        (None, "invitee@example.org"): False,
    }
