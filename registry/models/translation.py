"""Tool summaries in further languages: records stay in their authors' language."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tool import SUMMARY_MAX_LENGTH


class ToolSummaryTranslation(models.Model):
    """The tool's summary (and optionally description) written in another interface language."""

    tool = models.ForeignKey(
        "registry.Tool", on_delete=models.CASCADE, related_name="summary_translations"
    )
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("translated summary")
        verbose_name_plural = _("translated summaries")
        constraints = [
            models.UniqueConstraint(fields=["tool", "language"], name="tool_summary_language_once")
        ]

    def __str__(self) -> str:
        return f"{self.tool} ({self.language})"
