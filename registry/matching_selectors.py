"""Reads of need-tool matches, co-signatures and duplicate reviews.

Every function starts from registry.selectors (and so from accounts.permissions.restrict):
a decision, a co-signature or a pair review is shown only when the reader may see every
record it joins, and counts are taken over those rows only, so none betrays a hidden record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Membership, Organization
from registry import selectors
from registry.models import Need, Tool
from registry.models.matching import NeedCosignature, NeedToolMatch, ToolPairReview

REVIEWED_PAIRS_SHOWN = 50


# --- Tools that may meet a need --------------------------------------------------------------


@dataclass(frozen=True)
class ToolForNeed:
    """A tool listed on a need's page: confirmed, dismissed, or suggested by the engine."""

    tool: Tool
    decision: str = ""  # "confirmed", "dismissed", or "" for a suggestion
    decided_by: str = ""  # who confirmed or dismissed it, as shown to the reader
    decided_at: object = None
    score: float | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.tool.slug

    @property
    def name(self) -> str:
        return self.tool.name

    @property
    def is_suggestion(self) -> bool:
        return not self.decision


@dataclass(frozen=True)
class ToolsForNeed:
    confirmed: list[ToolForNeed] = field(default_factory=list)
    suggested: list[ToolForNeed] = field(default_factory=list)
    # Only for those who may decide (they may undo a dismissal).
    dismissed: list[ToolForNeed] = field(default_factory=list)

    @property
    def listed(self) -> list[ToolForNeed]:
        """Confirmed tools first, then suggestions."""
        return [*self.confirmed, *self.suggested]

    def __bool__(self) -> bool:
        return bool(self.confirmed or self.suggested or self.dismissed)


def visible_matches(user, need: Need) -> QuerySet[NeedToolMatch]:
    """Decisions on `need` whose tool `user` may see (the need is assumed visible)."""
    return (
        NeedToolMatch.objects.filter(
            need=need, tool__in=selectors.tools_visible_to(user).values("pk")
        )
        .select_related("tool", "tool__organization")
        .order_by("-decided_at", "-pk")
    )


def _decider_labels(need: Need, matches: list[NeedToolMatch]) -> dict[int, str]:
    """Who took each decision, as the page names them: the need's organization when one of
    its members decided, else the moderators."""
    user_ids = {m.decided_by_id for m in matches if m.decided_by_id}
    members = set(
        Membership.objects.filter(
            organization_id=need.organization_id, user_id__in=user_ids
        ).values_list("user_id", flat=True)
    )
    labels = {}
    for match in matches:
        if match.decided_by_id is None or match.decided_by_id in members:
            labels[match.pk] = need.organization.name
        else:
            labels[match.pk] = _("the registry's moderators")
    return labels


def _row(match: NeedToolMatch, label: str) -> ToolForNeed:
    return ToolForNeed(
        tool=match.tool,
        decision=match.decision,
        decided_by=label,
        decided_at=match.decided_at,
        score=match.score,
    )


def decision_row(need: Need, match: NeedToolMatch) -> ToolForNeed:
    """One decision as the need's page and the API show it."""
    return _row(match, _decider_labels(need, [match])[match.pk])


def _need_draft(need: Need):
    from registry.overlap import Draft

    return Draft(
        kind="need",
        title=need.title,
        description=need.description,
        functions=tuple(need.facet_codes("functions")),
        trafficking_types=tuple(need.facet_codes("trafficking_types")),
        target_users=tuple(need.facet_codes("target_users")),
        regions=tuple(need.facet_codes("regions")),
    )


def _suggestions(user, need: Need, exclude_ids, limit: int) -> list[ToolForNeed]:
    from registry.overlap import find_overlaps

    exclude = [need, *(Tool(pk=pk) for pk in sorted(exclude_ids))]
    matches = find_overlaps(_need_draft(need), user=user, limit=limit * 2, exclude=exclude)
    return [
        ToolForNeed(tool=m.record, score=m.score, reasons=list(m.reasons))
        for m in matches
        if m.type == "tool"
    ][:limit]


def suggestion_score(user, need: Need, tool: Tool) -> float | None:
    """The score the overlap engine gives `tool` among the need's suggestions as `user` sees
    them (the engine's scores depend on the other candidates, so the tools already decided
    on are left out, as on the need's page), or None when the engine does not rank it."""
    from registry.overlap import find_overlaps
    from registry.overlap.engine import MAX_LIMIT

    decided = NeedToolMatch.objects.filter(need=need).exclude(tool=tool)
    exclude = [need, *(Tool(pk=pk) for pk in sorted(decided.values_list("tool_id", flat=True)))]
    matches = find_overlaps(_need_draft(need), user=user, limit=MAX_LIMIT, exclude=exclude)
    return next((m.score for m in matches if m.type == "tool" and m.record.pk == tool.pk), None)


