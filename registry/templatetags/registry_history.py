"""The history panel of record pages: who changed what, when, and a way back for moderators.

    {% load registry_history %}
    {% record_history record as history %}
    {% if history %} ... {% endif %}

`history` is None for anyone who may not see the record's history (registry.history.history_for
and accounts.permissions.can_see_history decide), so no view has to pass anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.roles import Action
from registry.history import ACTOR_MARK, VersionReader, history_for
from registry.models import ChangeRecord, LicenseOffer, Tool

register = template.Library()

# Entries shown per record (newest first).
ENTRIES_SHOWN = 20
# Characters of a value shown before it is cut short.
VALUE_CHARS = 60

_URL_TYPES = {
    "registry.tool": "tool",
    "registry.need": "need",
    "accounts.organization": "organization",
    "registry.licenseoffer": "licence-offer",
}


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str


@dataclass
class Entry:
    change: ChangeRecord
    who: str
    is_person: bool
    fields: list[FieldChange]
    restore_url: str | None = None
    # Fields changed between versions the reader could not read: shown as a note, no values.
    hidden_changes: bool = False


@dataclass
class History:
    record: Any
    title: str
    dom_id: str
    entries: list[Entry] = field(default_factory=list)
    total: int = 0
    may_restore: bool = False
    children: list[History] = field(default_factory=list)


def _who(change: ChangeRecord) -> tuple[str, bool]:
    if change.actor is not None:
        return str(change.actor), True
    if ACTOR_MARK in (change.changes or {}):
        return _("a former member"), False
    return _("the system"), False


def _labels(model) -> dict[str, str]:
    labels = {}
    for model_field in model._meta.concrete_fields:
        labels[model_field.attname] = str(model_field.verbose_name)
        labels[model_field.name] = str(model_field.verbose_name)
    for name in getattr(model, "FACETS", {}):
        labels[name] = str(model._meta.get_field(name).verbose_name)
    return labels


def _short(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    return Truncator(str(value)).chars(VALUE_CHARS)


def _fields(
    change: ChangeRecord,
    labels: dict[str, str],
    names: dict,
    readable: tuple[bool, bool] = (True, True),
) -> list[FieldChange]:
    """The changed fields of one entry; a creation lists only the values it set. A side of
    the change in a version the reader could not read (`readable`: before, after) shows no
    value; with neither side readable there are no rows at all."""
    if not any(readable):
        return []
    created = change.action == ChangeRecord.Action.CREATED
    rows = []
    for name, pair in sorted((change.changes or {}).items()):
        if name.startswith("_") or not isinstance(pair, list) or len(pair) != 2:
            continue
        before, after = (
            names.get((name, value), value) if isinstance(value, int) else value for value in pair
        )
        if created and after in (None, "", [], False):
            continue
        before, after = _short(before), _short(after)
        if before != after:
            before = before if readable[0] else _("not visible to you")
            after = after if readable[1] else _("not visible to you")
            rows.append(FieldChange(name, labels.get(name, name), before, after))
    return rows


def _related_names(user, model, changes) -> dict:
    """(attname, id) -> the related record's name, for foreign keys the reader may see;
    others stay ids, so the history never names a record its reader may not read."""
    wanted: dict = {}
    for model_field in model._meta.concrete_fields:
        if not model_field.is_relation or model_field.related_model is None:
            continue
        ids = {
            value
            for change in changes
            for value in (change.changes or {}).get(model_field.attname, [])
            if isinstance(value, int)
        }
        if ids:
            wanted[model_field.attname] = (model_field.related_model, ids)
    names = {}
    for attname, (related, ids) in wanted.items():
        if related._meta.label_lower == "accounts.user":
            continue  # people are named by the entries themselves, not by field values
        visible = permissions.restrict(related._default_manager.filter(pk__in=ids), user)
        for obj in visible:
            names[(attname, obj.pk)] = str(obj)
    return names


def _history(user, record, title: str) -> History | None:
    if record is None or getattr(record, "pk", None) is None:
        return None
    if not permissions.can_see_history(user, record):
        return None
    label = record._meta.label_lower
    changes = history_for(user, record)
    total = changes.count()
    url_type = _URL_TYPES.get(label)
    may_restore = url_type is not None and permissions.can_restore_version(user, record)
    labels = _labels(type(record))
    history = History(
        record=record,
        title=title,
        dom_id=f"history-{url_type or record._meta.model_name}-{record.pk}",
        total=total,
        may_restore=may_restore,
    )
    shown = list(changes[:ENTRIES_SHOWN])
    versions = VersionReader(user, record)
    readable = {change.pk: versions.readable_sides(change) for change in shown}
    names = _related_names(user, type(record), [c for c in shown if any(readable[c.pk])])
    for index, change in enumerate(shown):
        who, is_person = _who(change)
        fields = _fields(change, labels, names, readable[change.pk])
        entry = Entry(change=change, who=who, is_person=is_person, fields=fields)
        entry.hidden_changes = not fields and not any(readable[change.pk])
        # The newest entry is the current version; a deletion has nothing to go back to; a
        # version the reader could not read is not offered.
        if may_restore and index > 0 and versions.may_restore(change):
            entry.restore_url = reverse(
                "registry:history-restore",
                kwargs={"record_type": url_type, "record_id": record.pk, "change_id": change.pk},
            )
        history.entries.append(entry)
    return history


@register.simple_tag(takes_context=True)
def record_history(context, record) -> History | None:
    """The history of `record` as the reader may see it, or None."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    history = _history(user, record, _("History"))
    if history is not None and isinstance(record, Tool):
        # A tool's licence offers are shown on its page, and so is their history.
        offers = permissions.restrict(
            LicenseOffer.objects.filter(tool_id=record.pk), user, Action.CHANGE
        ).order_by("title", "pk")
        for offer in offers:
            child = _history(user, offer, _("Licence offer “%(title)s”") % {"title": offer.title})
            if child is not None and child.total:
                history.children.append(child)
    return history
