"""The lexical side of overlap: which allowed records contain the draft's words.

A draft is a paragraph, not a search-box query: asking for records that contain *all* its
words would find nothing. So the draft's most informative words are sent to the registry's
search backend as alternatives ("a or b or c", at most the backend's term limit), and its
rank (bm25 on SQLite FTS5, ts_rank on PostgreSQL) orders the records containing any of them.
Should the search index be missing, a small BM25 in Python over the same restricted queryset
stands in, so overlap never depends on it.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence

from django.db import DatabaseError, models, transaction

from . import scoring

logger = logging.getLogger(__name__)

# How many alternatives one backend query may carry (registry.search.text.MAX_TERMS) and how
# many ranked records are kept.
MAX_QUERY_TERMS = 24
MAX_QUERY_CHARS = 480
MAX_RESULTS = 300
# At most about this many records should contain one of the words sent (see _backend_query).
MAX_LEXICAL_ROWS = 3000
MAX_CONJUNCTION = 4


def query_words(
    title: str, description: str, extra: str = "", *, extra_first: bool = False
) -> list[str]:
    """The words to look for, most telling first: the title's, then the description's longer
    words, then the glossary's keywords (first of all for a draft not in English, whose own
    words rarely occur in the catalogue); stop words and repeats removed."""
    seen: dict[str, None] = {}
    stems: set[str] = set()

    def add(text: str, min_length: int) -> None:
        for word in scoring.words(text):
            if word in scoring.STOP_WORDS or (len(word) < min_length and word.isascii()):
                continue
            if not word.isalnum():
                continue
            s = scoring.stem(word)
            if s in stems:
                continue
            stems.add(s)
            seen[word] = None

    if extra_first:
        add(extra, 3)
    add(title, 2)
    # Longer words are the more specific ones ("kilns" says more than "help").
    add(" ".join(sorted(scoring.words(description), key=len, reverse=True)), 4)
    add(extra, 3)
    return list(seen)


def _backend_query(
    words: Sequence[str], frequencies: tuple[float, dict[str, float]] | None = None
) -> str:
    """ "a or b or c" of the first words (at most MAX_QUERY_TERMS and MAX_QUERY_CHARS).

    With `frequencies` (rows, {word: share of rows having it}; the backend's estimate) and
    a catalogue larger than MAX_LEXICAL_ROWS, a word is skipped when the rows it would add
    take the estimated matches over MAX_LEXICAL_ROWS: a word half the records contain
    ranks nothing apart (ts_rank has no IDF) and makes the query rank half the table. The
    skipped words then come back as one more alternative that requires the rarest few of
    them together ("a or b or c d"). The draft's other signals (meaning, facets, names)
    still see every record."""
    budget = None
    if frequencies is not None and frequencies[0] > MAX_LEXICAL_ROWS:
        rows, shares = frequencies
        budget = MAX_LEXICAL_ROWS
    parts: list[str] = []
    length = 0
    estimated = 0.0
    for word in words[:MAX_QUERY_TERMS]:
        if length + len(word) + 4 > MAX_QUERY_CHARS:
            break
        if budget is not None:
            adds = rows * shares.get(word, 0.0)
            if estimated + adds > budget:
                continue
            estimated += adds
        parts.append(word)
        length += len(word) + 4
    skipped = [w for w in dict.fromkeys(words[:MAX_QUERY_TERMS]) if w not in parts]
    if budget is not None and skipped and estimated < budget / 2:
        # The common words left out, combined: the rarest few of them all required ("a b"
        # is AND), as many as it takes to fit what is left of the budget.
        room = max(budget - estimated, budget / 2)
        rarest = sorted((w for w in skipped if shares.get(w)), key=lambda w: (shares[w], w))
        conjunction: list[str] = []
        together = rows
        for word in rarest[:MAX_CONJUNCTION]:
            conjunction.append(word)
            together *= shares[word]
            if together <= room:
                break
        if len(conjunction) > 1 or (conjunction and together <= room):
            parts.append(" ".join(conjunction))
    return " or ".join(parts)


def lexical_ranks(queryset: models.QuerySet, words: Sequence[str]) -> tuple[dict[int, float], str]:
    """{pk: rank} of the records of `queryset` (already restricted) containing any of
    `words`, higher is better; and which engine answered ("search" or "bm25")."""
    if not words:
        return {}, "none"
    try:
        from registry.search import get_backend

        backend = get_backend(queryset.db)
        # A savepoint, so that a missing index cannot break the caller's transaction.
        with transaction.atomic(using=queryset.db):
            text = _backend_query(words, backend.term_frequencies(queryset.model, words))
            if not text:
                return {}, "search"
            ids, ranks = backend.ranked_ids(queryset, text, limit=MAX_RESULTS)
        return dict(zip(ids, ranks, strict=True)), "search"
    except (ImportError, DatabaseError, NotImplementedError):
        logger.info("Search backend unavailable; overlap uses its own BM25.", exc_info=True)
    return bm25_ranks(queryset, words), "bm25"


def record_text_fields(model) -> tuple[str, ...]:
    """The text fields of a tool or need, its name (or title) first."""
    if any(f.name == "summary" for f in model._meta.concrete_fields):
        return ("name", "summary", "description")
    return ("title", "description")


def bm25_ranks(
    queryset: models.QuerySet, words: Sequence[str], *, k1: float = 1.2, b: float = 0.75
) -> dict[int, float]:
    """Okapi BM25 over the restricted queryset's own texts (name counted three times, a
    summary twice), statistics from the allowed records only."""
    fields = record_text_fields(queryset.model)
    query = Counter(scoring.stem(w) for w in words if w not in scoring.STOP_WORDS)
    if not query:
        return {}
    docs: dict[int, Counter] = {}
    for row in queryset.order_by().values_list("pk", *fields).iterator(chunk_size=2000):
        pk, texts = row[0], row[1:]
        counts: Counter = Counter()
        for weight, text in zip((3, 2, 1), texts, strict=False):
            for term in scoring.terms(text or ""):
                counts[term] += weight
        docs[pk] = counts
    if not docs:
        return {}
    n = len(docs)
    avg_len = sum(sum(c.values()) for c in docs.values()) / n or 1.0
    df = {t: sum(1 for c in docs.values() if t in c) for t in query}
    idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in query if df[t]}
    ranks: dict[int, float] = {}
    for pk, counts in docs.items():
        length = sum(counts.values())
        score = 0.0
        for term, weight in idf.items():
            tf = counts.get(term)
            if tf:
                score += weight * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_len))
        if score > 0:
            ranks[pk] = score
    return ranks
