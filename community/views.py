"""Pages of the community app: the inbox and its threads, contacting the owners of a record,
reporting an entry, and the moderators' queue of reports.

Views stay thin: reads go through community.selectors (and registry.selectors for the record
asked about), writes through community.services, every decision through accounts.permissions.
A thread, record or report the reader may not see answers 404.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from accounts import permissions
from accounts.models import Organization
from core.errors import PermissionDenied
from registry import selectors as registry_selectors
from registry.forms import add_service_errors

from . import selectors, services
from .forms import CloseForm, ContactForm, ReplyForm, ReportForm, ResolveForm
from .models import ContactThread, RecordReport
from .notifications import public_name

PAGE_SIZE = 25


def _not_found_on_missing(view):
    """A record or thread the service says does not exist (or is out of sight) is a 404."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc

    return wrapper


def _moderator_required(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_moderator(request.user):
            raise PermissionDenied(_("Only moderators may do this."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Inbox and threads ----------------------------------------------------------------------

BOXES = ("all", "received", "sent")


@login_required
@require_safe
def inbox(request):
    box = request.GET.get("box", "all")
    if box not in BOXES:
        box = "all"
    return render(
        request,
        "community/inbox.html",
        {"box": box, "page_obj": _page(request, selectors.inbox(request.user, box=box))},
    )


def _thread_context(request, thread: ContactThread, **extra) -> dict:
    user = request.user
    owner_side = permissions.is_thread_owner_side(user, thread) and thread.asker_id != user.pk
    may_write = permissions.can_write_in_thread(user, thread)
    return {
        "thread": thread,
        "thread_messages": selectors.thread_messages(user, thread),
        "record": selectors.thread_record_if_visible(user, thread),
        "asker_name": public_name(thread.asker),
        "owner_side": owner_side,
        "may_write": may_write,
        "may_close": permissions.can_close_thread(user, thread),
        "reply_form": (extra.pop("reply_form", None) or ReplyForm()) if may_write else None,
        **extra,
    }


@login_required
@require_safe
@_not_found_on_missing
def thread_detail(request, pk):
    thread = selectors.thread_detail(request.user, pk)
    services.thread_mark_read(actor=request.user, thread=thread)
    return render(request, "community/thread_detail.html", _thread_context(request, thread))


@login_required
@require_http_methods(["POST"])
@_not_found_on_missing
def thread_reply(request, pk):
    thread = selectors.thread_detail(request.user, pk)
    if not thread.is_closed and not permissions.can_write_in_thread(request.user, thread):
        raise PermissionDenied(_("You may read this conversation but not write in it."))
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.thread_reply(actor=request.user, thread=thread, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your message was sent."))
            return redirect(thread.get_absolute_url())
    thread.refresh_from_db()
    return render(
        request,
        "community/thread_detail.html",
        _thread_context(request, thread, reply_form=form),
        status=400,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_not_found_on_missing
def thread_close(request, pk):
    """Ask to confirm, then close the thread (the owners decline, or the asker withdraws)."""
    thread = selectors.thread_detail(request.user, pk)
    if not permissions.can_close_thread(request.user, thread):
        if thread.is_closed:
            messages.info(request, _("This conversation is already closed."))
            return redirect(thread.get_absolute_url())
        raise PermissionDenied(_("You may read this conversation but not close it."))
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.thread_close(actor=request.user, thread=thread, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The conversation is closed."))
            return redirect(thread.get_absolute_url())
    return render(
        request,
        "community/thread_close.html",
        {
            "thread": thread,
            "form": form,
            "owner_side": permissions.is_thread_owner_side(request.user, thread)
            and thread.asker_id != request.user.pk,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Contacting the owners of a record ------------------------------------------------------

_RECORD_READERS = {
    "tool": registry_selectors.tool_detail,
    "need": registry_selectors.need_detail,
    "organization": registry_selectors.organization_detail,
}


def _contact(request, kind: str, slug: str):
    record = _RECORD_READERS[kind](request.user, slug)  # 404 if out of sight
    if not permissions.can_contact(request.user, record):
        raise PermissionDenied(
            _(
                "Only members of a verified organization other than the owners may contact "
                "the owners of an entry."
            )
        )
    organizations = Organization.objects.filter(
        pk__in=permissions.contact_organization_ids(request.user, record)
    ).order_by("name")
    form = ContactForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_start(
                actor=request.user,
                record=record,
                asker_organization=form.cleaned_data["asker_organization"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your question was sent to %(org)s.") % {"org": record.organization.name},
            )
            return redirect(thread.get_absolute_url())
    return render(
        request,
        "community/contact_form.html",
        {"form": form, "record": record, "record_kind": kind},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_not_found_on_missing
def contact_tool(request, slug):
    return _contact(request, "tool", slug)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_not_found_on_missing
def contact_need(request, slug):
    return _contact(request, "need", slug)


# --- Reports --------------------------------------------------------------------------------


def _report(request, kind: str, slug: str):
    record = _RECORD_READERS[kind](request.user, slug)  # 404 if out of sight
    if not permissions.can_report(request.user, record):
        raise PermissionDenied(
            _("Private entries cannot be reported: the moderators may not read them.")
        )
    already = selectors.open_report_exists(request.user, record)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(
                actor=request.user,
                record=record,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you. A moderator will look at your report."))
            return redirect(record.get_absolute_url())
    return render(
        request,
        "community/report_form.html",
        {"form": form, "record": record, "record_kind": kind, "already_reported": already},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_not_found_on_missing
def report_tool(request, slug):
    return _report(request, "tool", slug)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_not_found_on_missing
def report_need(request, slug):
    return _report(request, "need", slug)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_not_found_on_missing
def report_organization(request, slug):
    return _report(request, "organization", slug)


@login_required
@require_safe
def my_reports(request):
    return render(
        request, "community/my_reports.html", {"reports": selectors.reports_by(request.user)}
    )


@_moderator_required
@require_safe
def report_queue(request):
    status = request.GET.get("status", RecordReport.Status.OPEN)
    if status not in RecordReport.Status.values:
        status = RecordReport.Status.OPEN
    return render(
        request,
        "community/report_queue.html",
        {
            "status": status,
            "statuses": RecordReport.Status.choices,
            "page_obj": _page(request, selectors.report_queue(request.user, status=status)),
        },
    )


@_moderator_required
@require_http_methods(["GET", "HEAD", "POST"])
@_not_found_on_missing
def report_resolve(request, pk):
    """Review one report and decide: hide the entry, or dismiss the report (confirm first)."""
    report = selectors.report_detail(request.user, pk)
    if not report.is_open:
        messages.info(request, _("This report has already been resolved."))
        return redirect(reverse("community:report-queue"))
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            settled = services.report_resolve(
                actor=request.user,
                report=report,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Resolved %(count)d report about %(label)s.",
                    "Resolved %(count)d reports about %(label)s.",
                    len(settled),
                )
                % {"count": len(settled), "label": report.record_label},
            )
            return redirect(reverse("community:report-queue"))
    return render(
        request,
        "community/report_resolve.html",
        {"report": report, "form": form, "record": report.record},
        status=400 if request.method == "POST" else 200,
    )
