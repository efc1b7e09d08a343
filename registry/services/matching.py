"""Decisions on what the overlap engine suggests, and co-signatures of needs.

- An editor of a need confirms that a suggested tool meets it, or dismisses it (a dismissed
  tool is never suggested for that need again); either decision can be undone.
- A member acting for another verified organization co-signs a need ("we have this need
  too"), with an optional note, and may withdraw; the need's organization is told by email.
- A moderator records a verdict on a pair of the duplicates report (`duplicate` links the two
  tools, `distinct` keeps the pair out of the report), and may undo it.

Every function is keyword-only, validates with full_clean, runs in one transaction, asks
accounts.permissions, and logs the write in the change log. A record the actor may not read
raises its model's DoesNotExist (a 404 for the caller); one they read but may not act on
raises PermissionDenied (403). Repeating a write (a double submit) changes nothing more.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Organization
from accounts.roles import Action
from core import taxonomy
from core.errors import PermissionDenied
from registry.history import record_change, snapshot
from registry.models import Need, Tool
from registry.models.matching import NeedCosignature, NeedToolMatch, ToolPairReview

logger = logging.getLogger(__name__)

Decision = NeedToolMatch.Decision
Verdict = ToolPairReview.Verdict


def _require_visible(actor, record) -> None:
    """The caller must not learn that a record it may not read exists."""
    if actor is not None and not permissions.can(actor, Action.VIEW, record):
        raise type(record).DoesNotExist


def _require_decider(actor, need: Need) -> None:
    _require_visible(actor, need)
    if actor is not None and not permissions.can_decide_need_match(actor, need):
        raise PermissionDenied(_("Only editors of this need decide which tools meet it."))


def _actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _create_once(model, lookup: dict, values: dict):
    """Create the row, or return the one a concurrent request created first (unique
    constraint): a double submit never fails and never writes twice."""
    try:
        with transaction.atomic():
            return model.objects.create(**lookup, **values), True
    except IntegrityError:
        existing = model.objects.select_for_update().filter(**lookup).first()
        if existing is None:
            raise
        return existing, False


# --- Need-tool matches ----------------------------------------------------------------------


def need_tool_match_decide(
    *, actor, need: Need, tool: Tool, decision: str, score: float | None = None
) -> NeedToolMatch:
    """Confirm (`confirmed`) or dismiss (`dismissed`) `tool` for `need`; a new decision on
    the same pair replaces the previous one. `score` defaults to the score the overlap engine
    gives the tool among the need's suggestions as the actor sees them (None when it does not
    rank the tool): kept so that the engine can be checked against what people decided."""
    _require_decider(actor, need)
    _require_visible(actor, tool)
    if (
        score is None
        and decision in NeedToolMatch.Decision.values  # a bad one fails in the write below
        and not NeedToolMatch.objects.filter(need=need, tool=tool, decision=decision).exists()
    ):
        # Outside the write's transaction and its row lock: the engine reads much.
        score = _suggestion_score(actor, need, tool)
    return _need_tool_match_write(actor=actor, need=need, tool=tool, decision=decision, score=score)


def _suggestion_score(actor, need: Need, tool: Tool) -> float | None:
    """The engine's score for the pair, or None: the score is a record for later checks,
    and a failure of the engine must not stop the decision."""
    from registry.matching_selectors import suggestion_score

    try:
        return suggestion_score(actor, need, tool)
    except Exception:
        logger.exception("No overlap score for need %s and tool %s", need.pk, tool.pk)
        return None


@transaction.atomic
def _need_tool_match_write(
    *, actor, need: Need, tool: Tool, decision: str, score: float | None
) -> NeedToolMatch:
    _require_decider(actor, need)
    _require_visible(actor, tool)
    candidate = NeedToolMatch(
        need=need,
        tool=tool,
        decision=decision,
        score=score,
        decided_by=_actor_or_none(actor),
        decided_at=timezone.now(),
    )
    candidate.full_clean(exclude=["need", "tool"], validate_unique=False)
    existing = NeedToolMatch.objects.select_for_update().filter(need=need, tool=tool).first()
    if existing is None:
        match, created = _create_once(
            NeedToolMatch,
            {"need": need, "tool": tool},
            {
                "decision": decision,
                "score": score,
                "decided_by": candidate.decided_by,
                "decided_at": candidate.decided_at,
            },
        )
        if created:
            record_change(actor=actor, record=match, action="created")
            return match
        existing = match
    if existing.decision == decision:
        return existing  # the same decision again: nothing changes
    before = snapshot(existing)
    existing.decision = decision
    existing.score = score if score is not None else existing.score
    existing.decided_by = candidate.decided_by
    existing.decided_at = candidate.decided_at
    existing.full_clean(validate_unique=False)
    existing.save()
    record_change(actor=actor, record=existing, action="updated", before=before)
    return existing


@transaction.atomic
def need_tool_match_undo(*, actor, need: Need, tool: Tool) -> bool:
    """Forget the decision on `tool` for `need` (it may be suggested again). Returns whether
    there was a decision to forget."""
    _require_decider(actor, need)
    _require_visible(actor, tool)
    match = NeedToolMatch.objects.select_for_update().filter(need=need, tool=tool).first()
    if match is None:
        return False
    record_change(actor=actor, record=match, action="deleted", before=snapshot(match))
    match.delete()
    return True


# --- Co-signatures --------------------------------------------------------------------------


@transaction.atomic
def need_cosign(
    *, actor, need: Need, organization: Organization, note: str = ""
) -> NeedCosignature:
    """`organization` joins `need` as a co-signer. Signing again only updates the note."""
    _require_visible(actor, need)
    if actor is not None:
        allowed = permissions.cosigning_organization_ids(actor, need)
        if not allowed:
            raise PermissionDenied(
                _("Only editors and owners of another verified organization co-sign a need.")
            )
        if organization.pk not in allowed:
            if organization.pk == need.organization_id:
                message = _("An organization does not co-sign its own need.")
            else:
                message = _("You may not co-sign on behalf of this organization.")
            raise ValidationError({"organization": message})
    elif organization.pk == need.organization_id:
        raise ValidationError({"organization": _("An organization does not co-sign its own need.")})
    note = (note or "").strip()
    existing = (
        NeedCosignature.objects.select_for_update()
        .filter(need=need, organization=organization)
        .first()
    )
    if existing is not None:
        if note and note != existing.note:
            before = snapshot(existing)
            existing.note = note
            existing.full_clean(validate_unique=False)
            existing.save(update_fields=["note"])
            record_change(actor=actor, record=existing, action="updated", before=before)
        return existing
    if need.status != taxonomy.NeedStatus.OPEN:
        raise ValidationError(_("Only open needs can be co-signed."))
    candidate = NeedCosignature(
        need=need, organization=organization, signed_by=_actor_or_none(actor), note=note
    )
    candidate.full_clean(exclude=["need", "organization"], validate_unique=False)
    cosignature, created = _create_once(
        NeedCosignature,
        {"need": need, "organization": organization},
        {"signed_by": candidate.signed_by, "note": note, "created_at": candidate.created_at},
    )
    if created:
        record_change(actor=actor, record=cosignature, action="created")
        from registry.notification_events import need_cosigned

        need_cosigned(cosignature)
    return cosignature


@transaction.atomic
def need_cosign_withdraw(*, actor, need: Need, organization: Organization) -> bool:
    """`organization` withdraws its co-signature. Returns whether there was one."""
    _require_visible(actor, need)
    if actor is not None and not permissions.can_withdraw_cosignature(actor, organization):
        raise PermissionDenied(
            _("Only editors and owners of the co-signing organization withdraw its signature.")
        )
    cosignature = (
        NeedCosignature.objects.select_for_update()
        .filter(need=need, organization=organization)
        .first()
    )
    if cosignature is None:
        return False
    record_change(actor=actor, record=cosignature, action="deleted", before=snapshot(cosignature))
    cosignature.delete()
    return True


# --- Duplicate reviews ----------------------------------------------------------------------


def ordered_pair(first: Tool, second: Tool) -> tuple[Tool, Tool]:
    """The pair as stored: lower id first."""
    return (first, second) if first.pk < second.pk else (second, first)


def _require_reviewer(actor, first: Tool, second: Tool) -> None:
    _require_visible(actor, first)
    _require_visible(actor, second)
    if actor is not None and not permissions.can_review_tool_pair(actor):
        raise PermissionDenied(_("Only moderators review possible duplicates."))


@transaction.atomic
def tool_pair_review_record(
    *, actor, first: Tool, second: Tool, verdict: str, note: str = ""
) -> ToolPairReview:
    """Record that two tools are the same entry twice (`duplicate`) or different tools
    (`distinct`). The order of the two does not matter; a new verdict replaces the old one."""
    _require_reviewer(actor, first, second)
    if first.pk == second.pk:
        raise ValidationError({"second_tool": _("A tool cannot be a duplicate of itself.")})
    first, second = ordered_pair(first, second)
    note = (note or "").strip()
    candidate = ToolPairReview(
        first_tool=first,
        second_tool=second,
        verdict=verdict,
        note=note,
        decided_by=_actor_or_none(actor),
        decided_at=timezone.now(),
    )
    candidate.full_clean(exclude=["first_tool", "second_tool"], validate_unique=False)
    existing = (
        ToolPairReview.objects.select_for_update()
        .filter(first_tool=first, second_tool=second)
        .first()
    )
    if existing is None:
        review, created = _create_once(
            ToolPairReview,
            {"first_tool": first, "second_tool": second},
            {
                "verdict": verdict,
                "note": note,
                "decided_by": candidate.decided_by,
                "decided_at": candidate.decided_at,
            },
        )
        if created:
            record_change(actor=actor, record=review, action="created")
            return review
        existing = review
    if existing.verdict == verdict and (not note or note == existing.note):
        return existing
    before = snapshot(existing)
    existing.verdict = verdict
    existing.note = note or existing.note
    existing.decided_by = candidate.decided_by
    existing.decided_at = candidate.decided_at
    existing.full_clean(validate_unique=False)
    existing.save()
    record_change(actor=actor, record=existing, action="updated", before=before)
    return existing


@transaction.atomic
def tool_pair_review_undo(*, actor, review: ToolPairReview) -> None:
    """Forget a verdict: the pair may come back to the duplicates report."""
    _require_reviewer(actor, review.first_tool, review.second_tool)
    record_change(actor=actor, record=review, action="deleted", before=snapshot(review))
    review.delete()


__all__ = [
    "need_cosign",
    "need_cosign_withdraw",
    "need_tool_match_decide",
    "need_tool_match_undo",
    "ordered_pair",
    "tool_pair_review_record",
    "tool_pair_review_undo",
]
