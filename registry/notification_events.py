"""Emails the catalogue sends, queued in the outbox (notifications.services.enqueue).

The licence functions are called by registry services inside their transaction, so the email
exists exactly when the change does. The periodic ones (digests, staleness reminders) run from
Celery beat. Every email has a deduplication key naming the event and the recipient: running
any of these twice sends nothing more.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.urls import NoReverseMatch
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import restrict
from core import taxonomy
from notifications.models import Kind
from notifications.services import absolute_url, enqueue, render_email
from registry.models import LicenseRequest, Need, Tool
from registry.models.matching import NeedCosignature, NeedToolMatch
from registry.staleness import maintenance_status, reviewed_at, stale_needs, stale_tools

DIGEST_WINDOW = timedelta(days=7)
# Roles that act on an organization's records (decide licences, confirm entries).
DECIDING_ROLES = (Role.OWNER, Role.EDITOR)


def _link(obj) -> str:
    """The record's page as an absolute link, or nothing while its page is not routed."""
    try:
        return absolute_url(obj.get_absolute_url())
    except (NoReverseMatch, AttributeError):
        return ""


def organization_deciders(organization_id: int) -> QuerySet:
    """Active owners and editors of an organization: the people who act on its records."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organization_id=organization_id,
            memberships__role__in=DECIDING_ROLES,
        )
        .distinct()
        .order_by("pk")
    )


def organization_members(organization_id: int) -> QuerySet:
    return (
        User.objects.filter(is_active=True, memberships__organization_id=organization_id)
        .distinct()
        .order_by("pk")
    )


# --- Licences -------------------------------------------------------------------------------


def licence_request_created(request: LicenseRequest) -> int:
    """One email to each owner and editor of the offering organization."""
    request = LicenseRequest.objects.select_related(
        "offer__tool", "offer__organization", "organization", "requested_by"
    ).get(pk=request.pk)
    context = {"request": request, "offer": request.offer, "tool_url": _link(request.offer.tool)}
    subject, body = render_email("emails/notifications/licence_request", context)
    queued = 0
    for user in organization_deciders(request.offer.organization_id):
        message = enqueue(
            kind=Kind.LICENCE_REQUEST,
            recipient=user,
            subject=subject,
            body=body,
            dedupe_key=f"licence-request:{request.pk}:{user.pk}",
        )
        queued += message is not None
    return queued


def licence_request_decided(request: LicenseRequest) -> int:
    """One email to the person who asked and to each owner and editor of the requesting
    organization (once each, whoever is both)."""
    request = LicenseRequest.objects.select_related(
        "offer__tool", "offer__organization", "organization", "requested_by"
    ).get(pk=request.pk)
    recipients = {user.pk: user for user in organization_deciders(request.organization_id)}
    requester = request.requested_by
    if requester is not None and requester.is_active:
        recipients.setdefault(requester.pk, requester)
    context = {"request": request, "offer": request.offer, "tool_url": _link(request.offer.tool)}
    subject, body = render_email("emails/notifications/licence_decision", context)
    queued = 0
    for user_id in sorted(recipients):
        message = enqueue(
            kind=Kind.LICENCE_DECISION,
            recipient=recipients[user_id],
            subject=subject,
            body=body,
            dedupe_key=f"licence-decision:{request.pk}:{request.status}:{user_id}",
        )
        queued += message is not None
    return queued


# --- Weekly digest of new tools for open needs ----------------------------------------------


def iso_week(moment: datetime) -> str:
    year, week, _weekday = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def need_digests_send(now: datetime | None = None) -> int:
    """For each open need, the tools created in the last seven days that share one of its
    functions, as each member of the need's organization may see them: one email per need and
    member, at most once an ISO week. Tools of the need's own organization are left out."""
    now = now or timezone.now()
    recent = Tool.objects.filter(created_at__gt=now - DIGEST_WINDOW, created_at__lte=now).exclude(
        maturity=taxonomy.Maturity.DISCONTINUED
    )
    tool_functions: dict[int, set[str]] = defaultdict(set)
    for tool_id, function in Tool.functions.through.objects.filter(tool__in=recent).values_list(
        "tool_id", "function_id"
    ):
        tool_functions[tool_id].add(function)
    if not tool_functions:
        return 0
    tool_owner = dict(
        Tool.objects.filter(pk__in=tool_functions).values_list("pk", "organization_id")
    )
    functions = set().union(*tool_functions.values())
    needs = (
        Need.objects.filter(
            status=taxonomy.NeedStatus.OPEN, is_hidden=False, functions__in=functions
        )
        .distinct()
        .select_related("organization")
        .prefetch_related("functions")
        .order_by("pk")
    )
    week = iso_week(now)
    members_of: dict[int, list[User]] = {}
    # Tools an editor dismissed for a need are never proposed for it again.
    dismissed = set(
        NeedToolMatch.objects.filter(
            decision=NeedToolMatch.Decision.DISMISSED, tool_id__in=tool_functions
        ).values_list("need_id", "tool_id")
    )
    queued = 0
    for need in needs:
        wanted = {function.pk for function in need.functions.all()}
        candidates = [
            tool_id
            for tool_id, offered in tool_functions.items()
            if offered & wanted
            and tool_owner.get(tool_id) != need.organization_id
            and (need.pk, tool_id) not in dismissed
        ]
        if not candidates:
            continue
        if need.organization_id not in members_of:
            # The same user objects for every need of an organization: restrict() caches
            # each one's access context on it.
            members_of[need.organization_id] = list(organization_members(need.organization_id))
        for member in members_of[need.organization_id]:
            tools = list(
                restrict(Tool.objects.filter(pk__in=candidates), member).order_by("name", "pk")
            )
            if not tools:
                continue
            context = {
                "need": need,
                "need_url": _link(need),
                "tools": [(tool, _link(tool)) for tool in tools],
                "week": week,
            }
            subject, body = render_email("emails/notifications/need_digest", context)
            message = enqueue(
                kind=Kind.NEED_DIGEST,
                recipient=member,
                subject=subject,
                body=body,
                dedupe_key=f"need-digest:{need.pk}:{week}:{member.pk}",
            )
            queued += message is not None
    return queued


