"""The conversation and report workflows through the pages, end to end."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from community.models import ContactMessage, ContactThread, RecordReport
from notifications.models import Kind, OutboxMessage

from .conftest import client_for


def _ask(client, tool, org, body="Can we use this in our unit?"):
    return client.post(
        reverse("community:contact-tool", args=[tool.slug]),
        {"asker_organization": org.pk, "body": body},
    )


def test_ask_answer_and_decline_through_the_pages(
    world, asker, asker_org, django_capture_on_commit_callbacks
):
    tool = world.tools["restricted"]
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client_for(asker), tool, asker_org)
    thread = ContactThread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert thread.organization == world.owner_org
    assert thread.tool == tool and thread.status == "open"
    # One email to each owner and editor of the organization asked, none to the viewer.
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([world.users["owner"].email, world.users["editor"].email])

    owner = client_for(world.users["owner"])
    page = owner.get(thread.get_absolute_url())
    assert page.status_code == 200
    assert b"Can we use this in our unit?" in page.content

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            reverse("community:thread-reply", args=[thread.pk]), {"body": "Yes, write to us."}
        )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.status == "answered"
    assert [m.to for m in mail.outbox] == [[asker.email]]

    page = client_for(asker).get(thread.get_absolute_url())
    assert b"Yes, write to us." in page.content

    mail.outbox.clear()
    confirm = owner.get(reverse("community:thread-close", args=[thread.pk]))
    assert confirm.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            reverse("community:thread-close", args=[thread.pk]), {"note": "No more licences."}
        )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.is_closed and thread.closed_by == world.users["owner"]
    assert [m.to for m in mail.outbox] == [[asker.email]]
    # Nobody writes in a closed conversation.
    response = client_for(asker).post(
        reverse("community:thread-reply", args=[thread.pk]), {"body": "Please?"}
    )
    assert response.status_code == 400
    assert b"This conversation is closed." in response.content
    assert ContactMessage.objects.filter(thread=thread).count() == 3


def test_report_and_hide_through_the_pages(world, django_capture_on_commit_callbacks):
    tool = world.tools["public"]
    reporter = world.users["no_org"]
    second = world.users["other_sector"]
    for person in (reporter, second):
        response = client_for(person).post(
            reverse("community:report-tool", args=[tool.slug]),
            {"reason": "harmful", "details": "It publishes victims' photos."},
        )
        assert response.status_code == 302
    assert RecordReport.objects.filter(status="open").count() == 2

    moderator = client_for(world.users["moderator"])
    queue = moderator.get(reverse("community:report-queue"))
    assert queue.status_code == 200
    assert b"victims&#x27; photos" in queue.content
    report = RecordReport.objects.filter(reporter=reporter).get()
    assert moderator.get(reverse("community:report-resolve", args=[report.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.post(
            reverse("community:report-resolve", args=[report.pk]),
            {"decision": "hide", "note": "Confirmed: hidden."},
        )
    assert response.status_code == 302
    tool.refresh_from_db()
    assert tool.is_hidden and tool.hidden_reason == "Confirmed: hidden."
    # Hiding settles both reports; each reporter is told once.
    assert set(RecordReport.objects.values_list("status", flat=True)) == {"actioned"}
    outcomes = OutboxMessage.objects.filter(kind=Kind.REPORT_OUTCOME)
    assert sorted(outcomes.values_list("recipient", flat=True)) == sorted(
        [reporter.email, second.email]
    )
    assert len(mail.outbox) == 2
    mine = client_for(reporter).get(reverse("community:my-reports"))
    assert b"Confirmed: hidden." in mine.content
