"""Template helpers of the community app."""

from __future__ import annotations

from django import template
from django.urls import reverse

from accounts import permissions

from ..notifications import public_name

register = template.Library()

_CONTACT_ROUTES = {"tool": "community:contact-tool", "need": "community:contact-need"}
_REPORT_ROUTES = {
    "tool": "community:report-tool",
    "need": "community:report-need",
    "organization": "community:report-organization",
}


@register.simple_tag(takes_context=True)
def community_record_actions(context, record, record_kind: str) -> dict:
    """What the reader of a record page may do about it: ask its owners (members of another
    verified organization) and report it (anyone signed in, for records moderators may read).
    Costs nothing for anonymous readers; the access context is the request's cached one."""
    user = context.get("user")
    actions = {"contact_url": "", "report_url": ""}
    if record is None or not getattr(user, "is_authenticated", False):
        return actions
    if record_kind in _CONTACT_ROUTES and permissions.contact_organization_ids(user, record):
        # The page shows the record, so the reader may see it: no query needed here.
        actions["contact_url"] = reverse(_CONTACT_ROUTES[record_kind], args=[record.slug])
    if record_kind in _REPORT_ROUTES and permissions.can_report(user, record):
        actions["report_url"] = reverse(_REPORT_ROUTES[record_kind], args=[record.slug])
    return actions


@register.filter
def shown_name(user) -> str:
    """A person as the other side of a conversation sees them: never their address."""
    return public_name(user)
