"""Sentence-embedding vectors of tools and needs, computed when a record is saved.

One row per record, keyed by the record itself (the one-to-one link is the primary key), so a
vector is found by the record's id without another index and disappears with its record.
These rows are never read on their own: the overlap engine loads the vectors of the ids that
`accounts.permissions.restrict` let through.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordEmbedding(models.Model):
    """A stored vector of a record's text and what it was computed from."""

    vector = models.BinaryField(_("vector"))
    dimensions = models.PositiveSmallIntegerField(_("dimensions"))
    model_name = models.CharField(_("model"), max_length=100)
    # sha256 of the model name and the embedded text: an unchanged text is not embedded again.
    text_hash = models.CharField(_("text hash"), max_length=64)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class ToolEmbedding(RecordEmbedding):
    """The embedding of one tool's name, summary, description and facet labels."""

    record = models.OneToOneField(
        "registry.Tool", on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )

    class Meta:
        verbose_name = _("tool embedding")
        verbose_name_plural = _("tool embeddings")

    def __str__(self) -> str:
        return f"embedding of tool {self.record_id}"


class NeedEmbedding(RecordEmbedding):
    """The embedding of one need's title, description and facet labels."""

    record = models.OneToOneField(
        "registry.Need", on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )

    class Meta:
        verbose_name = _("need embedding")
        verbose_name_plural = _("need embeddings")

    def __str__(self) -> str:
        return f"embedding of need {self.record_id}"
