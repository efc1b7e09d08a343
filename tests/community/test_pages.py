"""The community pages: bad input, rate limits, personal data in messages, the header
links, the record-page actions, addresses never shown, and the privacy tools."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.security.privacy import account_delete, personal_data_export
from community import services
from community.context_processors import HeaderLinks
from community.models import ContactMessage, ContactThread, RecordReport
from tests.access.test_canary import _normalize

from .conftest import client_for


def _contact_url(tool):
    return reverse("community:contact-tool", args=[tool.slug])


@pytest.fixture
def thread(world, asker, asker_org):
    return services.thread_start(
        actor=asker,
        record=world.tools["public"],
        asker_organization=asker_org,
        body="Do you offer training?",
    )


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"body": ""}, b"This field is required."),
        ({"body": "   "}, b"This field is required."),
        ({"body": "x" * 4001}, b"4000 characters"),
        ({"body": "bad\x00byte"}, b"Null characters are not allowed."),
        ({"body": "Hello", "asker_organization": "999999"}, b"Select a valid choice"),
        ({"body": "Hello", "asker_organization": "not-a-number"}, b"Select a valid choice"),
    ],
)
def test_a_bad_question_is_refused_with_field_messages(
    world, asker, asker_org, data, field_message
):
    payload = {"asker_organization": asker_org.pk, **data}
    response = client_for(asker).post(_contact_url(world.tools["public"]), payload)
    assert response.status_code == 400
    assert field_message in response.content
    assert ContactThread.objects.count() == 0
    assert ContactMessage.objects.count() == 0


def test_asking_for_an_organization_one_does_not_belong_to_is_refused(world, asker):
    response = client_for(asker).post(
        _contact_url(world.tools["public"]),
        {"asker_organization": world.partner.pk, "body": "Hello"},
    )
    assert response.status_code == 400
    assert ContactThread.objects.count() == 0


def test_a_bad_reply_is_refused_and_writes_nothing(world, thread):
    client = client_for(world.users["owner"])
    for body in ("", "y" * 4001, "nul\x00"):
        response = client.post(reverse("community:thread-reply", args=[thread.pk]), {"body": body})
        assert response.status_code == 400
        assert b'class="field__error"' in response.content
    assert ContactMessage.objects.filter(thread=thread).count() == 1
    thread.refresh_from_db()
    assert thread.status == "open"


def test_bad_reports_are_refused_with_field_messages(world):
    client = client_for(world.users["registered"])
    url = reverse("community:report-tool", args=[world.tools["public"].slug])
    assert client.post(url, {"reason": "nonsense"}).status_code == 400
    response = client.post(url, {"reason": "other", "details": ""})
    assert response.status_code == 400
    assert b"Say what is wrong." in response.content
    assert client.post(url, {"reason": "wrong", "details": "z" * 2001}).status_code == 400
    assert RecordReport.objects.count() == 0


def test_a_second_report_of_the_same_entry_says_it_was_already_reported(world):
    client = client_for(world.users["registered"])
    url = reverse("community:report-tool", args=[world.tools["public"].slug])
    assert client.post(url, {"reason": "wrong"}).status_code == 302
    response = client.post(url, {"reason": "outdated"})
    assert response.status_code == 400
    assert b"already reported this entry" in response.content
    assert b"already reported this entry" in client.get(url).content
    assert RecordReport.objects.count() == 1
    # Once resolved, the entry can be reported again.
    services.report_resolve(
        actor=world.users["moderator"],
        report=RecordReport.objects.get(),
        decision="dismiss",
        note="Fine as it is.",
    )
    assert client.post(url, {"reason": "outdated"}).status_code == 302
    assert RecordReport.objects.count() == 2


def test_resolving_needs_a_decision_and_a_note(world):
    report = services.report_create(
        actor=world.users["registered"], record=world.tools["public"], reason="wrong"
    )
    client = client_for(world.users["moderator"])
    url = reverse("community:report-resolve", args=[report.pk])
    assert client.post(url, {"decision": "hide", "note": ""}).status_code == 400
    assert client.post(url, {"decision": "delete", "note": "x"}).status_code == 400
    report.refresh_from_db()
    world.tools["public"].refresh_from_db()
    assert report.is_open and not world.tools["public"].is_hidden


def test_suspending_an_organization_through_a_report(world):
    reporter = world.users["registered"]
    report = services.report_create(actor=reporter, record=world.partner, reason="harmful")
    response = client_for(world.users["moderator"]).post(
        reverse("community:report-resolve", args=[report.pk]),
        {"decision": "hide", "note": "Impersonates a charity."},
    )
    assert response.status_code == 302
    world.partner.refresh_from_db()
    assert world.partner.verification_status == "suspended"
    assert world.partner.verification_reason == "Impersonates a charity."


# --- Rate limits ----------------------------------------------------------------------------


def test_new_conversations_are_rate_limited_per_person_and_day(world, asker, asker_org, settings):
    settings.COMMUNITY_CONTACT_THREADS_PER_DAY = 2
    client = client_for(asker)
    for visibility in ("public", "registered"):
        response = client.post(
            _contact_url(world.tools[visibility]),
            {"asker_organization": asker_org.pk, "body": "Hello"},
        )
        assert response.status_code == 302
    response = client.post(
        _contact_url(world.tools["verified"]), {"asker_organization": asker_org.pk, "body": "Hi"}
    )
    assert response.status_code == 400
    assert b"at most 2 conversations a day" in response.content
    assert ContactThread.objects.count() == 2
    # Someone else is not held back by it.
    other = world.users["other_sector"]
    response = client_for(other).post(
        _contact_url(world.tools["verified"]),
        {"asker_organization": other.memberships.get().organization_id, "body": "Hi"},
    )
    assert response.status_code == 302


def test_messages_and_reports_are_rate_limited_too(world, thread, asker, settings):
    settings.COMMUNITY_MESSAGES_PER_DAY = 1
    client = client_for(asker)
    url = reverse("community:thread-reply", args=[thread.pk])
    # The opening message counts: the limit is already reached.
    response = client.post(url, {"body": "One more."})
    assert response.status_code == 400
    assert b"at most 1 messages a day" in response.content
    settings.COMMUNITY_REPORTS_PER_DAY = 1
    reporter = client_for(world.users["registered"])
    assert (
        reporter.post(
            reverse("community:report-tool", args=[world.tools["public"].slug]), {"reason": "wrong"}
        ).status_code
        == 302
    )
    assert (
        reporter.post(
            reverse("community:report-need", args=[world.needs["public"].slug]), {"reason": "wrong"}
        ).status_code
        == 400
    )
    assert RecordReport.objects.count() == 1


# --- Contact details in a message -----------------------------------------------------------


def test_a_message_with_contact_details_needs_a_confirmation(world, asker, asker_org):
    client = client_for(asker)
    data = {"asker_organization": asker_org.pk, "body": "Write to me at jane.doe@police.example"}
    response = client.post(_contact_url(world.tools["public"]), data)
    assert response.status_code == 400
    assert b"contains contact details" in response.content
    assert ContactThread.objects.count() == 0
    response = client.post(
        _contact_url(world.tools["public"]), {**data, "share_contact_details": "on"}
    )
    assert response.status_code == 302
    assert ContactThread.objects.count() == 1


# --- Addresses are never shown -------------------------------------------------------------


def test_no_page_shows_the_other_sides_address(world, thread, asker):
    owner, editor, viewer = (world.users[r] for r in ("owner", "editor", "viewer"))
    services.thread_reply(actor=editor, thread=thread, body="Yes, twice a year.")
    owner_side_pages = [
        client_for(person).get(url)
        for person in (owner, editor, viewer)
        for url in (reverse("community:inbox"), thread.get_absolute_url())
    ]
    for page in owner_side_pages:
        assert page.status_code == 200
        assert asker.email.encode() not in page.content
        assert asker.display_name.encode() in page.content
    asker_client = client_for(asker)
    for url in (reverse("community:inbox"), thread.get_absolute_url()):
        page = asker_client.get(url)
        assert page.status_code == 200
        for person in (owner, editor, viewer):
            assert person.email.encode() not in page.content
            # The answer is signed by the organization, not by the person.
            assert person.display_name.encode() not in page.content
        assert world.owner_org.name.encode() in page.content


def test_a_person_without_display_name_is_shown_as_a_member(world, asker, asker_org):
    asker.display_name = ""
    asker.save()
    thread = services.thread_start(
        actor=asker, record=world.tools["public"], asker_organization=asker_org, body="Hi"
    )
    page = client_for(world.users["owner"]).get(thread.get_absolute_url())
    assert asker.email.encode() not in page.content
    assert b"A member" in page.content


def test_message_bodies_are_rendered_escaped(world, asker, asker_org):
    thread = services.thread_start(
        actor=asker,
        record=world.tools["public"],
        asker_organization=asker_org,
        body="<script>alert(1)</script> <b>bold</b>",
    )
    page = client_for(world.users["owner"]).get(thread.get_absolute_url())
    assert b"<script>alert(1)" not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content


def test_a_thread_out_of_sight_answers_exactly_as_a_missing_one(world, thread):
    client = client_for(world.users["moderator"])
    pages = []
    for pk in (thread.pk, thread.pk + 1000):
        url = reverse("community:thread-detail", args=[pk])
        response = client.get(url)
        assert response.status_code == 404
        # The page echoes its own address (the language switcher's "next"); nothing else.
        pages.append(_normalize(response.content).replace(url.encode(), b"URL"))
    assert pages[0] == pages[1]


# --- Unread counts and the header -----------------------------------------------------------


def _nav(response) -> str:
    html = response.content.decode()
    return html[html.index('class="site-nav"') : html.index("</nav>", html.index("site-nav"))]


@pytest.mark.parametrize(
    ("role", "messages", "moderation"),
    [
        ("anonymous", False, False),
        ("registered", True, False),
        ("viewer", True, False),
        ("suspended_member", True, False),
        ("moderator", True, True),
        ("administrator", True, True),
    ],
)
def test_header_links_for_each_role(world, role, messages, moderation):
    nav = _nav(client_for(world.users[role]).get("/"))
    assert (reverse("community:inbox") in nav) == messages
    assert (reverse("registry:moderation") in nav) == moderation


def test_the_unread_badge_counts_threads_waiting_for_the_reader(world, thread, asker):
    owner = client_for(world.users["owner"])
    nav = _nav(owner.get("/"))
    assert "(1 unread conversation)" in nav and 'class="badge badge--count"' in nav
    # The asker wrote last: nothing unread for them.
    assert "unread" not in _nav(client_for(asker).get("/"))
    owner.get(thread.get_absolute_url())  # reading clears it
    assert "unread" not in _nav(owner.get("/"))
    services.thread_reply(actor=world.users["editor"], thread=thread, body="Answer.")
    assert "(1 unread conversation)" in _nav(client_for(asker).get("/"))
    # A message from the reader's own side is not unread for them.
    assert "unread" not in _nav(client_for(world.users["editor"]).get("/"))
    assert "unread" not in _nav(owner.get("/"))


def test_the_header_costs_nothing_for_anonymous_readers_and_one_query_otherwise(world, thread):
    from django.contrib.auth.models import AnonymousUser

    from accounts.permissions import access_context

    links = HeaderLinks(AnonymousUser())
    with CaptureQueriesContext(connection) as queries:
        assert links.unread == 0 and links.is_moderator is False
    assert len(queries) == 0
    owner = world.users["owner"]
    access_context(owner)  # computed by the page's own reads in a real request
    links = HeaderLinks(owner)
    with CaptureQueriesContext(connection) as queries:
        assert links.unread == 1
        assert links.is_moderator is False
        assert links.unread == 1
    assert len(queries) == 1


def test_anonymous_pages_run_no_community_query(world):
    with CaptureQueriesContext(connection) as queries:
        Client().get(reverse("registry:tool-detail", args=[world.tools["public"].slug]))
    assert not [q for q in queries if "community_" in q["sql"]]


# --- Record pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "ask", "report"),
    [
        ("anonymous", False, False),
        ("registered", False, True),
        ("owner", False, True),
        ("other_sector", True, True),
        ("suspended_member", False, True),
        ("moderator", False, True),
    ],
)
def test_record_pages_offer_the_actions_the_reader_may_take(world, role, ask, report):
    client = client_for(world.users[role])
    for kind, record in (("tool", world.tools["public"]), ("need", world.needs["public"])):
        page = client.get(record.get_absolute_url())
        assert page.status_code == 200
        contact = reverse(f"community:contact-{kind}", args=[record.slug])
        assert (contact.encode() in page.content) == ask
        report_url = reverse(f"community:report-{kind}", args=[record.slug])
        assert (report_url.encode() in page.content) == report
    page = client.get(world.owner_org.get_absolute_url())
    organization_report = reverse("community:report-organization", args=[world.owner_org.slug])
    assert (organization_report.encode() in page.content) == report


def test_private_records_offer_no_report_link_to_their_owners(world):
    tool = world.tools["private"]
    page = client_for(world.users["owner"]).get(tool.get_absolute_url())
    assert reverse("community:report-tool", args=[tool.slug]).encode() not in page.content


def test_moderation_navigation_links_the_report_queue(world):
    page = client_for(world.users["moderator"]).get(reverse("registry:moderation"))
    assert reverse("community:report-queue").encode() in page.content


# --- Privacy --------------------------------------------------------------------------------


def test_the_personal_data_export_holds_messages_and_reports(world, thread, asker):
    services.report_create(
        actor=asker, record=world.tools["public"], reason="outdated", details="Last release 2019."
    )
    data = personal_data_export(asker)
    json.dumps(data)  # serialisable as the export page sends it
    assert [t["subject"] for t in data["contact_threads_started"]] == [thread.subject]
    assert [m["body"] for m in data["contact_messages_written"]] == ["Do you offer training?"]
    assert [r["details"] for r in data["reports_made"]] == ["Last release 2019."]
    # Nothing of another person's.
    assert personal_data_export(world.users["owner"])["contact_messages_written"] == []


def test_deleting_an_account_keeps_conversations_without_their_author(world, thread, asker):
    report = services.report_create(actor=asker, record=world.tools["public"], reason="wrong")
    account_delete(user=asker)
    thread.refresh_from_db()
    report.refresh_from_db()
    assert thread.asker is None and report.reporter is None
    assert ContactMessage.objects.filter(thread=thread, author__isnull=True).count() == 1
    page = client_for(world.users["owner"]).get(thread.get_absolute_url())
    assert page.status_code == 200
    assert b"A former member" in page.content


def test_the_contact_details_box_appears_only_when_details_were_found(world, asker, asker_org):
    client = client_for(asker)
    url = _contact_url(world.tools["public"])
    assert b'type="checkbox" name="share_contact_details"' not in client.get(url).content
    response = client.post(
        url, {"asker_organization": asker_org.pk, "body": "Call +44 20 7946 0958 any time"}
    )
    assert response.status_code == 400
    assert b'type="checkbox" name="share_contact_details"' in response.content
