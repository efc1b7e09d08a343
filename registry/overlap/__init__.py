"""Overlap: before anything is built or funded, the existing tools that already do it.

    from registry.overlap import Draft, find_overlaps
    matches = find_overlaps(Draft(kind="need", title="...", description="..."), user=user)

Scoring is pure functions (.scoring) over signals gathered from restricted querysets
(.engine); the domain glossary reads Spanish and Chinese drafts (.glossary); stored sentence
embeddings are written on save and cached for queries (.vectors).
"""

from .engine import KINDS, MAX_LIMIT, Draft, OverlapMatch, find_overlaps
from .vectors import (
    embedding_text,
    rebuild_embeddings,
    record_embedding_refresh,
    records_embed,
    schedule_embedding,
)

__all__ = [
    "KINDS",
    "MAX_LIMIT",
    "Draft",
    "OverlapMatch",
    "embedding_text",
    "find_overlaps",
    "rebuild_embeddings",
    "record_embedding_refresh",
    "records_embed",
    "schedule_embedding",
]
