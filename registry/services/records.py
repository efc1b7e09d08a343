"""Create, change and delete tools, needs and tool uses; share and hide them.

`actor=None` stands for the system itself (imports and scheduled tasks); any person acting
is checked against accounts.permissions before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Organization
from accounts.roles import Action
from core.errors import PermissionDenied
from registry.history import record_change, snapshot
from registry.models import FacetedRecord, Need, Tool, ToolUse
from registry.overlap import schedule_embedding


def _split(model: type[FacetedRecord], data: Mapping[str, Any]):
    scalars = {k: v for k, v in data.items() if k not in model.FACETS}
    facets = {k: v for k, v in data.items() if k in model.FACETS}
    unknown = [k for k in scalars if k not in _editable_fields(model)]
    if unknown:
        raise ValidationError({k: _("Unknown field.") for k in unknown})
    return scalars, facets


def _editable_fields(model) -> set[str]:
    return {
        f.name
        for f in model._meta.concrete_fields
        if f.editable
        and not f.primary_key
        and f.name not in ("created_at", "updated_at", "is_hidden", "hidden_reason")
    }


def _require(actor, action: Action, obj) -> None:
    if actor is None:
        return
    if not permissions.can(actor, Action.VIEW, obj):
        # The caller must not learn that the record exists.
        raise obj.DoesNotExist
    if not permissions.can(actor, action, obj):
        raise PermissionDenied(_("You may not change this record."))


def _require_create(actor, model, organization: Organization) -> None:
    if actor is not None and not permissions.can_create(actor, model, organization):
        raise PermissionDenied(_("You may not add records for this organization."))


# Path segments the pages use next to /tools/<slug>/ and /needs/<slug>/.
RESERVED_SLUGS = {"new", "edit", "delete", "workspace"}


def unique_slug(model, text: str, *, max_length: int = 100) -> str:
    base = slugify(text)[: max_length - 8] or model._meta.model_name
    if base in RESERVED_SLUGS:
        base = f"{base}-{model._meta.model_name}"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _save_faceted(instance: FacetedRecord, scalars: Mapping[str, Any], facets: Mapping) -> None:
    for name, value in scalars.items():
        setattr(instance, name, value)
    cleaned = instance.full_clean_with_facets(facets)
    if instance.visibility != "restricted" and "restricted_to_sectors" in instance.FACETS:
        cleaned["restricted_to_sectors"] = []
    instance.save()
    instance.set_facets(cleaned)


def require_widening_allowed(actor, record, scalars: Mapping, facets: Mapping) -> None:
    """Letting more people read a record is its organization's decision (its editors and
    owners) or an administrator's: a moderator may narrow a record or hide it, not widen it
    (accounts.permissions.can_widen_visibility). Refused as a field error, like any value the
    actor may not set."""
    if actor is None or ("visibility" not in scalars and "restricted_to_sectors" not in facets):
        return
    before = record.visibility
    before_sectors = record.facet_codes("restricted_to_sectors")
    after = scalars.get("visibility", before)
    after_sectors = facets.get("restricted_to_sectors", before_sectors)
    if not permissions.widens_visibility(before, before_sectors, after, after_sectors or []):
        return
    if permissions.can_widen_visibility(actor, record):
        return
    field = "visibility" if after != before else "restricted_to_sectors"
    raise ValidationError(
        {
            field: _(
                "Only the record's organization or an administrator may let more people "
                "see it; moderators may narrow it or hide it."
            )
        }
    )


def _still_allowed(actor, obj) -> None:
    """After a write, the actor must still be allowed to change what it wrote (NetBox's rule):
    otherwise an editor could move a record out of reach, or into another's organization."""
    if actor is not None and not permissions.can(actor, Action.CHANGE, obj):
        raise PermissionDenied(_("That change would put the record out of your reach."))


# --- Tools ----------------------------------------------------------------------------------


@transaction.atomic
def tool_create(*, actor, organization: Organization, **data: Any) -> Tool:
    _require_create(actor, Tool, organization)
    scalars, facets = _split(Tool, data)
    scalars.pop("organization", None)
    if not scalars.get("slug"):
        scalars["slug"] = unique_slug(Tool, scalars.get("name", ""))
    scalars.setdefault("last_reviewed_at", timezone.now())
    tool = Tool(organization=organization)
    _save_faceted(tool, scalars, facets)
    _still_allowed(actor, tool)
    record_change(actor=actor, record=tool, action="created")
    schedule_embedding(tool)
    return tool


@transaction.atomic
def tool_update(*, actor, tool: Tool, **data: Any) -> Tool:
    _require(actor, Action.CHANGE, tool)
    scalars, facets = _split(Tool, data)
    if "organization" in scalars and actor is not None:
        new_owner = scalars["organization"]
        _require_create(actor, Tool, new_owner)
    require_widening_allowed(actor, tool, scalars, facets)
    before = snapshot(tool)
    _save_faceted(tool, scalars, facets)
    _still_allowed(actor, tool)
    record_change(actor=actor, record=tool, action="updated", before=before)
    schedule_embedding(tool)
    return tool


@transaction.atomic
def tool_delete(*, actor, tool: Tool) -> None:
    _require(actor, Action.DELETE, tool)
    record_change(actor=actor, record=tool, action="deleted", before=snapshot(tool))
    tool.delete()


@transaction.atomic
def tool_mark_reviewed(*, actor, tool: Tool) -> Tool:
    """The owner confirms the entry is still accurate."""
    _require(actor, Action.CHANGE, tool)
    tool.last_reviewed_at = timezone.now()
    tool.save(update_fields=["last_reviewed_at", "updated_at"])
    return tool


# --- Needs ----------------------------------------------------------------------------------


@transaction.atomic
def need_create(*, actor, organization: Organization, **data: Any) -> Need:
    _require_create(actor, Need, organization)
    scalars, facets = _split(Need, data)
    scalars.pop("organization", None)
    if not scalars.get("slug"):
        scalars["slug"] = unique_slug(Need, scalars.get("title", ""))
    need = Need(organization=organization)
    if actor is not None and actor.is_authenticated:
        need.created_by = actor
    _save_faceted(need, scalars, facets)
    _still_allowed(actor, need)
    record_change(actor=actor, record=need, action="created")
    schedule_embedding(need)
    return need


@transaction.atomic
def need_update(*, actor, need: Need, **data: Any) -> Need:
    _require(actor, Action.CHANGE, need)
    scalars, facets = _split(Need, data)
    require_widening_allowed(actor, need, scalars, facets)
    before = snapshot(need)
    _save_faceted(need, scalars, facets)
    _still_allowed(actor, need)
    record_change(actor=actor, record=need, action="updated", before=before)
    schedule_embedding(need)
    return need


@transaction.atomic
def need_delete(*, actor, need: Need) -> None:
    _require(actor, Action.DELETE, need)
    record_change(actor=actor, record=need, action="deleted", before=snapshot(need))
    need.delete()


# --- Tool uses ------------------------------------------------------------------------------


@transaction.atomic
def tool_use_create(*, actor, organization: Organization, tool: Tool, **data: Any) -> ToolUse:
    _require_create(actor, ToolUse, organization)
    if actor is not None and not permissions.can(actor, Action.VIEW, tool):
        raise Tool.DoesNotExist
    scalars, facets = _split(ToolUse, data)
    use = ToolUse.objects.filter(organization=organization, tool=tool).first()
    if use is not None:
        raise ValidationError({"tool": _("This organization already records using this tool.")})
    use = ToolUse(organization=organization, tool=tool)
    _save_faceted(use, scalars, facets)
    return use


@transaction.atomic
def tool_use_update(*, actor, tool_use: ToolUse, **data: Any) -> ToolUse:
    _require(actor, Action.CHANGE, tool_use)
    scalars, facets = _split(ToolUse, data)
    require_widening_allowed(actor, tool_use, scalars, facets)
    scalars.pop("tool", None)
    scalars.pop("organization", None)
    _save_faceted(tool_use, scalars, facets)
    return tool_use


@transaction.atomic
def tool_use_delete(*, actor, tool_use: ToolUse) -> None:
    _require(actor, Action.DELETE, tool_use)
    tool_use.delete()


# --- Sharing and moderation -----------------------------------------------------------------


@transaction.atomic
def record_share(*, actor, record, organization: Organization) -> None:
    """Share a private or restricted record with another organization."""
    _require(actor, Action.SHARE, record)
    if record.visibility not in ("private", "restricted"):
        raise ValidationError(
            {"visibility": _("Only private and restricted records are shared by name.")}
        )
    if organization.pk == record.organization_id:
        raise ValidationError({"organization": _("A record is always visible to its owner.")})
    permissions.grant_share(record, organization)


@transaction.atomic
def record_unshare(*, actor, record, organization: Organization) -> None:
    _require(actor, Action.SHARE, record)
    permissions.revoke_share(record, organization)


@transaction.atomic
def record_hide(*, actor, record, hidden: bool, reason: str = "") -> None:
    """A moderator hides a wrong or harmful entry (or shows it again)."""
    if actor is not None and not permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators hide records."))
    _require(actor, Action.CHANGE, record)
    if hidden and not reason.strip():
        raise ValidationError({"hidden_reason": _("Say why the record is hidden.")})
    record.is_hidden = hidden
    record.hidden_reason = reason.strip() if hidden else ""
    record.save(update_fields=["is_hidden", "hidden_reason"])
