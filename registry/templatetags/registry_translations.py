"""Tool summaries in the reader's language, for the tool page and the tool cards.

A tool record stays in the language its authors wrote it in (registry.models.translation).
The tool page shows the summary written for the reader's interface language when there is
one, with the way back to the original; a tool card shows it instead of the original.

Cards come in lists, so `card_summary` loads the translations of every tool the page holds in
one query the first time it is called, and keeps them on the request for the other cards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.conf import settings
from django.core.paginator import Page
from django.db.models import QuerySet
from django.utils.translation import get_language, get_language_info

from registry.models import Tool, ToolSummaryTranslation

register = template.Library()

ORIGINAL = "original"
_CACHE_ATTR = "_registry_card_summaries"


def reader_language() -> str:
    """The active interface language as one of settings.LANGUAGES' codes."""
    codes = [code for code, _name in settings.LANGUAGES]
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    if language in codes:
        return language
    base = language.split("-")[0]
    return next((code for code in codes if code.split("-")[0] == base), settings.LANGUAGE_CODE)


def language_name(code: str) -> str:
    """The language's name in the reader's language ("Spanish", "Español", "西班牙语")."""
    return get_language_info(code)["name_translated"]


def local_name(code: str) -> str:
    """The language's name in itself, for links a reader of that language looks for."""
    return get_language_info(code)["name_local"]


@dataclass
class LanguageLink:
    code: str
    name: str
    local_name: str
    is_shown: bool


@dataclass
class TranslationPanel:
    """What the tool page's translation panel shows."""

    translations: list[ToolSummaryTranslation]
    shown: ToolSummaryTranslation | None
    shown_name: str
    reader_translation: ToolSummaryTranslation | None
    reader_language_name: str
    showing_original: bool
    languages: list[LanguageLink] = field(default_factory=list)


def _translations_of(tool: Tool) -> list[ToolSummaryTranslation]:
    prefetched = getattr(tool, "_prefetched_objects_cache", {})
    if "summary_translations" in prefetched:
        return sorted(prefetched["summary_translations"], key=lambda t: t.language)
    return list(ToolSummaryTranslation.objects.filter(tool=tool).order_by("language"))


@register.simple_tag(takes_context=True)
def tool_translation_panel(context, tool: Tool) -> TranslationPanel:
    """The translations of `tool` and the one to show: `?translation=<code>` picks one,
    `?translation=original` shows the original, and otherwise the reader's language wins."""
    request = context.get("request")
    translations = _translations_of(tool)
    by_language = {t.language: t for t in translations}
    language = reader_language()
    asked = request.GET.get("translation", "") if request is not None else ""
    showing_original = asked == ORIGINAL
    if showing_original:
        shown = None
    elif asked in by_language:
        shown = by_language[asked]
    else:
        shown = by_language.get(language)
    return TranslationPanel(
        translations=translations,
        shown=shown,
        shown_name=language_name(shown.language) if shown else "",
        reader_translation=by_language.get(language),
        reader_language_name=language_name(language),
        showing_original=showing_original,
        languages=[
            LanguageLink(
                code=t.language,
                name=language_name(t.language),
                local_name=local_name(t.language),
                is_shown=shown is not None and t.language == shown.language,
            )
            for t in translations
        ],
    )


def _tools_in_context(context) -> list[Tool]:
    """Tools the template is listing: pages, lists and evaluated querysets of tools."""
    tools: list[Tool] = []
    for value in context.flatten().values():
        if isinstance(value, Page):
            value = value.object_list
        if isinstance(value, QuerySet):
            value = value._result_cache if value.model is Tool else None
        if isinstance(value, list | tuple):
            tools.extend(item for item in value if isinstance(item, Tool))
    return tools


@dataclass(frozen=True)
class CardSummary:
    text: str
    language: str | None  # set when the text is a translation

    def __str__(self) -> str:
        return self.text


@register.simple_tag(takes_context=True)
def card_summary(context, tool: Tool) -> CardSummary:
    """The summary a tool card shows: the reader's language when written, else the original."""
    language = reader_language()
    request = context.get("request")
    cache: dict[int, str] = {}
    if request is not None:
        store = getattr(request, _CACHE_ATTR, None)
        if store is None:
            store = {}
            setattr(request, _CACHE_ATTR, store)
        cache = store.setdefault(language, {})
    if tool.pk not in cache:
        prefetched = getattr(tool, "_prefetched_objects_cache", {}).get("summary_translations")
        if prefetched is not None:
            cache[tool.pk] = next((t.summary for t in prefetched if t.language == language), "")
        else:
            ids = {t.pk for t in _tools_in_context(context) if t.pk not in cache} | {tool.pk}
            found = dict(
                ToolSummaryTranslation.objects.filter(
                    tool_id__in=ids, language=language
                ).values_list("tool_id", "summary")
            )
            for pk in ids:
                cache[pk] = found.get(pk, "")
    translated = cache.get(tool.pk, "")
    if translated:
        return CardSummary(text=translated, language=language)
    return CardSummary(text=tool.summary, language=None)
