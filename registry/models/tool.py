"""Tools: the anti-trafficking technology the registry catalogues."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import taxonomy

from .facets import FacetedRecord

SUMMARY_MAX_LENGTH = 160


class VisibleRecord(models.Model):
    """Fields every record with a visibility level carries."""

    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=taxonomy.Visibility.choices,
        default=taxonomy.Visibility.PUBLIC,
        db_index=True,
    )
    restricted_to_sectors = models.ManyToManyField(
        "registry.Sector",
        verbose_name=_("restricted to sectors"),
        blank=True,
        related_name="+",
    )
    # A moderator may hide a harmful or wrong entry without deleting it.
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False, db_index=True)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    class Meta:
        abstract = True

    def clean_visibility_sectors(self, sector_codes: Iterable[str]) -> None:
        """A restricted record must name the sectors it is opened to; others must not."""
        sector_codes = list(sector_codes)
        visibility = getattr(self, "visibility", None)
        if visibility == taxonomy.Visibility.RESTRICTED and not sector_codes:
            raise ValidationError(
                {
                    "restricted_to_sectors": ValidationError(
                        gettext("A restricted record must name at least one sector it is open to."),
                        code="required",
                    )
                }
            )
        if visibility != taxonomy.Visibility.RESTRICTED and sector_codes:
            raise ValidationError(
                {
                    "restricted_to_sectors": ValidationError(
                        gettext("Only a restricted record names sectors."), code="invalid"
                    )
                }
            )


class Tool(FacetedRecord, VisibleRecord):
    """A piece of anti-trafficking technology, owned by the organization that makes it."""

    FACETS = {
        "purposes": True,
        "focus_areas": False,
        "functions": True,
        "trafficking_types": False,
        "target_users": False,
        "technologies": False,
        "regions": False,
        "languages": False,
        "restricted_to_sectors": False,
        "safeguards": False,
    }

    slug = models.SlugField(_("key"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("owner organization"),
        on_delete=models.PROTECT,
        related_name="tools",
    )
    summary = models.CharField(
        _("summary"),
        max_length=SUMMARY_MAX_LENGTH,
        help_text=_("One sentence, at most 160 characters."),
    )
    description = models.TextField(_("description"), blank=True)
    purposes = models.ManyToManyField(
        "registry.Purpose", verbose_name=_("purposes"), related_name="tools"
    )
    focus_areas = models.ManyToManyField(
        "registry.FocusArea", verbose_name=_("focus areas"), blank=True, related_name="tools"
    )
    functions = models.ManyToManyField(
        "registry.Function", verbose_name=_("functions"), related_name="tools"
    )
    trafficking_types = models.ManyToManyField(
        "registry.TraffickingType",
        verbose_name=_("trafficking types"),
        blank=True,
        related_name="tools",
    )
    target_users = models.ManyToManyField(
        "registry.TargetUser", verbose_name=_("target users"), blank=True, related_name="tools"
    )
    technologies = models.ManyToManyField(
        "registry.Technology", verbose_name=_("technologies"), blank=True, related_name="tools"
    )
    regions = models.ManyToManyField(
        "registry.Region", verbose_name=_("regions"), blank=True, related_name="tools"
    )
    languages = models.ManyToManyField(
        "registry.Language", verbose_name=_("languages"), blank=True, related_name="tools"
    )
    safeguards = models.ManyToManyField(
        "registry.Safeguard", verbose_name=_("safeguards"), blank=True, related_name="tools"
    )
    availability = models.CharField(
        _("availability"), max_length=24, choices=taxonomy.Availability.choices, db_index=True
    )
    maturity = models.CharField(
        _("maturity"), max_length=16, choices=taxonomy.Maturity.choices, db_index=True
    )
    website = models.URLField(_("website"), blank=True)
    source_url = models.URLField(_("source code URL"), blank=True)
    last_reviewed_at = models.DateTimeField(_("last reviewed at"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor tool"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text=_("For a discontinued tool: the tool that replaces it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"], name="tool_name_id")]
        verbose_name = _("tool")
        verbose_name_plural = _("tools")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility__in=taxonomy.Visibility.values),
                name="tool_visibility_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:tool-detail", args=[self.slug])
