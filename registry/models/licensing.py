"""Licence offers made by a tool's owner and the requests organizations make for them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import taxonomy

from .facets import FacetedRecord


class LicenseOffer(FacetedRecord):
    """Licences of a tool offered on special terms to eligible organizations."""

    FACETS = {"eligible_sectors": False, "eligible_countries": False}

    tool = models.ForeignKey(
        "registry.Tool", on_delete=models.CASCADE, related_name="license_offers"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("offering organization"),
        on_delete=models.CASCADE,
        related_name="license_offers",
    )
    slug = models.SlugField(_("key"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    terms = models.CharField(_("terms"), max_length=16, choices=taxonomy.LicenseTerms.choices)
    conditions = models.TextField(_("conditions"), blank=True)
    eligible_sectors = models.ManyToManyField(
        "registry.Sector",
        verbose_name=_("eligible sectors"),
        blank=True,
        related_name="license_offers",
        help_text=_("Leave empty to accept every sector."),
    )
    eligible_countries = models.ManyToManyField(
        "registry.Region",
        verbose_name=_("eligible countries"),
        blank=True,
        related_name="license_offers",
        help_text=_("Leave empty to accept every country."),
    )
    seats = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=taxonomy.LicenseOfferStatus.choices,
        default=taxonomy.LicenseOfferStatus.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("licence offer")
        verbose_name_plural = _("licence offers")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        owner_id = self.tool.organization_id if self.tool_id else None
        if self.organization_id and owner_id is not None and owner_id != self.organization_id:
            raise ValidationError(
                {"tool": gettext("Only the organization that owns a tool may offer licences.")}
            )

    @property
    def is_expired(self) -> bool:
        return self.valid_until is not None and self.valid_until < timezone.localdate()

    def seats_taken(self) -> int:
        return self.requests.filter(status=taxonomy.LicenseRequestStatus.APPROVED).count()

    def refusal_for(self, organization) -> ValidationError | None:
        """Why `organization` may not request this offer now, or None if it may."""
        if self.status != taxonomy.LicenseOfferStatus.ACTIVE:
            return ValidationError(gettext("This offer is not open."), code="offer_closed")
        if self.is_expired:
            return ValidationError(
                gettext("This offer expired on %(date)s.") % {"date": self.valid_until},
                code="offer_expired",
            )
        if organization.pk == self.organization_id:
            return ValidationError(
                gettext("An organization cannot request its own offer."), code="own_offer"
            )
        sectors = set(self.eligible_sectors.values_list("code", flat=True))
        if sectors and organization.sector not in sectors:
            return ValidationError(
                gettext("Organizations of this sector are not eligible for this offer."),
                code="sector_not_eligible",
            )
        countries = set(self.eligible_countries.values_list("code", flat=True))
        if (
            countries
            and taxonomy.GLOBAL_REGION not in countries
            and (organization.country not in countries)
        ):
            return ValidationError(
                gettext("Organizations in this country are not eligible for this offer."),
                code="country_not_eligible",
            )
        if self.seats is not None and self.seats_taken() >= self.seats:
            return ValidationError(
                gettext("Every seat of this offer has been taken."), code="no_seats"
            )
        return None


class LicenseRequest(models.Model):
    """An organization asks for a licence under an offer; the offering organization decides."""

    offer = models.ForeignKey(LicenseOffer, on_delete=models.CASCADE, related_name="requests")
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("requesting organization"),
        on_delete=models.CASCADE,
        related_name="license_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("message"), blank=True, max_length=4000)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=taxonomy.LicenseRequestStatus.choices,
        default=taxonomy.LicenseRequestStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("licence request")
        verbose_name_plural = _("licence requests")
        constraints = [
            # One live request per organization and offer; decided ones stay as history.
            models.UniqueConstraint(
                fields=["offer", "organization"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_offer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.offer}"

    def clean(self) -> None:
        super().clean()
        if self._state.adding and self.offer_id and self.organization_id:
            refusal = self.offer.refusal_for(self.organization)
            if refusal is not None:
                raise ValidationError({"offer": refusal})
