"""Summaries of a tool in further interface languages.

A tool record stays in the language its authors wrote it in; those who may change the tool
add its summary (and, if they wish, its description) in the other languages of the interface.
Each write is logged as an update of the tool: its changes name `summary [es]`,
`description [es]` and so on; its snapshot holds every translation under `summary_translations`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Action
from registry.history import record_change, snapshot
from registry.models import Tool, ToolSummaryTranslation

from .records import _require

LOG_KEY = "summary_translations"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _translations_state(tool: Tool) -> dict[str, dict[str, str]]:
    return {
        t.language: {"summary": t.summary, "description": t.description}
        for t in ToolSummaryTranslation.objects.filter(tool=tool).order_by("language")
    }


def _log(actor, tool: Tool, before_tool: dict, before: dict) -> None:
    """Record the change as an update of the tool (its history panel shows it)."""
    tool.save(update_fields=["updated_at"])
    entry = record_change(actor=actor, record=tool, action="updated", before=before_tool)
    after = _translations_state(tool)
    changes = dict(entry.changes)
    for language in sorted(set(before) | set(after)):
        for part in ("summary", "description"):
            old = before.get(language, {}).get(part) or None
            new = after.get(language, {}).get(part) or None
            if old != new:
                # Read as "summary [es]" in the tool's history panel.
                changes[f"{part} [{language}]"] = [old, new]
    entry.changes = changes
    entry.snapshot = {**entry.snapshot, LOG_KEY: after}
    entry.save(update_fields=["changes", "snapshot"])


@transaction.atomic
def tool_summary_translation_save(
    *, actor, tool: Tool, language: str, summary: str, description: str = ""
) -> ToolSummaryTranslation:
    """Add or replace the tool's summary in `language` (one of settings.LANGUAGES)."""
    _require(actor, Action.CHANGE, tool)
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    if language not in language_codes():
        raise ValidationError({"language": _("Choose one of the registry’s languages.")})
    before_tool = snapshot(tool)
    before = _translations_state(tool)
    translation = ToolSummaryTranslation.objects.filter(tool=tool, language=language).first()
    if translation is None:
        translation = ToolSummaryTranslation(tool=tool, language=language)
    translation.summary = (summary or "").strip()
    translation.description = (description or "").strip()
    translation.full_clean()
    translation.save()
    _log(actor, tool, before_tool, before)
    return translation


@transaction.atomic
def tool_summary_translation_delete(*, actor, tool: Tool, language: str) -> None:
    """Remove the tool's summary in `language`; DoesNotExist if there is none."""
    _require(actor, Action.CHANGE, tool)
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    translation = ToolSummaryTranslation.objects.get(tool=tool, language=language)
    before_tool = snapshot(tool)
    before = _translations_state(tool)
    translation.delete()
    _log(actor, tool, before_tool, before)
