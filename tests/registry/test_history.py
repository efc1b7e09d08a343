"""The change log records every write with who and what, and moderators restore versions."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.services import organization_decide
from registry import services
from registry.history import history_for, record_restore
from registry.models import ChangeRecord
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def _tool(actor, org):
    return services.tool_create(
        actor=actor,
        organization=org,
        name="Referral Bridge",
        summary="First summary.",
        availability="free",
        maturity="pilot",
        visibility="public",
        purposes=["coordinate"],
        functions=["information_sharing"],
    )


def test_every_write_is_logged_with_actor_and_changed_fields():
    editor = MembershipFactory(role="editor").user
    org = editor.memberships.get().organization
    tool = _tool(editor, org)
    services.tool_update(
        actor=editor,
        tool=tool,
        summary="Second summary.",
        functions=["information_sharing", "case_management"],
    )
    log = list(history_for(editor, tool))
    assert [c.action for c in log] == ["updated", "created"]
    assert log[0].actor == editor
    assert log[0].changes["summary"] == ["First summary.", "Second summary."]
    assert log[0].changes["functions"] == [
        ["information_sharing"],
        ["case_management", "information_sharing"],
    ]


def test_history_is_shown_only_to_those_who_may_edit():
    editor = MembershipFactory(role="editor").user
    org = editor.memberships.get().organization
    tool = _tool(editor, org)
    viewer = MembershipFactory(organization=org, role="viewer").user
    assert history_for(viewer, tool).count() == 0
    assert history_for(UserFactory(), tool).count() == 0
    assert history_for(editor, tool).count() == 1


def test_a_moderator_restores_an_earlier_version():
    editor = MembershipFactory(role="editor").user
    org = editor.memberships.get().organization
    tool = _tool(editor, org)
    first = ChangeRecord.objects.get(record_id=tool.pk, action="created")
    services.tool_update(actor=editor, tool=tool, summary="Vandalised.", functions=["mapping"])
    moderator = UserFactory(groups=["moderator"])
    with pytest.raises(PermissionDenied):
        record_restore(actor=editor, record=tool, change=first)
    record_restore(actor=moderator, record=tool, change=first)
    tool.refresh_from_db()
    assert tool.summary == "First summary."
    assert tool.facet_codes("functions") == ["information_sharing"]
    latest = ChangeRecord.objects.filter(record_id=tool.pk).first()
    assert latest.action == "restored" and latest.actor == moderator


def test_deletes_and_organization_decisions_are_logged():
    org = OrganizationFactory(verification_status="pending")
    moderator = UserFactory(groups=["moderator"])
    organization_decide(actor=moderator, organization=org, status="verified")
    entry = ChangeRecord.objects.get(record_type="accounts.organization", record_id=org.pk)
    assert entry.changes["verification_status"] == ["pending", "verified"]
    editor = MembershipFactory(organization=org, role="editor").user
    tool = _tool(editor, org)
    pk = tool.pk
    services.tool_delete(actor=editor, tool=tool)
    deleted = ChangeRecord.objects.get(record_type="registry.tool", record_id=pk, action="deleted")
    assert deleted.snapshot["summary"] == "First summary."