def tools_for_need(user, need: Need, *, limit: int, with_dismissed: bool = False) -> ToolsForNeed:
    """Confirmed tools, then the engine's suggestions (no tool already decided on, so a
    dismissed tool never comes back), and with `with_dismissed` the dismissed ones."""
    visible = list(visible_matches(user, need))
    labels = _decider_labels(need, visible)
    rows = [_row(m, labels[m.pk]) for m in visible]
    confirmed = [r for r in rows if r.decision == NeedToolMatch.Decision.CONFIRMED]
    dismissed = [r for r in rows if r.decision == NeedToolMatch.Decision.DISMISSED]
    # Every decided tool is left out of the suggestions, visible to this reader or not.
    decided_ids = NeedToolMatch.objects.filter(need=need).values_list("tool_id", flat=True)
    return ToolsForNeed(
        confirmed=confirmed,
        suggested=_suggestions(user, need, set(decided_ids), limit),
        dismissed=dismissed if with_dismissed else [],
    )


# --- Co-signatures ---------------------------------------------------------------------------


def visible_cosignatures(user, need: Need) -> QuerySet[NeedCosignature]:
    """Co-signatures of `need` by organizations `user` may see, oldest first."""
    return (
        NeedCosignature.objects.filter(
            need=need,
            organization__in=selectors.organizations_visible_to(user).values("pk"),
        )
        .select_related("organization")
        .order_by("created_at", "pk")
    )


def cosigning_choices(user, need: Need) -> list[Organization]:
    """The organizations `user` may co-sign `need` for, by name."""
    ids = permissions.cosigning_organization_ids(user, need)
    if not ids:
        return []
    return list(Organization.objects.filter(pk__in=ids).order_by("name", "pk"))


@dataclass(frozen=True)
class CosigningState:
    """The "we have this need too" panel of a need's page."""

    cosignatures: list[NeedCosignature]
    # The reader's organizations that may sign, and those of them that already did.
    choices: list[Organization]
    signed: list[Organization]

    @property
    def unsigned(self) -> list[Organization]:
        signed = {org.pk for org in self.signed}
        return [org for org in self.choices if org.pk not in signed]


def cosigning_state(user, need: Need) -> CosigningState:
    cosignatures = list(visible_cosignatures(user, need))
    choices = cosigning_choices(user, need)
    # The reader's own organizations' signatures (they may withdraw them), even where the
    # organization has since lost its verification.
    context = permissions.access_context(user)
    acting = set(context.orgs_allowing(permissions.ACT_FOR_ORGANIZATION))
    signed = [c.organization for c in cosignatures if c.organization_id in acting]
    return CosigningState(cosignatures=cosignatures, choices=choices, signed=signed)


def with_cosigner_counts(needs: QuerySet[Need], user) -> QuerySet[Need]:
    """`needs` annotated with `cosigner_count`: co-signing organizations `user` may see."""
    counts = (
        NeedCosignature.objects.filter(
            need=OuterRef("pk"),
            organization__in=selectors.organizations_visible_to(user).values("pk"),
        )
        .order_by()
        .values("need")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return needs.annotate(
        cosigner_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
    )


# --- Duplicate reviews -----------------------------------------------------------------------


def reviewed_pair_keys(tool_ids) -> set[tuple[int, int]]:
    """(lower id, higher id) of every reviewed pair among `tool_ids`."""
    tool_ids = list(tool_ids)
    return set(
        ToolPairReview.objects.filter(
            first_tool_id__in=tool_ids, second_tool_id__in=tool_ids
        ).values_list("first_tool_id", "second_tool_id")
    )


def visible_pair_reviews(user) -> QuerySet[ToolPairReview]:
    """Verdicts on pairs whose two tools `user` may both see, newest first."""
    visible = selectors.tools_visible_to(user).values("pk")
    return (
        ToolPairReview.objects.filter(first_tool__in=visible, second_tool__in=visible)
        .select_related(
            "first_tool", "second_tool", "first_tool__organization", "second_tool__organization"
        )
        .order_by("-decided_at", "-pk")
    )


def reviewed_pairs(user, limit: int = REVIEWED_PAIRS_SHOWN) -> list[ToolPairReview]:
    return list(visible_pair_reviews(user)[:limit])


def recorded_duplicates_of(user, tool: Tool) -> list[ToolPairReview]:
    """`duplicate` verdicts naming `tool`, where `user` may see both tools; each review
    carries `other`: the tool on the other side."""
    reviews = list(
        visible_pair_reviews(user)
        .filter(verdict=ToolPairReview.Verdict.DUPLICATE)
        .filter(Q(first_tool=tool) | Q(second_tool=tool))
    )
    for review in reviews:
        review.other = review.second_tool if review.first_tool_id == tool.pk else review.first_tool
    return sorted(reviews, key=lambda r: (r.other.name.casefold(), r.other.pk))
