"""Need-tool matches, co-signatures and duplicate reviews: the services, the permission
matrix of each new action, and the reads that pages and the API share."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from notifications.models import Kind, OutboxMessage
from registry import matching_selectors, page_selectors
from registry import notification_events as events
from registry.models import ChangeRecord, Need, Tool
from registry.models.matching import NeedCosignature, NeedToolMatch, ToolPairReview
from registry.services import PermissionDenied
from registry.services import matching as services
from tests.access.world import READS, ROLES, UPDATES, VISIBILITIES, build_world
from tests.factories import (
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

# Roles added to the shared world for co-signing: members of the verified law-enforcement
# organization with each role, and an owner whose only organization awaits verification.
EXTRA_ROLES = ["other_viewer", "other_editor"]
MATRIX_ROLES = [*ROLES, *EXTRA_ROLES]
EXTRA_READS = {
    "other_viewer": READS["other_matching_sector"],
    "other_editor": READS["other_matching_sector"],
}


def reads(role: str) -> set[str]:
    return EXTRA_READS.get(role) or READS[role]


@pytest.fixture
def world():
    world = build_world()
    law = world.users["other_matching_sector"].memberships.get().organization
    world.law = law
    world.users["other_viewer"] = MembershipFactory(organization=law, role="viewer").user
    world.users["other_editor"] = MembershipFactory(organization=law, role="editor").user
    # A public tool of another organization, which everyone may see.
    world.outside_tool = ToolFactory(slug="outside-tool", name="Outside Tool")
    return world


def _expect(outcome: str, call):
    """outcome: "ok", "forbidden" (403: sees but may not act) or "missing" (404)."""
    if outcome == "ok":
        return call()
    if outcome == "forbidden":
        with pytest.raises(PermissionDenied):
            call()
    else:
        with pytest.raises((Tool.DoesNotExist, Need.DoesNotExist)):
            call()
    return None


def _outcome(allowed: bool, visible: bool) -> str:
    return "ok" if allowed else "forbidden" if visible else "missing"


# --- Permission matrices --------------------------------------------------------------------


@pytest.mark.parametrize("role", MATRIX_ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_deciding_a_match_is_for_those_who_may_change_the_need(world, role, visibility):
    decision = "dismissed" if visibility in ("registered", "private") else "confirmed"
    user = world.users[role]
    need = world.needs[visibility]
    allowed = visibility in UPDATES.get(role, set())
    expected = _outcome(allowed, visibility in reads(role))

    assert permissions.can_decide_need_match(user, need) == allowed
    match = _expect(
        expected,
        lambda: services.need_tool_match_decide(
            actor=user, need=need, tool=world.outside_tool, decision=decision
        ),
    )
    assert NeedToolMatch.objects.filter(need=need).count() == (1 if allowed else 0)
    if allowed:
        assert match.decision == decision
        _expect(
            "ok",
            lambda: services.need_tool_match_undo(actor=user, need=need, tool=world.outside_tool),
        )
        assert not NeedToolMatch.objects.filter(need=need).exists()


@pytest.mark.parametrize("role", MATRIX_ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_undoing_a_match_is_for_those_who_may_change_the_need(world, role, visibility):
    user = world.users[role]
    need = world.needs[visibility]
    NeedToolMatch.objects.create(need=need, tool=world.outside_tool, decision="dismissed")
    allowed = visibility in UPDATES.get(role, set())

    _expect(
        _outcome(allowed, visibility in reads(role)),
        lambda: services.need_tool_match_undo(actor=user, need=need, tool=world.outside_tool),
    )
    assert NeedToolMatch.objects.filter(need=need).exists() is not allowed


# Who may co-sign a need of the owning organization, by the visibilities they may read:
# an editor or owner of another verified organization.
COSIGNERS = {"other_matching_sector", "other_editor", "other_sector"}


def _organization_of(world, user):
    membership = user.memberships.first() if getattr(user, "is_authenticated", False) else None
    return membership.organization if membership else world.law


@pytest.mark.parametrize("role", MATRIX_ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_cosigning_is_for_acting_members_of_another_verified_organization(world, role, visibility):
    user = world.users[role]
    need = world.needs[visibility]
    organization = _organization_of(world, user)
    visible = visibility in reads(role)
    allowed = role in COSIGNERS and visible

    assert permissions.can_cosign_need(user, need) == allowed
    _expect(
        _outcome(allowed, visible),
        lambda: services.need_cosign(
            actor=user, need=need, organization=organization, note="Us too"
        ),
    )
    assert NeedCosignature.objects.filter(need=need).count() == (1 if allowed else 0)


@pytest.mark.parametrize("role", MATRIX_ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_withdrawing_is_for_acting_members_of_the_cosigning_organization(world, role, visibility):
    user = world.users[role]
    need = world.needs[visibility]
    NeedCosignature.objects.create(need=need, organization=world.law)
    visible = visibility in reads(role)
    allowed = role in {"other_matching_sector", "other_editor", "administrator"} and visible

    _expect(
        _outcome(allowed, visible),
        lambda: services.need_cosign_withdraw(actor=user, need=need, organization=world.law),
    )
    assert NeedCosignature.objects.filter(need=need).exists() is not allowed


@pytest.mark.parametrize("role", MATRIX_ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_reviewing_a_pair_is_for_moderators_who_see_both_tools(world, role, visibility):
    verdict = "distinct" if visibility in ("registered", "private") else "duplicate"
    user = world.users[role]
    tool = world.tools[visibility]
    visible = visibility in reads(role)
    allowed = role in {"moderator", "administrator"} and visible

    review = _expect(
        _outcome(allowed, visible),
        lambda: services.tool_pair_review_record(
            actor=user, first=tool, second=world.outside_tool, verdict=verdict
        ),
    )
    assert ToolPairReview.objects.count() == (1 if allowed else 0)
    if allowed:
        assert review.verdict == verdict
        services.tool_pair_review_undo(actor=user, review=review)
        assert not ToolPairReview.objects.exists()


def test_a_suspended_organization_cannot_cosign_even_by_its_owner():
    need = NeedFactory()
    suspended = OrganizationFactory(verification_status="suspended")
    owner = MembershipFactory(organization=suspended, role="owner").user

    assert permissions.cosigning_organization_ids(owner, need) == []
    with pytest.raises(PermissionDenied):
        services.need_cosign(actor=owner, need=need, organization=suspended)


def test_a_member_of_both_organizations_cosigns_only_for_the_other_one():
    need = NeedFactory()
    other = OrganizationFactory()
    user = MembershipFactory(organization=need.organization, role="owner").user
    MembershipFactory(organization=other, role="editor", user=user)

    assert permissions.cosigning_organization_ids(user, need) == [other.pk]
    with pytest.raises(ValidationError) as error:
        services.need_cosign(actor=user, need=need, organization=need.organization)
    assert "organization" in error.value.message_dict
    services.need_cosign(actor=user, need=need, organization=other)
    assert NeedCosignature.objects.get(need=need).organization == other


def test_cosigning_someone_elses_organization_is_a_field_error():
    need = NeedFactory()
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    user = MembershipFactory(organization=mine, role="editor").user

    with pytest.raises(ValidationError) as error:
        services.need_cosign(actor=user, need=need, organization=theirs)
    assert "organization" in error.value.message_dict
    assert not NeedCosignature.objects.exists()


def test_only_open_needs_are_cosigned_and_the_note_is_bounded():
    need = NeedFactory(status="met")
    org = OrganizationFactory()
    user = MembershipFactory(organization=org, role="editor").user

    with pytest.raises(ValidationError):
        services.need_cosign(actor=user, need=need, organization=org)
    Need.objects.filter(pk=need.pk).update(status="open")
    need.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.need_cosign(actor=user, need=need, organization=org, note="x" * 501)
    assert "note" in error.value.message_dict
    assert not NeedCosignature.objects.exists()


# --- Idempotence, ordering and the change log -------------------------------------------------


def test_deciding_twice_writes_once_and_a_new_decision_replaces_the_old():
    need = NeedFactory()
    editor = MembershipFactory(organization=need.organization, role="editor").user
    tool = ToolFactory()

    first = services.need_tool_match_decide(
        actor=editor, need=need, tool=tool, decision="confirmed"
    )
    again = services.need_tool_match_decide(
        actor=editor, need=need, tool=tool, decision="confirmed"
    )
    assert first.pk == again.pk
    assert NeedToolMatch.objects.count() == 1
    logged = ChangeRecord.objects.filter(record_type="registry.needtoolmatch")
    assert list(logged.values_list("action", flat=True)) == ["created"]

    services.need_tool_match_decide(actor=editor, need=need, tool=tool, decision="dismissed")
    assert NeedToolMatch.objects.get().decision == "dismissed"
    assert sorted(logged.values_list("action", flat=True)) == ["created", "updated"]

    assert services.need_tool_match_undo(actor=editor, need=need, tool=tool) is True
    assert services.need_tool_match_undo(actor=editor, need=need, tool=tool) is False
    assert logged.filter(action="deleted").count() == 1


def test_an_unknown_decision_is_a_field_error(monkeypatch):
    need = NeedFactory()
    editor = MembershipFactory(organization=need.organization, role="editor").user
    scored = []
    monkeypatch.setattr(matching_selectors, "suggestion_score", lambda *a: scored.append(a))

    with pytest.raises(ValidationError) as error:
        services.need_tool_match_decide(
            actor=editor, need=need, tool=ToolFactory(), decision="maybe"
        )
    assert "decision" in error.value.message_dict
    assert not NeedToolMatch.objects.exists()
    assert scored == []  # the engine is not run for a decision that cannot be stored


def test_a_decision_on_a_tool_the_editor_cannot_see_is_refused_as_missing():
    need = NeedFactory()
    editor = MembershipFactory(organization=need.organization, role="editor").user
    hidden = ToolFactory(visibility="private")

    with pytest.raises(Tool.DoesNotExist):
        services.need_tool_match_decide(actor=editor, need=need, tool=hidden, decision="confirmed")


def test_pair_order_is_normalised_and_a_second_verdict_replaces_the_first():
    moderator = UserFactory(groups=["moderator"])
    low, high = ToolFactory(), ToolFactory()
    assert low.pk < high.pk

    review = services.tool_pair_review_record(
        actor=moderator, first=high, second=low, verdict="distinct", note="Different users."
    )
    assert (review.first_tool, review.second_tool) == (low, high)
    again = services.tool_pair_review_record(
        actor=moderator, first=low, second=high, verdict="distinct"
    )
    assert again.pk == review.pk and again.note == "Different users."
    services.tool_pair_review_record(actor=moderator, first=high, second=low, verdict="duplicate")

    stored = ToolPairReview.objects.get()
    assert (stored.first_tool_id, stored.second_tool_id, stored.verdict) == (
        low.pk,
        high.pk,
        "duplicate",
    )
    logged = ChangeRecord.objects.filter(record_type="registry.toolpairreview")
    assert sorted(logged.values_list("action", flat=True)) == ["created", "updated"]


def test_a_tool_is_not_its_own_duplicate():
    moderator = UserFactory(groups=["moderator"])
    tool = ToolFactory()

    with pytest.raises(ValidationError):
        services.tool_pair_review_record(
            actor=moderator, first=tool, second=tool, verdict="duplicate"
        )
    assert not ToolPairReview.objects.exists()


def test_cosigning_twice_keeps_one_signature_and_updates_the_note(
    django_capture_on_commit_callbacks,
):
    need = NeedFactory()
    org = OrganizationFactory()
    user = MembershipFactory(organization=org, role="owner").user
    MembershipFactory(organization=need.organization, role="owner")

    with django_capture_on_commit_callbacks(execute=False):
        first = services.need_cosign(actor=user, need=need, organization=org)
        second = services.need_cosign(actor=user, need=need, organization=org, note="Also in Lima.")

    assert first.pk == second.pk
    assert NeedCosignature.objects.get().note == "Also in Lima."
    assert OutboxMessage.objects.count() == 1


# --- Notifications --------------------------------------------------------------------------


def test_the_need_organization_deciders_are_told_once(django_capture_on_commit_callbacks):
    need = NeedFactory(title="Shelter referrals")
    owner = MembershipFactory(organization=need.organization, role="owner").user
    editor = MembershipFactory(organization=need.organization, role="editor").user
    MembershipFactory(organization=need.organization, role="viewer")
    signer_org = OrganizationFactory(name="Harbour House")
    signer = MembershipFactory(organization=signer_org, role="editor").user

    with django_capture_on_commit_callbacks(execute=False):
        services.need_cosign(actor=signer, need=need, organization=signer_org, note="Same here")
        services.need_cosign_withdraw(actor=signer, need=need, organization=signer_org)
        services.need_cosign(actor=signer, need=need, organization=signer_org)

    messages = OutboxMessage.objects.order_by("recipient")
    assert sorted(m.user_id for m in messages) == sorted([owner.pk, editor.pk])
    assert {m.kind for m in messages} == {Kind.NEED_COSIGNED}
    assert not any(signer.email in m.subject + m.body for m in messages)
    assert all("Harbour House" in m.subject and "Shelter referrals" in m.subject for m in messages)
    assert all("Same here" in m.body for m in messages)


def test_a_failed_cosign_queues_nothing():
    need = NeedFactory(status="closed")
    MembershipFactory(organization=need.organization, role="owner")
    org = OrganizationFactory()
    user = MembershipFactory(organization=org, role="owner").user

    with pytest.raises(ValidationError):
        with transaction.atomic():
            services.need_cosign(actor=user, need=need, organization=org)
    assert not OutboxMessage.objects.exists()


def test_the_weekly_digest_never_proposes_a_dismissed_tool():
    ngo = OrganizationFactory(name="Shelter Network")
    member = MembershipFactory(organization=ngo, role="editor").user
    need = NeedFactory(organization=ngo, functions=["information_sharing"])
    maker = OrganizationFactory()
    kept = ToolFactory(organization=maker, name="Kept Bridge", functions=["information_sharing"])
    dismissed = ToolFactory(
        organization=maker, name="Dismissed Bridge", functions=["information_sharing"]
    )
    services.need_tool_match_decide(actor=member, need=need, tool=dismissed, decision="dismissed")

    assert events.need_digests_send(timezone.now()) == 1
    body = OutboxMessage.objects.get(kind=Kind.NEED_DIGEST).body
    assert kept.name in body
    assert dismissed.name not in body


def test_no_digest_when_every_new_tool_was_dismissed():
    ngo = OrganizationFactory()
    member = MembershipFactory(organization=ngo, role="editor").user
    need = NeedFactory(organization=ngo, functions=["information_sharing"])
    tool = ToolFactory(functions=["information_sharing"])
    services.need_tool_match_decide(actor=member, need=need, tool=tool, decision="dismissed")

    assert events.need_digests_send(timezone.now()) == 0


# --- Reads ----------------------------------------------------------------------------------

TEXT = "Secure referral sharing between shelters and police for trafficking survivors."


@pytest.fixture
def need_with_candidates():
    need = NeedFactory(title="Referral sharing for shelters", description=TEXT)
    editor = MembershipFactory(organization=need.organization, role="editor").user
    tools = [
        ToolFactory(
            name=f"Referral Bridge {n}",
            summary="Referral sharing between shelters and police.",
            description=TEXT,
            functions=["information_sharing"],
        )
        for n in range(3)
    ]
    return need, editor, tools


def test_a_dismissed_tool_is_never_suggested_again(need_with_candidates):
    need, editor, tools = need_with_candidates
    before = page_selectors.tools_meeting_need(editor, need)
    assert tools[0] in [row.tool for row in before.suggested]

    services.need_tool_match_decide(actor=editor, need=need, tool=tools[0], decision="dismissed")

    for reader in (editor, UserFactory(), None):
        after = page_selectors.tools_meeting_need(reader, need)
        assert tools[0] not in [row.tool for row in after.listed]
    with_dismissed = page_selectors.tools_meeting_need(editor, need, with_dismissed=True)
    assert [row.tool for row in with_dismissed.dismissed] == [tools[0]]


def test_a_decision_keeps_the_score_the_editor_was_shown(need_with_candidates):
    need, editor, tools = need_with_candidates
    unrelated = ToolFactory(name="Payroll Ledger", summary="Accounting for small charities.")
    # The best match, whose words set the scale of the others' lexical scores.
    best = ToolFactory(
        name="Referral Sharing for Shelters",
        summary="Secure referral sharing for shelters, police and trafficking survivors.",
        description=f"{TEXT} {TEXT} Referral sharing for shelters.",
        functions=["information_sharing"],
    )

    def shown() -> dict:
        found = page_selectors.tools_meeting_need(editor, need).suggested
        return {row.tool: row.score for row in found}

    first = shown()
    assert best in first and unrelated not in first
    kept = services.need_tool_match_decide(actor=editor, need=need, tool=best, decision="dismissed")
    assert kept.score == pytest.approx(first[best])
    # Once a tool is decided, the others are scored without it, on the page as in the record.
    second = shown()
    assert second[tools[1]] != pytest.approx(first[tools[1]])
    kept = services.need_tool_match_decide(
        actor=editor, need=need, tool=tools[1], decision="confirmed"
    )
    assert kept.score == pytest.approx(second[tools[1]])
    # A tool the engine does not rank for the need has no score to keep.
    assert (
        services.need_tool_match_decide(
            actor=editor, need=need, tool=unrelated, decision="dismissed"
        ).score
        is None
    )
    # A score given by the caller is kept as given.
    given = services.need_tool_match_decide(
        actor=editor, need=need, tool=tools[2], decision="dismissed", score=0.5
    )
    assert given.score == 0.5


def test_the_engine_failing_does_not_stop_a_decision(need_with_candidates, monkeypatch):
    from registry import matching_selectors

    need, editor, tools = need_with_candidates

    def broken(*args, **kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr(matching_selectors, "suggestion_score", broken)
    kept = services.need_tool_match_decide(
        actor=editor, need=need, tool=tools[0], decision="confirmed"
    )
    assert kept.decision == "confirmed" and kept.score is None


def test_confirmed_tools_come_first_with_who_confirmed(need_with_candidates):
    need, editor, tools = need_with_candidates
    moderator = UserFactory(groups=["moderator"])
    services.need_tool_match_decide(actor=editor, need=need, tool=tools[2], decision="confirmed")
    services.need_tool_match_decide(actor=moderator, need=need, tool=tools[1], decision="confirmed")

    found = page_selectors.tools_meeting_need(None, need)
    assert {row.tool for row in found.listed[:2]} == {tools[1], tools[2]}
    labels = {row.tool: row.decided_by for row in found.confirmed}
    assert labels[tools[2]] == need.organization.name
    assert labels[tools[1]] != need.organization.name
    assert tools[1] not in [row.tool for row in found.suggested]
    assert found.dismissed == []


def test_a_confirmed_tool_the_reader_may_not_see_is_not_listed():
    need = NeedFactory()
    editor = MembershipFactory(organization=need.organization, role="editor").user
    private = ToolFactory(organization=need.organization, name="Inner Ledger", visibility="private")
    services.need_tool_match_decide(actor=editor, need=need, tool=private, decision="confirmed")

    assert [row.tool for row in page_selectors.tools_meeting_need(editor, need).confirmed] == [
        private
    ]
    for reader in (None, UserFactory(), UserFactory(groups=["moderator"])):
        found = page_selectors.tools_meeting_need(reader, need)
        assert private not in [row.tool for row in found.listed]
        assert not matching_selectors.visible_matches(reader, need).exists()


def test_cosigners_are_listed_and_counted_only_where_the_reader_sees_them():
    need = NeedFactory()
    shown = OrganizationFactory(name="Shown Org")
    suspended = OrganizationFactory(name="Gone Org", verification_status="suspended")
    NeedCosignature.objects.create(need=need, organization=shown)
    NeedCosignature.objects.create(need=need, organization=suspended)
    moderator = UserFactory(groups=["moderator"])

    for reader, expected in (
        (None, [shown]),
        (UserFactory(), [shown]),
        (moderator, [shown, suspended]),
    ):
        rows = matching_selectors.visible_cosignatures(reader, need)
        assert [c.organization for c in rows] == expected
        counted = matching_selectors.with_cosigner_counts(Need.objects.filter(pk=need.pk), reader)
        assert counted.get().cosigner_count == len(expected)


def test_a_duplicate_verdict_links_tools_only_for_readers_who_see_both():
    moderator = UserFactory(groups=["moderator"])
    first = ToolFactory(name="Ad Scanner")
    second = ToolFactory(name="Ad Scanner Again")
    private = ToolFactory(name="Private Scanner", visibility="private")
    admin = UserFactory(groups=["administrator"])
    services.tool_pair_review_record(
        actor=moderator, first=first, second=second, verdict="duplicate"
    )
    services.tool_pair_review_record(actor=admin, first=first, second=private, verdict="duplicate")

    links = matching_selectors.recorded_duplicates_of(None, first)
    assert [review.other for review in links] == [second]
    assert [r.other for r in matching_selectors.recorded_duplicates_of(None, second)] == [first]
    assert [r.other for r in matching_selectors.recorded_duplicates_of(admin, first)] == [
        second,
        private,
    ]
    services.tool_pair_review_record(
        actor=moderator, first=first, second=second, verdict="distinct"
    )
    assert matching_selectors.recorded_duplicates_of(None, first) == []


def test_reviewed_pairs_leave_the_duplicates_report(settings):
    from django.core.cache import cache

    settings.REGISTRY_EMBEDDINGS = True
    text = "Scans online sex advertisements to flag likely trafficking victims for police."
    moderator = UserFactory(groups=["moderator"])
    first = ToolFactory(name="Ad Victim Scanner", summary=text, description=text)
    second = ToolFactory(name="Ad Victim Scanner Pro", summary=text, description=text)
    cache.clear()
    pairs = page_selectors.duplicate_tools(moderator)
    assert {(p.first, p.second) for p in pairs} == {(first, second)}

    services.tool_pair_review_record(
        actor=moderator, first=second, second=first, verdict="distinct"
    )
    assert page_selectors.duplicate_tools(moderator) == []
    assert [r.first_tool for r in matching_selectors.reviewed_pairs(moderator)] == [first]
