"""Each event of a conversation or a report queues exactly one email per recipient, to the
right people, and no email shows one side the other side's address."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from community import notifications, services
from community.models import ContactMessage
from notifications.models import Kind, OutboxMessage
from notifications.services import preference_set


@pytest.fixture
def thread(world, asker, asker_org):
    return services.thread_start(
        actor=asker,
        record=world.needs["verified"],
        asker_organization=asker_org,
        body="How do you share referrals?",
    )


def _recipients(**filters):
    return sorted(OutboxMessage.objects.filter(**filters).values_list("recipient", flat=True))


def test_a_new_question_reaches_each_owner_and_editor_once(world, thread):
    assert _recipients(kind=Kind.CONTACT_MESSAGE) == sorted(
        [world.users["owner"].email, world.users["editor"].email]
    )
    # The same event again sends nothing more.
    first = ContactMessage.objects.get(thread=thread)
    notifications.contact_message_sent(first)
    assert OutboxMessage.objects.count() == 2


def test_answers_reach_the_asker_and_follow_ups_the_owners(world, thread, asker):
    OutboxMessage.objects.all().delete()
    services.thread_reply(actor=world.users["editor"], thread=thread, body="Through our portal.")
    assert _recipients() == [asker.email]
    OutboxMessage.objects.all().delete()
    services.thread_reply(actor=asker, thread=thread, body="Which portal?")
    assert _recipients() == sorted([world.users["owner"].email, world.users["editor"].email])


def test_the_author_is_not_emailed_about_their_own_message(world, thread):
    OutboxMessage.objects.all().delete()
    services.thread_reply(actor=world.users["owner"], thread=thread, body="Answered.")
    assert world.users["owner"].email not in _recipients()


def test_declining_tells_the_asker_once_and_withdrawing_tells_nobody(
    world, asker, asker_org, thread
):
    OutboxMessage.objects.all().delete()
    services.thread_close(actor=world.users["owner"], thread=thread, note="Not available.")
    assert _recipients() == [asker.email]
    other = services.thread_start(
        actor=asker, record=world.tools["public"], asker_organization=asker_org, body="Hello?"
    )
    OutboxMessage.objects.all().delete()
    services.thread_close(actor=asker, thread=other)
    assert _recipients() == []


def test_a_recipient_who_switched_contact_emails_off_gets_none(world, asker, asker_org):
    preference_set(kind=Kind.CONTACT_MESSAGE, enabled=False, user=world.users["editor"])
    services.thread_start(
        actor=asker, record=world.tools["public"], asker_organization=asker_org, body="Hi."
    )
    assert _recipients() == [world.users["owner"].email]


def test_no_email_shows_the_other_sides_address(
    world, asker, asker_org, thread, django_capture_on_commit_callbacks
):
    owners = [world.users[r] for r in ("owner", "editor", "viewer")]
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_reply(actor=world.users["owner"], thread=thread, body="Yes.")
        services.thread_reply(actor=asker, thread=thread, body="Thanks.")
        services.thread_close(actor=world.users["editor"], thread=thread, note="Done.")
    assert OutboxMessage.objects.count() >= 4
    for message in OutboxMessage.objects.all():
        text = f"{message.subject}\n{message.body}"
        if message.recipient == asker.email:
            assert not any(person.email in text for person in owners), text
        else:
            assert asker.email not in text, text
            assert asker.display_name in text or "Thanks." not in text
        assert "https://registry.test/community/messages/" in text
    for sent in mail.outbox:
        headers = "\n".join(f"{k}: {v}" for k, v in sent.extra_headers.items())
        payload = f"{sent.subject}\n{sent.body}\n{headers}"
        if sent.to == [asker.email]:
            assert not any(person.email in payload for person in owners)
        else:
            assert asker.email not in payload


def test_question_email_names_the_asker_by_display_name_and_organization(
    world, thread, asker, asker_org
):
    message = OutboxMessage.objects.filter(recipient=world.users["owner"].email).get()
    assert asker.display_name in message.body
    assert asker_org.name in message.subject
    # The body of the question stays in the registry.
    assert "How do you share referrals?" not in message.body


def test_a_suspended_organization_is_neither_asked_nor_emailed(world, asker, asker_org, thread):
    OutboxMessage.objects.all().delete()
    world.owner_org.verification_status = "suspended"
    world.owner_org.save()
    with pytest.raises(PermissionDenied):
        services.thread_start(
            actor=asker, record=world.tools["public"], asker_organization=asker_org, body="Hi?"
        )
    # A conversation started before the suspension goes on without emails to its members.
    services.thread_reply(actor=asker, thread=thread, body="Anyone there?")
    assert OutboxMessage.objects.count() == 0


def test_report_outcome_reaches_the_reporter_once(world):
    reporter = world.users["registered"]
    report = services.report_create(actor=reporter, record=world.tools["public"], reason="wrong")
    assert OutboxMessage.objects.count() == 0  # reporting itself sends nothing
    services.report_resolve(
        actor=world.users["moderator"], report=report, decision="dismiss", note="It is right."
    )
    message = OutboxMessage.objects.get()
    assert message.kind == Kind.REPORT_OUTCOME and message.recipient == reporter.email
    assert "It is right." in message.body
    report.refresh_from_db()
    notifications.report_resolved(report)
    assert OutboxMessage.objects.count() == 1


def test_report_outcomes_are_a_kind_one_can_switch_off(world):
    from django.urls import reverse

    from .conftest import client_for

    reporter = world.users["registered"]
    page = client_for(reporter).get(reverse("notifications:preferences"))
    assert str(Kind.REPORT_OUTCOME.label).replace("'", "&#x27;").encode() in page.content
    preference_set(kind=Kind.REPORT_OUTCOME, enabled=False, user=reporter)
    report = services.report_create(actor=reporter, record=world.tools["public"], reason="wrong")
    services.report_resolve(
        actor=world.users["moderator"], report=report, decision="dismiss", note="Fine."
    )
    assert OutboxMessage.objects.count() == 0
