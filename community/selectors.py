"""Reads of the community app. Every one starts from accounts.permissions.restrict()."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Organization
from accounts.permissions import access_context, restrict
from registry.models import Need, Tool

from .models import ContactMessage, ContactThread, ContactThreadRead, RecordReport


def threads_visible_to(user) -> QuerySet[ContactThread]:
    return restrict(ContactThread.objects.all(), user)


def _unread_q(user) -> Q:
    """Threads whose last message came from the other side after `user` last opened them."""
    context = access_context(user)
    newer_read = ContactThreadRead.objects.filter(
        thread_id=OuterRef("pk"), user_id=context.user_id, read_at__gte=OuterRef("last_message_at")
    )
    answered_to_me = Q(asker_id=context.user_id, last_message_by_owner=True)
    asked_of_my_organizations = Q(
        organization_id__in=context.active_org_ids, last_message_by_owner=False
    ) & ~Q(asker_id=context.user_id)
    other_side_wrote = answered_to_me | asked_of_my_organizations
    return other_side_wrote & ~Exists(newer_read)


def inbox(user, *, box: str = "all") -> QuerySet[ContactThread]:
    """Threads `user` started and threads addressed to their organizations, newest activity
    first, each with `is_unread`. `box` is "all", "sent" (started by me) or "received"."""
    context = access_context(user)
    threads = threads_visible_to(user)
    if box == "sent":
        threads = threads.filter(asker_id=context.user_id)
    elif box == "received":
        threads = threads.filter(organization_id__in=context.active_org_ids).exclude(
            asker_id=context.user_id
        )
    return (
        threads.select_related("organization", "asker_organization", "asker")
        .annotate(is_unread=ExpressionWrapper(_unread_q(user), output_field=BooleanField()))
        .order_by("-last_message_at", "-pk")
    )


def unread_thread_count(user) -> int:
    """How many threads wait to be read by `user`: one query once the access context of the
    request is known (the pages compute it for every read anyway)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return threads_visible_to(user).filter(_unread_q(user)).count()


def thread_detail(user, pk) -> ContactThread:
    thread = (
        threads_visible_to(user)
        .select_related("organization", "asker_organization", "asker", "tool", "need")
        .filter(pk=pk)
        .first()
    )
    if thread is None:
        raise Http404
    return thread


def thread_messages(user, thread: ContactThread) -> QuerySet[ContactMessage]:
    return (
        restrict(ContactMessage.objects.filter(thread=thread), user)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def thread_record_if_visible(user, thread: ContactThread):
    """The record the thread is about, if `user` may still read it (else None: the thread
    keeps its subject, but does not link to a record now out of the reader's sight)."""
    model, pk = (Tool, thread.tool_id) if thread.tool_id else (Need, thread.need_id)
    return restrict(model.objects.filter(pk=pk), user).first()


# --- Reports --------------------------------------------------------------------------------


def reports_visible_to(user) -> QuerySet[RecordReport]:
    return restrict(RecordReport.objects.all(), user)


def report_queue(user, *, status: str = RecordReport.Status.OPEN) -> QuerySet[RecordReport]:
    """Reports for moderators: about records they may see, oldest open first."""
    reports = reports_visible_to(user).select_related(
        "tool", "need", "organization", "reporter", "resolved_by"
    )
    if status in RecordReport.Status.values:
        reports = reports.filter(status=status)
    order = ("created_at", "pk") if status == RecordReport.Status.OPEN else ("-resolved_at", "-pk")
    return reports.order_by(*order)


def report_detail(user, pk) -> RecordReport:
    report = (
        reports_visible_to(user)
        .select_related("tool", "need", "organization", "reporter")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report


def reports_by(user) -> list[RecordReport]:
    """A person's own reports. Each carries `visible_record`: the record if the reporter may
    still read it, else None (the stored label is what they saw when reporting)."""
    context = access_context(user)
    if not context.is_authenticated:
        return []
    reports = list(
        reports_visible_to(user).filter(reporter_id=context.user_id).order_by("-created_at", "-pk")
    )
    visible = {}
    for model, key in ((Tool, "tool_id"), (Need, "need_id"), (Organization, "organization_id")):
        ids = {getattr(r, key) for r in reports if getattr(r, key)}
        if ids:
            visible[model] = {
                obj.pk: obj for obj in restrict(model.objects.filter(pk__in=ids), user)
            }
    for report in reports:
        for model, key in ((Tool, "tool_id"), (Need, "need_id"), (Organization, "organization_id")):
            pk = getattr(report, key)
            if pk:
                report.visible_record = visible.get(model, {}).get(pk)
    return reports


def open_report_exists(user, record) -> bool:
    context = access_context(user)
    if not context.is_authenticated:
        return False
    field = {Tool: "tool", Need: "need", Organization: "organization"}[type(record)]
    return RecordReport.objects.filter(
        reporter_id=context.user_id, status=RecordReport.Status.OPEN, **{field: record}
    ).exists()


# --- A person's own data (accounts.security.privacy) -----------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data(user) -> dict:
    """What the community app holds on `user`, for the personal-data export: the
    conversations they started, every message they wrote, and their reports."""
    threads = ContactThread.objects.filter(asker=user).select_related(
        "organization", "asker_organization"
    )
    written = ContactMessage.objects.filter(author=user).select_related(
        "thread__organization", "thread__asker_organization"
    )
    reports = RecordReport.objects.filter(reporter=user)
    return {
        "contact_threads_started": [
            {
                "subject": t.subject,
                "asked_for": t.asker_organization.name,
                "organization_asked": t.organization.name,
                "status": t.status,
                "created_at": _iso(t.created_at),
            }
            for t in threads.order_by("created_at", "pk")
        ],
        "contact_messages_written": [
            {
                "thread": m.thread.subject,
                "between": [m.thread.asker_organization.name, m.thread.organization.name],
                "body": m.body,
                "closes_thread": m.closes_thread,
                "created_at": _iso(m.created_at),
            }
            for m in written.order_by("created_at", "pk")
        ],
        "reports_made": [
            {
                "entry": r.record_label,
                "reason": r.reason,
                "details": r.details,
                "status": r.status,
                "resolution_note": r.resolution_note,
                "created_at": _iso(r.created_at),
                "resolved_at": _iso(r.resolved_at),
            }
            for r in reports.order_by("created_at", "pk")
        ],
    }
