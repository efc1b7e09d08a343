"""Decisions people take on what the overlap engine suggests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NeedToolMatch(models.Model):
    """An editor's decision on a tool suggested for a need: it meets the need, or it does not.

    Dismissed tools are not suggested for the need again; confirmed ones are listed first."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        # A report is dismissed too (community), but some languages word the two apart.
        DISMISSED = "dismissed", pgettext_lazy("tool suggested for a need", "Dismissed")

    need = models.ForeignKey("registry.Need", on_delete=models.CASCADE, related_name="tool_matches")
    tool = models.ForeignKey("registry.Tool", on_delete=models.CASCADE, related_name="need_matches")
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    score = models.FloatField(_("score when decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("need–tool match")
        verbose_name_plural = _("need–tool matches")
        constraints = [
            models.UniqueConstraint(fields=["need", "tool"], name="need_tool_match_once"),
            models.CheckConstraint(
                condition=Q(decision__in=["confirmed", "dismissed"]),
                name="need_tool_match_decision_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} / {self.tool}: {self.decision}"


class ToolPairReview(models.Model):
    """A moderator's verdict on two tools the duplicates report put side by side.

    The pair is stored once, lower id first. A `duplicate` verdict links the two entries;
    a `distinct` verdict keeps the pair out of the report from then on."""

    class Verdict(models.TextChoices):
        DUPLICATE = "duplicate", _("Duplicate entries")
        DISTINCT = "distinct", _("Different tools")

    first_tool = models.ForeignKey(
        "registry.Tool", on_delete=models.CASCADE, related_name="pair_reviews_as_first"
    )
    second_tool = models.ForeignKey(
        "registry.Tool", on_delete=models.CASCADE, related_name="pair_reviews_as_second"
    )
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("tool pair review")
        verbose_name_plural = _("tool pair reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["first_tool", "second_tool"], name="tool_pair_review_once"
            ),
            models.CheckConstraint(
                condition=Q(first_tool__lt=F("second_tool")), name="tool_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=["duplicate", "distinct"]),
                name="tool_pair_verdict_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_tool} / {self.second_tool}: {self.verdict}"


class NeedCosignature(models.Model):
    """Another organization that has the same need and joins it as a co-signer."""

    need = models.ForeignKey("registry.Need", on_delete=models.CASCADE, related_name="cosignatures")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="cosigned_needs"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("co-signature")
        verbose_name_plural = _("co-signatures")
        constraints = [
            models.UniqueConstraint(fields=["need", "organization"], name="need_cosigned_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization} co-signs {self.need}"
