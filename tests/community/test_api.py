"""The community endpoints of the API: the same rules as the pages, the API's error shape,
and no email address in any answer."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from community import services
from community.models import ContactMessage, ContactThread, RecordReport

THREADS = "/api/v1/contact-threads/"
REPORTS = "/api/v1/reports/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.default_format = "json"  # the API parses JSON only
    if getattr(user, "is_authenticated", False):
        client.force_authenticate(user)
    return client


@pytest.fixture
def thread(world, asker, asker_org):
    return services.thread_start(
        actor=asker,
        record=world.tools["verified"],
        asker_organization=asker_org,
        body="Is there an API?",
    )


def test_asking_through_the_api(world, asker, asker_org):
    response = api_for(asker).post(
        THREADS,
        {
            "tool": world.tools["restricted"].slug,
            "asker_organization": asker_org.slug,
            "body": "Can we pilot it?",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.data["organization"]["slug"] == world.owner_org.slug
    assert [m["body"] for m in response.data["messages"]] == ["Can we pilot it?"]
    assert ContactThread.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x"}, "asker_organization"),
        ({"tool": "tool-public", "need": "need-public", "body": "x"}, None),
        ({"tool": "tool-private", "body": "x"}, "tool"),  # out of sight: as if missing
        ({"tool": "tool-public", "body": ""}, "body"),
        ({"tool": "tool-public", "body": "x" * 4001}, "body"),
        ({"tool": "tool-public", "body": "x", "cc": "me"}, "cc"),
    ],
)
def test_bad_questions_answer_400_in_the_api_shape(world, asker, asker_org, payload, field):
    payload = {"asker_organization": asker_org.slug, **payload}
    if field == "asker_organization":
        payload.pop("asker_organization")
    response = api_for(asker).post(THREADS, payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    assert field in {error["field"] for error in body["errors"]}
    assert ContactThread.objects.count() == 0


def test_threads_are_listed_and_read_only_by_their_two_sides(world, thread, asker):
    for role in ("owner", "viewer", "other_matching_sector"):
        client = api_for(world.users[role])
        assert [t["id"] for t in client.get(THREADS).data["results"]] == [thread.pk]
        assert client.get(f"{THREADS}{thread.pk}/").status_code == 200
    for role in ("registered", "other_sector", "moderator", "administrator", "asker_colleague"):
        client = api_for(world.users[role])
        assert client.get(THREADS).data["results"] == []
        assert client.get(f"{THREADS}{thread.pk}/").status_code == 404
        assert client.post(f"{THREADS}{thread.pk}/reply/", {"body": "x"}).status_code == 404
    assert APIClient().get(THREADS).status_code in (401, 403)


def test_replying_and_closing_through_the_api(world, thread, asker):
    viewer = api_for(world.users["viewer"])
    assert viewer.post(f"{THREADS}{thread.pk}/reply/", {"body": "x"}).status_code == 403
    editor = api_for(world.users["editor"])
    response = editor.post(f"{THREADS}{thread.pk}/reply/", {"body": "Yes."}, format="json")
    assert response.status_code == 201
    assert response.data["status"] == "answered"
    assert response.data["messages"][-1]["signed_by"] == world.owner_org.name
    response = editor.post(f"{THREADS}{thread.pk}/close/", {}, format="json")
    assert response.status_code == 200 and response.data["status"] == "closed"
    response = api_for(asker).post(f"{THREADS}{thread.pk}/reply/", {"body": "Wait"})
    assert response.status_code == 400
    assert ContactMessage.objects.filter(thread=thread).count() == 3


def test_no_api_answer_carries_an_email_address(world, thread, asker):
    services.thread_reply(actor=world.users["owner"], thread=thread, body="Sure.")
    for role in ("owner", "other_matching_sector"):
        client = api_for(world.users[role])
        for url in (THREADS, f"{THREADS}{thread.pk}/"):
            content = client.get(url).content
            assert b"@" not in content, content


def test_reports_through_the_api(world):
    reporter = api_for(world.users["registered"])
    response = reporter.post(
        REPORTS,
        {"need": "need-public", "reason": "outdated", "details": "Closed in 2023."},
        format="json",
    )
    assert response.status_code == 201, response.content
    report_id = response.data["id"]
    again = reporter.post(REPORTS, {"need": "need-public", "reason": "wrong"}, format="json")
    assert again.status_code == 400
    assert reporter.post(REPORTS, {"need": "need-verified", "reason": "wrong"}).status_code == 400
    assert (
        reporter.post(
            f"{REPORTS}{report_id}/resolve/", {"decision": "dismiss", "note": "x"}
        ).status_code
        == 403
    )
    # Another person does not see it; a moderator does, and resolves it.
    assert api_for(world.users["other_sector"]).get(f"{REPORTS}{report_id}/").status_code == 404
    moderator = api_for(world.users["moderator"])
    assert [r["id"] for r in moderator.get(REPORTS).data["results"]] == [report_id]
    bad = moderator.post(f"{REPORTS}{report_id}/resolve/", {"decision": "burn", "note": "x"})
    assert bad.status_code == 400
    response = moderator.post(
        f"{REPORTS}{report_id}/resolve/", {"decision": "hide", "note": "Closed."}, format="json"
    )
    assert response.status_code == 200 and response.data["status"] == "actioned"
    assert RecordReport.objects.get().status == "actioned"
    world.needs["public"].refresh_from_db()
    assert world.needs["public"].is_hidden
