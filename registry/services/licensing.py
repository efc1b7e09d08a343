"""Licence offers and the request / decision workflow."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Organization
from accounts.roles import Action
from core import taxonomy
from core.errors import PermissionDenied
from registry import notification_events
from registry.history import record_change, snapshot
from registry.models import LicenseOffer, LicenseRequest, Tool, ToolUse

from .records import _require, _require_create, _split, unique_slug

RequestStatus = taxonomy.LicenseRequestStatus


@transaction.atomic
def license_offer_create(*, actor, tool: Tool, **data: Any) -> LicenseOffer:
    _require_create(actor, LicenseOffer, tool.organization)
    scalars, facets = _split(LicenseOffer, data)
    scalars.pop("organization", None)
    if not scalars.get("slug"):
        scalars["slug"] = unique_slug(LicenseOffer, f"{tool.slug} {scalars.get('title', '')}")
    offer = LicenseOffer(tool=tool, organization=tool.organization, **scalars)
    cleaned = offer.full_clean_with_facets(facets)
    offer.save()
    offer.set_facets(cleaned)
    record_change(actor=actor, record=offer, action="created")
    return offer


@transaction.atomic
def license_offer_update(*, actor, offer: LicenseOffer, **data: Any) -> LicenseOffer:
    _require(actor, Action.CHANGE, offer)
    scalars, facets = _split(LicenseOffer, data)
    for key in ("tool", "organization"):
        scalars.pop(key, None)
    before = snapshot(offer)
    for name, value in scalars.items():
        setattr(offer, name, value)
    cleaned = offer.full_clean_with_facets(facets)
    offer.save()
    offer.set_facets(cleaned)
    record_change(actor=actor, record=offer, action="updated", before=before)
    return offer


@transaction.atomic
def license_request_create(
    *, actor, offer: LicenseOffer, organization: Organization, message: str = ""
) -> LicenseRequest:
    if actor is not None:
        if not permissions.can(actor, Action.VIEW, offer):
            raise LicenseOffer.DoesNotExist
        if not permissions.can_create(actor, LicenseRequest, organization):
            raise PermissionDenied(_("You may not request licences for this organization."))
    # Lock the offer so two requests cannot both take the last seat.
    offer = LicenseOffer.objects.select_for_update().get(pk=offer.pk)
    if LicenseRequest.objects.filter(
        offer=offer, organization=organization, status=RequestStatus.PENDING
    ).exists():
        raise ValidationError({"offer": _("Your organization already has a pending request.")})
    request = LicenseRequest(
        offer=offer,
        organization=organization,
        message=message,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    request.full_clean()
    request.save()
    record_change(actor=actor, record=request, action="created")
    notification_events.licence_request_created(request)
    return request


def _decide(actor, request: LicenseRequest, action: Action) -> LicenseRequest:
    if actor is not None:
        if not permissions.can(actor, Action.VIEW, request):
            raise LicenseRequest.DoesNotExist
        if not permissions.can(actor, action, request):
            raise PermissionDenied(_("You may not decide this request."))
    request = LicenseRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.PENDING:
        raise ValidationError(
            {"status": _("This request was already %(status)s.") % {"status": request.status}}
        )
    return request


@transaction.atomic
def license_request_approve(*, actor, request: LicenseRequest, note: str = "") -> LicenseRequest:
    """Approve a request and record that the requesting organization now uses the tool."""
    request = _decide(actor, request, Action.DECIDE_LICENSE)
    offer = LicenseOffer.objects.select_for_update().get(pk=request.offer_id)
    if offer.seats is not None and offer.seats_taken() >= offer.seats:
        raise ValidationError({"offer": _("Every seat of this offer has been taken.")})
    request.status = RequestStatus.APPROVED
    request.decided_by = actor if actor is not None and actor.is_authenticated else None
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    record_change(actor=actor, record=request, action="updated", before={"status": "pending"})
    ToolUse.objects.get_or_create(
        organization_id=request.organization_id,
        tool_id=offer.tool_id,
        defaults={"since": timezone.localdate(), "notes": _("Licensed through the registry.")},
    )
    notification_events.licence_request_decided(request)
    return request


@transaction.atomic
def license_request_decline(*, actor, request: LicenseRequest, note: str = "") -> LicenseRequest:
    request = _decide(actor, request, Action.DECIDE_LICENSE)
    request.status = RequestStatus.DECLINED
    request.decided_by = actor if actor is not None and actor.is_authenticated else None
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    record_change(actor=actor, record=request, action="updated", before={"status": "pending"})
    notification_events.licence_request_decided(request)
    return request


@transaction.atomic
def license_request_withdraw(*, actor, request: LicenseRequest) -> LicenseRequest:
    request = _decide(actor, request, Action.REQUEST_LICENSE)
    request.status = RequestStatus.WITHDRAWN
    request.save()
    record_change(actor=actor, record=request, action="updated", before={"status": "pending"})
    return request


@transaction.atomic
def license_offer_close(*, actor, offer: LicenseOffer, note: str = "") -> LicenseOffer:
    """Withdraw an offer for good: it leaves the marketplace and its pending requests are
    declined (their requesters are told, as for any decision)."""
    _require(actor, Action.CHANGE, offer)
    offer = LicenseOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status == taxonomy.LicenseOfferStatus.CLOSED:
        raise ValidationError({"status": _("This offer is already closed.")})
    before = snapshot(offer)
    offer.status = taxonomy.LicenseOfferStatus.CLOSED
    offer.save(update_fields=["status", "updated_at"])
    record_change(actor=actor, record=offer, action="updated", before=before)
    decided_by = actor if actor is not None and actor.is_authenticated else None
    pending = LicenseRequest.objects.select_for_update().filter(
        offer=offer, status=RequestStatus.PENDING
    )
    for request in pending:
        request.status = RequestStatus.DECLINED
        request.decided_by = decided_by
        request.decided_at = timezone.now()
        request.decision_note = note or _("The offer was closed.")
        request.save()
        record_change(actor=actor, record=request, action="updated", before={"status": "pending"})
        notification_events.licence_request_decided(request)
    return offer