# --- Co-signatures of needs ----------------------------------------------------------------


def need_cosigned(cosignature: NeedCosignature) -> int:
    """Tell the owners and editors of a need's organization that another organization has the
    same need (once per co-signing organization and recipient, even if it withdraws and signs
    again)."""
    cosignature = NeedCosignature.objects.select_related(
        "need__organization", "organization", "signed_by"
    ).get(pk=cosignature.pk)
    need = cosignature.need
    context = {"cosignature": cosignature, "need": need, "need_url": _link(need)}
    subject, body = render_email("emails/notifications/need_cosigned", context)
    queued = 0
    for user in organization_deciders(need.organization_id):
        if user.pk == cosignature.signed_by_id:
            continue
        message = enqueue(
            kind=Kind.NEED_COSIGNED,
            recipient=user,
            subject=subject,
            body=body,
            dedupe_key=f"need-cosigned:{need.pk}:{cosignature.organization_id}:{user.pk}",
        )
        queued += message is not None
    return queued


# --- Staleness reminders --------------------------------------------------------------------


def stale_tool_reminders_send(now: datetime | None = None) -> int:
    """Ask the owners and editors of every tool due for review to confirm it, once per review
    period: confirming resets last_reviewed_at and so starts a new period (a new key)."""
    now = now or timezone.now()
    deciders: dict[int, list[User]] = {}
    queued = 0
    tools = stale_tools(now).select_related("organization").order_by("pk")
    for tool in tools.iterator(chunk_size=500):
        if tool.organization_id not in deciders:
            deciders[tool.organization_id] = list(organization_deciders(tool.organization_id))
        period = timezone.localtime(reviewed_at(tool)).date().isoformat()
        context = {
            "tool": tool,
            "tool_url": _link(tool),
            "reviewed_at": reviewed_at(tool),
            "status": maintenance_status(tool, now),
        }
        subject, body = render_email("emails/notifications/stale_tool", context)
        for user in deciders[tool.organization_id]:
            message = enqueue(
                kind=Kind.STALENESS_REMINDER,
                recipient=user,
                subject=subject,
                body=body,
                dedupe_key=f"staleness:{tool.pk}:{period}:{user.pk}",
            )
            queued += message is not None
    return queued


def stale_need_reminders_send(now: datetime | None = None) -> int:
    """Ask the owners and editors of every need neither changed nor confirmed for twelve months
    while open to confirm or close it; a change or a confirmation starts a new period."""
    now = now or timezone.now()
    deciders: dict[int, list[User]] = {}
    queued = 0
    needs = stale_needs(now).select_related("organization").order_by("pk")
    for need in needs.iterator(chunk_size=500):
        if need.organization_id not in deciders:
            deciders[need.organization_id] = list(organization_deciders(need.organization_id))
        period = timezone.localtime(need.last_active).date().isoformat()
        context = {"need": need, "need_url": _link(need), "last_active": need.last_active}
        subject, body = render_email("emails/notifications/stale_need", context)
        for user in deciders[need.organization_id]:
            message = enqueue(
                kind=Kind.STALENESS_REMINDER,
                recipient=user,
                subject=subject,
                body=body,
                dedupe_key=f"need-staleness:{need.pk}:{period}:{user.pk}",
            )
            queued += message is not None
    return queued


__all__ = [
    "licence_request_created",
    "licence_request_decided",
    "need_cosigned",
    "need_digests_send",
    "organization_deciders",
    "stale_need_reminders_send",
    "stale_tool_reminders_send",
]
