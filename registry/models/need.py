"""Needs: what an organization lacks and hopes an existing tool can provide."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import taxonomy

from .facets import FacetedRecord
from .tool import VisibleRecord


class Need(FacetedRecord, VisibleRecord):
    """A gap an organization has posted, described with the same facets as tools."""

    FACETS = {
        "purposes": False,
        "focus_areas": False,
        "functions": True,
        "trafficking_types": False,
        "target_users": False,
        "technologies": False,
        "regions": False,
        "languages": False,
        "restricted_to_sectors": False,
    }

    slug = models.SlugField(_("key"), max_length=100, unique=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="needs",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    purposes = models.ManyToManyField(
        "registry.Purpose", verbose_name=_("purposes"), blank=True, related_name="needs"
    )
    focus_areas = models.ManyToManyField(
        "registry.FocusArea", verbose_name=_("focus areas"), blank=True, related_name="needs"
    )
    functions = models.ManyToManyField(
        "registry.Function", verbose_name=_("functions"), related_name="needs"
    )
    trafficking_types = models.ManyToManyField(
        "registry.TraffickingType",
        verbose_name=_("trafficking types"),
        blank=True,
        related_name="needs",
    )
    target_users = models.ManyToManyField(
        "registry.TargetUser", verbose_name=_("target users"), blank=True, related_name="needs"
    )
    technologies = models.ManyToManyField(
        "registry.Technology", verbose_name=_("technologies"), blank=True, related_name="needs"
    )
    regions = models.ManyToManyField(
        "registry.Region", verbose_name=_("regions"), blank=True, related_name="needs"
    )
    languages = models.ManyToManyField(
        "registry.Language", verbose_name=_("languages"), blank=True, related_name="needs"
    )
    urgency = models.CharField(
        _("urgency"),
        max_length=16,
        choices=taxonomy.Urgency.choices,
        default=taxonomy.Urgency.MEDIUM,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=taxonomy.NeedStatus.choices,
        default=taxonomy.NeedStatus.OPEN,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_confirmed_at = models.DateTimeField(
        _("last confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the organization last confirmed the need is still current."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["-created_at", "id"], name="need_created_id")]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("registry:need-detail", args=[self.slug])
