"""Which events email whom: licences, co-signatures, verification, invitations, digests,
staleness."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.tasks import notify_verification_decision, send_invitation_email
from notifications import services
from notifications.models import Kind, OutboxMessage
from registry import notification_events as events
from registry import services as registry_services
from registry.models import Need, Tool
from registry.services import matching as matching_services
from registry.staleness import months_before
from tests.factories import (
    LicenseOfferFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a callable as a committed transaction would, delivering what it queued."""

    def _run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                return function(*args, **kwargs)

    return _run


def _member(organization, role, **user_fields):
    return MembershipFactory(
        organization=organization, role=role, user=UserFactory(**user_fields)
    ).user


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# --- Licences -------------------------------------------------------------------------------


@pytest.fixture
def licensing():
    offering = OrganizationFactory(name="Beacon Labs")
    owner, editor = _member(offering, "owner"), _member(offering, "editor")
    _member(offering, "viewer")
    requesting = OrganizationFactory(name="Safe Harbour", sector="ngo")
    requester = _member(requesting, "editor")
    requesting_owner = _member(requesting, "owner")
    _member(requesting, "viewer")
    offer = LicenseOfferFactory(tool=ToolFactory(organization=offering, name="Lantern"))
    return {
        "offer": offer,
        "offering_deciders": [owner, editor],
        "owner": owner,
        "requesting": requesting,
        "requester": requester,
        "requesting_owner": requesting_owner,
    }


def _request_licence(licensing):
    request = registry_services.license_request_create(
        actor=licensing["requester"],
        offer=licensing["offer"],
        organization=licensing["requesting"],
        message="For our shelters",
    )
    events.licence_request_created(request)
    return request


def test_a_licence_request_emails_each_owner_and_editor_of_the_offering_organization_once(
    run, licensing
):
    request = run(_request_licence, licensing)
    assert _recipients() == sorted(u.email for u in licensing["offering_deciders"])
    assert "Safe Harbour" in mail.outbox[0].subject
    assert "For our shelters" in mail.outbox[0].body
    run(events.licence_request_created, request)  # the same event again
    assert len(mail.outbox) == 2
    assert set(OutboxMessage.objects.values_list("dedupe_key", flat=True)) == {
        f"licence-request:{request.pk}:{u.pk}" for u in licensing["offering_deciders"]
    }


def test_a_licence_decision_emails_the_requester_and_the_requesting_deciders_once_each(
    run, licensing
):
    request = run(_request_licence, licensing)
    mail.outbox.clear()

    def decide():
        decided = registry_services.license_request_approve(
            actor=licensing["owner"], request=request, note="Welcome aboard"
        )
        events.licence_request_decided(decided)
        return decided

    run(decide)
    assert _recipients() == sorted(
        [licensing["requester"].email, licensing["requesting_owner"].email]
    )
    assert "Welcome aboard" in mail.outbox[0].body
    run(events.licence_request_decided, request)
    assert len(mail.outbox) == 2


def test_a_licence_request_skips_a_decider_who_switched_licence_requests_off(run, licensing):
    services.preference_set(user=licensing["owner"], kind=Kind.LICENCE_REQUEST, enabled=False)
    run(_request_licence, licensing)
    assert _recipients() == [licensing["offering_deciders"][1].email]


# --- Co-signatures of needs ------------------------------------------------------------------


@pytest.fixture
def cosigning():
    posting = OrganizationFactory(name="Harbour Shelter Network", sector="ngo")
    owner, editor = _member(posting, "owner"), _member(posting, "editor")
    _member(posting, "viewer")
    need = NeedFactory(organization=posting, title="Referral tracking across shelters")
    signing = OrganizationFactory(name="Coastal Workers Union", sector="ngo")
    signer = _member(signing, "editor")
    return {"need": need, "owner": owner, "editor": editor, "signing": signing, "signer": signer}


def _cosign(world, note=""):
    return matching_services.need_cosign(
        actor=world["signer"], need=world["need"], organization=world["signing"], note=note
    )


