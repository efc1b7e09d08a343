"""Whether the reader may offer licences, for the tool page and the workspace."""

from __future__ import annotations

from django import template

from accounts import permissions
from registry.models import LicenseOffer

register = template.Library()


@register.simple_tag(takes_context=True)
def may_offer_licences(context, organization) -> bool:
    """Whether the reader may open, edit and close licence offers of `organization`'s tools
    (its editors and owners; the offers of a tool always belong to the tool's owner)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return permissions.can_create(user, LicenseOffer, organization)
