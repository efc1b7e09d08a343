"""The admin shows reports to moderators, read-only, and conversations to nobody but their
two sides."""

from __future__ import annotations

from community import services

from .conftest import client_for


def _staff(user):
    user.is_staff = True
    user.save()
    return user


def test_moderators_read_reports_but_not_conversations_in_the_admin(world, asker, asker_org):
    thread = services.thread_start(
        actor=asker,
        record=world.tools["public"],
        asker_organization=asker_org,
        body="Private question",
    )
    report = services.report_create(
        actor=world.users["registered"],
        record=world.tools["public"],
        reason="wrong",
        details="Report details here",
    )
    client = client_for(_staff(world.users["moderator"]))
    reports = client.get("/admin/community/recordreport/")
    assert reports.status_code == 200
    assert str(report.record_label).encode() in reports.content
    page = client.get(f"/admin/community/recordreport/{report.pk}/change/")
    assert page.status_code == 200 and b"Report details here" in page.content
    assert b'name="_save"' not in page.content  # read-only
    assert (
        client.post(
            f"/admin/community/recordreport/{report.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    threads = client.get("/admin/community/contactthread/")
    assert threads.status_code == 200
    assert f"/admin/community/contactthread/{thread.pk}/".encode() not in threads.content
    assert client.get(f"/admin/community/contactthread/{thread.pk}/change/").status_code in (
        302,
        404,
    )


def test_staff_who_are_not_moderators_do_not_get_the_community_admin(world):
    client = client_for(_staff(world.users["owner"]))
    assert client.get("/admin/community/recordreport/").status_code == 403
