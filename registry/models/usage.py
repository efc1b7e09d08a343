"""Tool uses: which organization relies on which tool."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .facets import FacetedRecord
from .tool import VisibleRecord


class ToolUse(FacetedRecord, VisibleRecord):
    """An organization uses a tool. Its own visibility lets an organization keep it quiet."""

    FACETS = {"restricted_to_sectors": False}

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="tool_uses"
    )
    tool = models.ForeignKey("registry.Tool", on_delete=models.CASCADE, related_name="uses")
    since = models.DateField(_("in use since"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tool__name", "organization__name"]
        verbose_name = _("tool use")
        verbose_name_plural = _("tool uses")
        constraints = [
            models.UniqueConstraint(fields=["organization", "tool"], name="unique_tool_use")
        ]

    def __str__(self) -> str:
        return f"{self.organization} uses {self.tool}"
