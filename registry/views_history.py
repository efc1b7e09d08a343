"""Restoring an earlier version of a record from its history panel (moderators only).

The record is looked up through restrict() (404 if the reader may not see it); its history
is shown only to those who may see it (accounts.permissions.can_see_history, 404 otherwise);
restoring asks for a confirmation and is for moderators (403 for others who see the
history), and only of a version they could read at the time (404 otherwise, as for a version
that does not exist). registry.history.record_restore validates the old version like any
edit."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import permissions
from registry.history import VersionReader, history_for, record_restore
from registry.services import PermissionDenied

# URL name of a record type -> model label.
RECORD_TYPES = {
    "tool": "registry.tool",
    "need": "registry.need",
    "organization": "accounts.organization",
    "licence-offer": "registry.licenseoffer",
}
URL_NAMES = {label: name for name, label in RECORD_TYPES.items()}


def _record_or_404(user, record_type: str, record_id: int):
    label = RECORD_TYPES.get(record_type)
    if label is None:
        raise Http404
    model = apps.get_model(label)
    record = permissions.restrict(model._default_manager.all(), user).filter(pk=record_id).first()
    if record is None or not permissions.can_see_history(user, record):
        raise Http404
    return record


def _record_url(record) -> str:
    if hasattr(record, "get_absolute_url"):
        return record.get_absolute_url()
    tool = getattr(record, "tool", None)  # a licence offer lives on its tool's page
    return tool.get_absolute_url() if tool is not None else "/"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def history_restore(request, record_type: str, record_id: int, change_id: int):
    record = _record_or_404(request.user, record_type, record_id)
    change = history_for(request.user, record).filter(pk=change_id).first()
    if change is None or not VersionReader(request.user, record).may_restore(change):
        raise Http404  # a version the reader could not read is not shown, not even its name
    if not permissions.can_restore_version(request.user, record):
        raise PermissionDenied(_("Only moderators restore earlier versions."))
    error = None
    if request.method == "POST":
        try:
            record_restore(actor=request.user, record=record, change=change)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The earlier version was restored."))
            return redirect(_record_url(record))
    return render(
        request,
        "registry/history_restore.html",
        {
            "record": record,
            "change": change,
            "record_url": _record_url(record),
            "error": error,
        },
        status=400 if error else 200,
    )
