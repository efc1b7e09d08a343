"""A staff moderator can work in the admin with the group's own permissions, and the change
log there lists and restores versions."""

from registry import services
from registry.models import ChangeRecord
from tests.factories import MembershipFactory, ToolFactory, UserFactory


def _staff(**fields):
    user = UserFactory(**fields)
    user.is_staff = True
    user.save()
    return user


def test_moderator_group_opens_the_admin_lists_without_private_records(client):
    moderator = _staff(groups=["moderator"])
    ToolFactory(name="Public Thing")
    ToolFactory(name="Private Thing", visibility="private")
    client.force_login(moderator)
    response = client.get("/admin/registry/tool/")
    assert response.status_code == 200
    assert b"Public Thing" in response.content
    assert b"Private Thing" not in response.content
    assert client.get("/admin/registry/changerecord/").status_code == 200
    assert client.get("/admin/accounts/organization/").status_code == 200


def test_moderator_restores_a_version_from_the_admin(client):
    editor = MembershipFactory(role="editor").user
    org = editor.memberships.get().organization
    tool = services.tool_create(
        actor=editor,
        organization=org,
        name="Bridge",
        summary="Good summary.",
        availability="free",
        maturity="pilot",
        visibility="public",
        purposes=["coordinate"],
        functions=["information_sharing"],
    )
    good = ChangeRecord.objects.get(record_id=tool.pk, action="created")
    services.tool_update(actor=editor, tool=tool, summary="Spam spam spam.")
    moderator = _staff(groups=["moderator"])
    client.force_login(moderator)
    response = client.post(
        "/admin/registry/changerecord/",
        {"action": "restore_version", "index": 0, "_selected_action": [good.pk]},
        follow=True,
    )
    assert response.status_code == 200
    tool.refresh_from_db()
    assert tool.summary == "Good summary."


def test_decisions_on_suggestions_are_read_only_in_the_admin_and_for_administrators(client):
    from registry.models.matching import NeedToolMatch
    from registry.services import matching
    from tests.factories import NeedFactory

    need = NeedFactory(title="Shelter referrals")
    editor = MembershipFactory(organization=need.organization, role="editor").user
    tool = ToolFactory(name="Referral Bridge")
    matching.need_tool_match_decide(
        actor=editor, need=need, tool=tool, decision="dismissed", score=0.42
    )
    match = NeedToolMatch.objects.get()
    pages = [
        "/admin/registry/needtoolmatch/",
        "/admin/registry/toolpairreview/",
        "/admin/registry/needcosignature/",
    ]

    administrator = _staff(is_superuser=True)
    client.force_login(administrator)
    listing = client.get(pages[0])
    assert listing.status_code == 200
    assert b"Referral Bridge" in listing.content and b"0.42" in listing.content
    assert all(client.get(page).status_code == 200 for page in pages[1:])
    change = f"/admin/registry/needtoolmatch/{match.pk}/change/"
    client.post(change, {"decision": "confirmed"})
    assert NeedToolMatch.objects.get().decision == "dismissed"
    assert client.get("/admin/registry/needtoolmatch/add/").status_code == 403

    moderator = _staff(groups=["moderator"])
    client.force_login(moderator)
    assert all(client.get(page).status_code == 403 for page in pages)