def test_a_cosignature_email_follows_its_own_switch_not_the_messages_one(run, cosigning):
    services.preference_set(user=cosigning["owner"], kind=Kind.NEED_COSIGNED, enabled=False)
    services.preference_set(user=cosigning["editor"], kind=Kind.CONTACT_MESSAGE, enabled=False)
    run(_cosign, cosigning)
    assert _recipients() == [cosigning["editor"].email]


# --- Accounts: verification and invitations -------------------------------------------------


def test_a_verification_decision_emails_each_member_once_per_decision(run):
    organization = OrganizationFactory(verification_status="pending")
    members = [_member(organization, role) for role in ("owner", "editor", "viewer")]
    moderator = UserFactory(groups=["moderator"])
    run(
        account_services.organization_decide,
        actor=moderator,
        organization=organization,
        status="verified",
    )
    assert _recipients() == sorted(m.email for m in members)
    run(notify_verification_decision.delay, organization.pk)  # a retried task
    assert len(mail.outbox) == 3
    organization.refresh_from_db()
    keys = set(OutboxMessage.objects.values_list("dedupe_key", flat=True))
    decided = organization.verification_decided_at.isoformat()
    assert keys == {f"verification:{organization.pk}:{decided}:{m.pk}" for m in members}
    # A later decision is a new event.
    run(
        account_services.organization_decide,
        actor=moderator,
        organization=organization,
        status="suspended",
        reason="Complaint under review",
    )
    assert len(mail.outbox) == 6
    assert "Complaint under review" in mail.outbox[-1].body


def test_an_invitation_goes_out_once_through_the_outbox_whoever_turned_what_off(run):
    owner = _member(OrganizationFactory(), "owner")
    invitee = UserFactory(email="invitee@example.org")
    services.preference_set(user=invitee, kind=Kind.LICENCE_REQUEST, enabled=False)
    invitation = run(
        account_services.invitation_create,
        actor=owner,
        organization=owner.memberships.get().organization,
        email="Invitee@example.org",
        accept_url_builder=lambda token: f"https://registry.test/invite/{token}/",
    )
    assert _recipients() == ["invitee@example.org"]
    message = OutboxMessage.objects.get()
    assert message.kind == Kind.INVITATION and message.dedupe_key == f"invitation:{invitation.pk}"
    assert account_services.invitation_token(invitation) in mail.outbox[0].body
    assert mail.outbox[0].body.rstrip().endswith(message.unsubscribe_url)
    run(send_invitation_email.delay, invitation.pk, "https://registry.test/invite/x/")
    assert len(mail.outbox) == 1


# --- Weekly digest --------------------------------------------------------------------------


@pytest.fixture
def digest_world():
    ngo = OrganizationFactory(name="Shelter Network", sector="ngo")
    ngo_owner, ngo_viewer = _member(ngo, "owner"), _member(ngo, "viewer")
    need = NeedFactory(
        organization=ngo, title="Referral sharing", functions=["information_sharing"]
    )
    police = OrganizationFactory(name="Police Unit", sector="law_enforcement")
    officer = _member(police, "editor")
    police_need = NeedFactory(organization=police, functions=["information_sharing"])
    maker = OrganizationFactory(name="Toolsmiths", sector="private_sector")
    public = ToolFactory(organization=maker, name="Open Bridge", functions=["information_sharing"])
    restricted = ToolFactory(
        organization=maker,
        name="Closed Vault",
        functions=["information_sharing"],
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
    )
    old = ToolFactory(organization=maker, name="Old Bridge", functions=["information_sharing"])
    ToolFactory(organization=maker, name="Other Function", functions=["case_management"])
    ToolFactory(organization=ngo, name="Our Own", functions=["information_sharing"])
    now = timezone.now()
    Tool.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=10))
    return {
        "now": now,
        "need": need,
        "ngo_members": [ngo_owner, ngo_viewer],
        "officer": officer,
        "police_need": police_need,
        "public": public,
        "restricted": restricted,
    }


