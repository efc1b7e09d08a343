"""Who may contact, read, write in and close a conversation, report an entry and resolve a
report: role x record visibility x action, through the pages.

Outcomes are written out by hand from the rules (see accounts/permissions.py, community
section), not derived from the code:
- "ok": the action happens (a redirect after the write);
- 404: the record or thread is out of the reader's sight;
- 403: the reader sees it but may not act;
- "login": anonymous readers are sent to sign in.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from community import services
from community.models import ContactMessage, ContactThread, RecordReport
from tests.access.world import VISIBILITIES

from .conftest import client_for

ROLES = [
    "anonymous",
    "registered",
    "viewer",
    "editor",
    "owner",
    "other_matching_sector",  # owner of a verified law-enforcement organization
    "other_sector",  # owner of a verified private-sector organization
    "suspended_member",
    "unverified_member",
    "moderator",
    "administrator",
]

# Starting a conversation with the owners of a tool or need of each visibility. Only members
# of a verified organization other than the owners may ask, about what they may see.
# fmt: off
CONTACT = {
    "anonymous": dict.fromkeys(VISIBILITIES, "login"),
    "registered": {"public": 403, "registered": 403, "verified": 404, "restricted": 404,
                   "private": 404},
    "viewer": dict.fromkeys(VISIBILITIES, 403),
    "editor": dict.fromkeys(VISIBILITIES, 403),
    "owner": dict.fromkeys(VISIBILITIES, 403),
    "other_matching_sector": {"public": "ok", "registered": "ok", "verified": "ok",
                              "restricted": "ok", "private": 404},
    "other_sector": {"public": "ok", "registered": "ok", "verified": "ok", "restricted": 404,
                     "private": 404},
    "suspended_member": {"public": 403, "registered": 403, "verified": 404, "restricted": 404,
                         "private": 404},
    "unverified_member": {"public": 403, "registered": 403, "verified": 404,
                          "restricted": 404, "private": 404},
    "moderator": {"public": 403, "registered": 403, "verified": 403, "restricted": 403,
                  "private": 404},
    "administrator": dict.fromkeys(VISIBILITIES, 403),
}

# Reporting a tool or need of each visibility. Private entries cannot be reported (moderators
# may not read them), even by those who see them.
REPORT = {
    "anonymous": dict.fromkeys(VISIBILITIES, "login"),
    "registered": {"public": "ok", "registered": "ok", "verified": 404, "restricted": 404,
                   "private": 404},
    "viewer": {"public": "ok", "registered": "ok", "verified": "ok", "restricted": "ok",
               "private": 403},
    "editor": {"public": "ok", "registered": "ok", "verified": "ok", "restricted": "ok",
               "private": 403},
    "owner": {"public": "ok", "registered": "ok", "verified": "ok", "restricted": "ok",
              "private": 403},
    "other_matching_sector": {"public": "ok", "registered": "ok", "verified": "ok",
                              "restricted": "ok", "private": 404},
    "other_sector": {"public": "ok", "registered": "ok", "verified": "ok", "restricted": 404,
                     "private": 404},
    "suspended_member": {"public": "ok", "registered": "ok", "verified": 404,
                         "restricted": 404, "private": 404},
    "unverified_member": {"public": "ok", "registered": "ok", "verified": 404,
                          "restricted": 404, "private": 404},
    "moderator": {"public": "ok", "registered": "ok", "verified": "ok", "restricted": "ok",
                  "private": 404},
    "administrator": {"public": "ok", "registered": "ok", "verified": "ok",
                      "restricted": "ok", "private": 403},
}

# fmt: on

# A conversation the law-enforcement owner started with the owning organization, read,
# answered and closed by each role. Nobody else reads it: not a colleague of the asker, not
# moderators, not administrators.
THREAD_READ = {
    "anonymous": "login",
    "registered": 404,
    "viewer": "ok",
    "editor": "ok",
    "owner": "ok",
    "other_matching_sector": "ok",  # the asker
    "asker_colleague": 404,
    "other_sector": 404,
    "suspended_member": 404,
    "unverified_member": 404,
    "moderator": 404,
    "administrator": 404,
}
# Writing: the asker and the owners and editors of the organization asked; viewers read only.
THREAD_WRITE = {**THREAD_READ, "viewer": 403}
THREAD_CLOSE = THREAD_WRITE


def _outcome(response) -> object:
    if response.status_code == 302:
        location = response["Location"]
        return "login" if location.startswith(reverse("accounts:login")) else "ok"
    return response.status_code


def _record(world, kind, visibility):
    return (world.tools if kind == "tool" else world.needs)[visibility]


@pytest.mark.parametrize("kind", ["tool", "need"])
@pytest.mark.parametrize("role", ROLES)
def test_contact_matrix(world, role, kind):
    user = world.users[role]
    client = client_for(user)
    membership = user.memberships.first() if user.pk else None
    # Without an organization of one's own, try to ask on behalf of someone else's.
    org_pk = membership.organization_id if membership else world.partner.pk
    outcomes = {}
    for visibility in VISIBILITIES:
        record = _record(world, kind, visibility)
        url = reverse(f"community:contact-{kind}", args=[record.slug])
        data = {"asker_organization": org_pk, "body": "Is it still maintained?"}
        outcomes[visibility] = _outcome(client.post(url, data))
        if outcomes[visibility] != "login":
            # The form page answers as the write does.
            page = _outcome(client.get(url))
            assert page == (200 if outcomes[visibility] == "ok" else outcomes[visibility])
    assert outcomes == CONTACT[role]
    started = ContactThread.objects.filter(asker=user.pk) if user.pk else ContactThread.objects
    expected = sum(1 for value in CONTACT[role].values() if value == "ok")
    assert started.count() == (expected if user.pk else 0)


@pytest.mark.parametrize("kind", ["tool", "need"])
@pytest.mark.parametrize("role", ROLES)
def test_report_matrix(world, role, kind):
    user = world.users[role]
    client = client_for(user)
    outcomes = {}
    for visibility in VISIBILITIES:
        record = _record(world, kind, visibility)
        url = reverse(f"community:report-{kind}", args=[record.slug])
        outcomes[visibility] = _outcome(client.post(url, {"reason": "outdated"}))
    assert outcomes == REPORT[role]
    made = sum(1 for value in REPORT[role].values() if value == "ok")
    assert RecordReport.objects.count() == made


@pytest.mark.parametrize("role", ROLES)
def test_report_organization(world, role):
    user = world.users[role]
    response = client_for(user).post(
        reverse("community:report-organization", args=[world.owner_org.slug]),
        {"reason": "duplicate", "details": "Listed twice."},
    )
    assert _outcome(response) == ("login" if role == "anonymous" else "ok")


@pytest.fixture
def thread(world, asker, asker_org):
    return services.thread_start(
        actor=asker,
        record=world.tools["restricted"],
        asker_organization=asker_org,
        body="A question only the two organizations may read.",
    )


@pytest.mark.parametrize("role", list(THREAD_READ))
def test_thread_read_matrix(world, thread, role):
    client = client_for(world.users[role])
    response = client.get(reverse("community:thread-detail", args=[thread.pk]))
    assert _outcome(response) == (200 if THREAD_READ[role] == "ok" else THREAD_READ[role])
    inbox = client.get(reverse("community:inbox"))
    if role == "anonymous":
        assert _outcome(inbox) == "login"
    else:
        listed = thread.get_absolute_url().encode() in inbox.content
        assert listed == (THREAD_READ[role] == "ok")
        assert b"A question only" not in inbox.content  # bodies are not listed


@pytest.mark.parametrize("role", list(THREAD_WRITE))
def test_thread_reply_matrix(world, thread, role):
    response = client_for(world.users[role]).post(
        reverse("community:thread-reply", args=[thread.pk]), {"body": "Another line."}
    )
    assert _outcome(response) == THREAD_WRITE[role]
    written = ContactMessage.objects.filter(thread=thread, body="Another line.").count()
    assert written == (1 if THREAD_WRITE[role] == "ok" else 0)


@pytest.mark.parametrize("role", list(THREAD_CLOSE))
def test_thread_close_matrix(world, thread, role):
    response = client_for(world.users[role]).post(
        reverse("community:thread-close", args=[thread.pk]), {"note": ""}
    )
    assert _outcome(response) == THREAD_CLOSE[role]
    thread.refresh_from_db()
    assert thread.is_closed == (THREAD_CLOSE[role] == "ok")


RESOLVE = {
    "anonymous": "login",
    "registered": 403,
    "viewer": 403,
    "editor": 403,
    "owner": 403,
    "other_matching_sector": 403,
    "other_sector": 403,
    "suspended_member": 403,
    "unverified_member": 403,
    "moderator": "ok",
    "administrator": "ok",
}


@pytest.mark.parametrize("decision", ["hide", "dismiss"])
@pytest.mark.parametrize("role", list(RESOLVE))
def test_resolve_matrix(world, role, decision):
    report = services.report_create(
        actor=world.users["registered"], record=world.needs["registered"], reason="wrong"
    )
    client = client_for(world.users[role])
    assert _outcome(client.get(reverse("community:report-queue"))) == (
        200 if RESOLVE[role] == "ok" else RESOLVE[role]
    )
    response = client.post(
        reverse("community:report-resolve", args=[report.pk]),
        {"decision": decision, "note": "Checked."},
    )
    assert _outcome(response) == RESOLVE[role]
    report.refresh_from_db()
    need = world.needs["registered"]
    need.refresh_from_db()
    if RESOLVE[role] == "ok":
        assert report.status == ("actioned" if decision == "hide" else "dismissed")
        assert need.is_hidden == (decision == "hide")
    else:
        assert report.is_open and not need.is_hidden


def test_moderator_cannot_see_report_about_a_record_made_private_since(world):
    need = world.needs["public"]
    report = services.report_create(actor=world.users["registered"], record=need, reason="wrong")
    need.visibility = "private"
    need.save()
    client = client_for(world.users["moderator"])
    assert client.get(reverse("community:report-resolve", args=[report.pk])).status_code == 404
    assert need.title.encode() not in client.get(reverse("community:report-queue")).content


@pytest.mark.parametrize("visibility", ["public", "registered", "verified", "restricted"])
def test_a_thread_outlives_the_records_visibility_but_stops_linking_to_it(
    world, asker, asker_org, visibility
):
    tool = world.tools[visibility]
    thread = services.thread_start(
        actor=asker, record=tool, asker_organization=asker_org, body="Still available?"
    )
    tool.visibility = "private"
    tool.restricted_to_sectors.clear()
    tool.save()
    page = client_for(asker).get(thread.get_absolute_url())
    assert page.status_code == 200
    assert tool.get_absolute_url().encode() not in page.content
    owner_page = client_for(world.users["owner"]).get(thread.get_absolute_url())
    assert tool.get_absolute_url().encode() in owner_page.content
