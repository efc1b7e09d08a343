"""Writing and reading the change log, and restoring an earlier version of a record."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts import permissions
from registry.models.history import ChangeRecord

# Key in `changes` marking a change made by a person, not the system (not a field).
ACTOR_MARK = "_actor"
# Fields that say nothing about the record's content.
_SKIPPED = {"id", "created_at", "updated_at", "group", "search_vector"}


def snapshot(record: models.Model) -> dict[str, Any]:
    """The record as plain JSON values: concrete fields by attname, facets as sorted codes."""
    data: dict[str, Any] = {}
    for field in record._meta.concrete_fields:
        if field.name in _SKIPPED:
            continue
        data[field.attname] = field.value_from_object(record)
    for field in getattr(record, "FACETS", {}):
        data[field] = sorted(getattr(record, field).values_list("pk", flat=True))
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _diff(before: dict, after: dict) -> dict[str, list]:
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record_change(
    *, actor, record: models.Model, action: str, before: dict | None = None
) -> ChangeRecord:
    """Log one write. Call inside the service's transaction, after the write."""
    after = {} if action == ChangeRecord.Action.DELETED else snapshot(record)
    changes = _diff(before or {}, after) if action != ChangeRecord.Action.DELETED else {}
    if getattr(actor, "is_authenticated", False):
        # Kept when the account is deleted (the actor becomes null), so the history can tell
        # a former member's change from one made by the system; it names nobody.
        changes[ACTOR_MARK] = [None, "person"]
    return ChangeRecord.objects.create(
        record_type=record._meta.label_lower,
        record_id=record.pk,
        record_label=str(record)[:200],
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        changes=changes,
        snapshot=after or (before or {}),
    )


def history_for(user, record: models.Model):
    """The record's change log, for those who may edit it (an empty list for others).

    Each entry is shown as VersionReader.readable_sides says: a reader may edit a record now
    that they could not read in an earlier version (a moderator, once a private record was
    made restricted)."""
    if not permissions.can_see_history(user, record):
        return ChangeRecord.objects.none()
    return ChangeRecord.objects.filter(
        record_type=record._meta.label_lower, record_id=record.pk
    ).select_related("actor")


def version_states(change: ChangeRecord) -> tuple[dict | None, dict | None]:
    """The record as it was before and after `change` (None: no such version, before a
    creation or after a deletion)."""
    snapshot_ = change.snapshot or {}
    if change.action == ChangeRecord.Action.CREATED:
        return None, snapshot_
    if change.action == ChangeRecord.Action.DELETED:
        return snapshot_, None  # a deletion keeps the record as it was before
    before = dict(snapshot_)
    for name, pair in (change.changes or {}).items():
        if not name.startswith("_") and isinstance(pair, list) and len(pair) == 2:
            before[name] = pair[0]
    return before, snapshot_


class VersionReader:
    """Which versions of one record `user` could read (accounts.permissions.may_read_version),
    asked once per distinct state: a history page shows many entries of few states."""

    # The fields that decide who reads a version (the others never change the answer).
    _DECIDING = ("visibility", "organization_id", "is_hidden", "restricted_to_sectors")

    def __init__(self, user, record: models.Model):
        self.user = user
        self.record = record
        self._answers: dict[str, bool] = {}

    def may_read(self, state: dict) -> bool:
        key = json.dumps([state.get(name) for name in self._DECIDING], default=str)
        if key not in self._answers:
            self._answers[key] = permissions.may_read_version(self.user, self.record, state)
        return self._answers[key]

    def readable_sides(self, change: ChangeRecord) -> tuple[bool, bool]:
        """Whether the reader may see the values before and after `change`. A creation (or a
        deletion) involves one version only, and both sides follow it."""
        before, after = version_states(change)
        before = after if before is None else before
        after = before if after is None else after
        return self.may_read(before), self.may_read(after)

    def may_restore(self, change: ChangeRecord) -> bool:
        """A version is restored from the state after `change`: only one the reader could read."""
        after = version_states(change)[1]
        return after is not None and self.may_read(after)


@transaction.atomic
def record_restore(*, actor, record: models.Model, change: ChangeRecord):
    """A moderator puts a record back as it was after `change` (validated like any edit)."""
    from accounts import services as account_services
    from registry import services

    if actor is not None and not permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators restore earlier versions."))
    if (change.record_type, change.record_id) != (record._meta.label_lower, record.pk):
        raise ValidationError({"change": _("That version belongs to another record.")})
    if actor is not None and not VersionReader(actor, record).may_restore(change):
        # Never put back (nor show) a version its restorer could not read at the time.
        raise PermissionDenied(_("That version is not available to you."))
    model = type(record)
    data: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if (
            not field.editable
            or field.primary_key
            or field.name in _SKIPPED
            or field.name in ("organization", "is_hidden", "hidden_reason", "slug")
            or field.attname not in change.snapshot
        ):
            continue
        value = change.snapshot[field.attname]
        if field.is_relation:
            related = field.related_model
            data[field.name] = related.objects.filter(pk=value).first() if value else None
        else:
            data[field.name] = field.to_python(value)
    for facet in getattr(record, "FACETS", {}):
        if facet in change.snapshot:
            data[facet] = change.snapshot[facet]
    updaters = {
        "registry.tool": lambda: services.tool_update(actor=actor, tool=record, **data),
        "registry.need": lambda: services.need_update(actor=actor, need=record, **data),
        "registry.licenseoffer": lambda: services.license_offer_update(
            actor=actor, offer=record, **data
        ),
        "accounts.organization": lambda: account_services.organization_update(
            actor=actor, organization=record, **data
        ),
    }
    if change.record_type not in updaters:
        raise ValidationError({"change": _("This kind of record cannot be restored.")})
    restored = updaters[change.record_type]()
    # The update logged itself; mark the entry as a restore of that version.
    latest = ChangeRecord.objects.filter(
        record_type=change.record_type, record_id=record.pk
    ).first()
    if latest is not None:
        latest.action = ChangeRecord.Action.RESTORED
        latest.changes = {**latest.changes, "_restored_from": [None, change.pk]}
        latest.save(update_fields=["action", "changes"])
    return restored