def test_digest_lists_new_matching_tools_each_member_may_see(run, digest_world):
    run(events.need_digests_send, now=digest_world["now"])
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {u.email for u in digest_world["ngo_members"]} | {
        digest_world["officer"].email
    }
    for member in digest_world["ngo_members"]:
        body = by_recipient[member.email].body
        assert "Open Bridge" in body
        assert "Closed Vault" not in body  # restricted to law enforcement
        assert "Old Bridge" not in body and "Other Function" not in body
        assert "Our Own" not in body
    officer_body = by_recipient[digest_world["officer"].email].body
    assert "Open Bridge" in officer_body and "Closed Vault" in officer_body


def test_digest_is_sent_once_a_week_per_need_and_member(run, digest_world):
    run(events.need_digests_send, now=digest_world["now"])
    sent = len(mail.outbox)
    run(events.need_digests_send, now=digest_world["now"] + timedelta(minutes=5))
    assert len(mail.outbox) == sent == 3
    week = events.iso_week(digest_world["now"])
    member = digest_world["ngo_members"][0]
    assert OutboxMessage.objects.filter(
        dedupe_key=f"need-digest:{digest_world['need'].pk}:{week}:{member.pk}"
    ).exists()


def test_no_digest_for_a_closed_need_or_a_member_who_switched_it_off(run, digest_world):
    Need.objects.filter(pk=digest_world["police_need"].pk).update(status="closed")
    services.preference_set(
        user=digest_world["ngo_members"][1], kind=Kind.NEED_DIGEST, enabled=False
    )
    run(events.need_digests_send, now=digest_world["now"])
    assert _recipients() == [digest_world["ngo_members"][0].email]


def test_no_digest_when_no_tool_was_added_this_week(run, digest_world):
    run(events.need_digests_send, now=digest_world["now"] + timedelta(days=30))
    assert mail.outbox == []


# --- Staleness reminders --------------------------------------------------------------------


def test_reminders_go_to_the_owners_and_editors_of_stale_tools_only_and_not_twice(run):
    now = timezone.now()
    owning = OrganizationFactory()
    owner, editor = _member(owning, "owner"), _member(owning, "editor")
    _member(owning, "viewer")
    stale = ToolFactory(organization=owning, last_reviewed_at=months_before(now, 13))
    ToolFactory(organization=owning, last_reviewed_at=months_before(now, 11))
    ToolFactory(
        organization=owning, last_reviewed_at=months_before(now, 30), maturity="discontinued"
    )
    other = OrganizationFactory()
    other_owner = _member(other, "owner")
    ToolFactory(organization=other, last_reviewed_at=months_before(now, 2))

    run(events.stale_tool_reminders_send, now=now)
    assert _recipients() == sorted([owner.email, editor.email])
    assert all(stale.name in m.subject for m in mail.outbox)
    run(events.stale_tool_reminders_send, now=now + timedelta(days=1))
    assert len(mail.outbox) == 2
    assert other_owner.email not in _recipients()


def test_confirming_a_tool_starts_a_new_review_period(run):
    now = timezone.now()
    owner = _member(OrganizationFactory(), "owner")
    tool = ToolFactory(
        organization=owner.memberships.get().organization,
        last_reviewed_at=months_before(now, 14),
    )
    run(events.stale_tool_reminders_send, now=now)
    assert len(mail.outbox) == 1
    registry_services.tool_mark_reviewed(actor=owner, tool=tool)
    run(events.stale_tool_reminders_send, now=now + timedelta(days=1))
    assert len(mail.outbox) == 1  # current again
    run(events.stale_tool_reminders_send, now=now + timedelta(days=400))
    assert len(mail.outbox) == 2


def test_open_needs_unchanged_for_a_year_get_a_confirm_or_close_reminder_once(run):
    now = timezone.now()
    organization = OrganizationFactory()
    owner = _member(organization, "owner")
    _member(organization, "viewer")
    need = NeedFactory(organization=organization, title="Hotline translation")
    NeedFactory(organization=organization)  # recently changed
    Need.objects.filter(pk=need.pk).update(updated_at=months_before(now, 13))
    run(events.stale_need_reminders_send, now=now)
    run(events.stale_need_reminders_send, now=now + timedelta(days=1))
    assert _recipients() == [owner.email]
    assert "Hotline translation" in mail.outbox[0].subject
