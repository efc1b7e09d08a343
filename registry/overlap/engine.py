"""The overlap engine: a draft tool or need in, the existing records like it out, ranked.

Every candidate comes from `accounts.permissions.restrict()` (through the registry
selectors): lexical search, vector comparison and facet look-ups all run inside the
restricted queryset or its id list, so a record the caller may not see is never scored,
counted or returned.

Steps, per record model (tools; for a need also the open needs):
1. read the draft: its language, and through the glossary its English keywords and implied
   facets;
2. gather candidates: the best lexical matches, the nearest vectors, similar names and, when
   the draft names functions, the records sharing the most of them;
3. score each candidate from four signals (registry.overlap.scoring) and explain the score.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.db import models
from django.utils.translation import gettext as _

from accounts.permissions import restrict
from registry import embeddings, taxonomy
from registry.models import Need, Tool
from registry.models.vocabulary import Function, Region, TargetUser, TraffickingType
from registry.search.facets import facets_of, first_check, records_sharing, sharing_ranked

from . import glossary, lexical, scoring
from .vectors import vector_index

KINDS = ("tool", "need")
SYNONYM_WEIGHT = 0.3
FACET_FIELDS = glossary.FACET_FIELDS
MAX_LIMIT = 50

# Candidates taken from each source before scoring.
LEXICAL_POOL = 80
SEMANTIC_POOL = 80
NAME_POOL = 15
FACET_POOL = 60

_VOCABULARY = {
    "functions": Function,
    "trafficking_types": TraffickingType,
    "target_users": TargetUser,
    "regions": Region,
}


@dataclass(frozen=True)
class Draft:
    """What someone is about to post: a tool they plan to build or a need they have."""

    kind: str = "tool"
    title: str = ""
    description: str = ""
    functions: tuple[str, ...] = ()
    trafficking_types: tuple[str, ...] = ()
    target_users: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    language: str = "en"

    @property
    def text(self) -> str:
        title, description = self.title.strip(), self.description.strip()
        if title and description:
            return f"{title}. {description}"
        return title or description

    def explicit_facets(self) -> dict[str, set[str]]:
        return {f: set(getattr(self, f)) for f in FACET_FIELDS if getattr(self, f)}


@dataclass
class OverlapMatch:
    """One existing record that overlaps the draft."""

    type: str  # "tool" or "need"
    record: models.Model
    score: float
    likely_duplicate: bool
    reasons: list[str]
    signals: scoring.Signals = field(default_factory=scoring.Signals)
    # What the reasons are written from (set by the engine; not part of the answer).
    _explain: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def slug(self) -> str:
        return self.record.slug

    @property
    def name(self) -> str:
        return getattr(self.record, "name", None) or self.record.title


@dataclass(frozen=True)
class _Reading:
    language: str
    facets: dict[str, set[str]]
    explicit: frozenset[str]  # facet fields the draft gave itself
    words: list[str]
    query_weights: dict[str, float]
    english_text: str
    draft_terms: int  # informative words in the draft itself
    display: dict[str, str]  # stem -> a word as the draft (or glossary) wrote it

    def explicit_facets(self) -> dict[str, set[str]]:
        return {f: self.facets[f] for f in self.explicit}


# --- Labels -----------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _labels_for(facet: str) -> dict[str, str]:
    return {code: str(label) for code, label in _VOCABULARY[facet].definitions()}


def _labels(facet: str, codes: Iterable[str]) -> str:
    labels = _labels_for(facet) if facet != "regions" else _region_labels()
    return ", ".join(labels.get(code, code) for code in codes)


@lru_cache(maxsize=1)
def _region_labels() -> dict[str, str]:
    return dict(taxonomy.region_choices())


# --- Reading the draft ------------------------------------------------------------------------


def read(draft: Draft) -> _Reading:
    language = glossary.detect_language(draft.text, draft.language)
    found = glossary.read_draft(draft.text, language)
    explicit = draft.explicit_facets()
    facets = {f: set(explicit.get(f) or found.facets.get(f) or ()) for f in FACET_FIELDS}
    words = lexical.query_words(
        draft.title, draft.description, found.english_text, extra_first=language != "en"
    )
    # Term weights for coverage: the title's words count double; glossary keywords stand in
    # for the words of a non-English draft.
    title_terms = set(scoring.terms(draft.title))
    own_terms = scoring.terms(draft.text)
    weights: dict[str, float] = {}
    for term in own_terms + (scoring.terms(found.english_text) if language != "en" else []):
        weights[term] = 2.0 if term in title_terms else 1.0
    # An English draft's glossary synonyms ("hotline" for "helpline") count a little.
    for term in scoring.terms(found.english_text) if language == "en" else []:
        weights.setdefault(term, SYNONYM_WEIGHT)
    display: dict[str, str] = {}
    for word in scoring.words(f"{draft.text} {found.english_text}"):
        display.setdefault(scoring.stem(word), word)
    return _Reading(
        language, facets, frozenset(explicit), words, weights, found.english_text,
        len(set(own_terms)), display,
    )


# --- Candidates -------------------------------------------------------------------------------


def _top(scores: Mapping[int, float], n: int) -> list[int]:
    return [pk for pk, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


class _Permitted:
    """Which of some ids the restricted `queryset` holds: asked in batches, remembered for
    the rest of the request, so the vector and facet candidates of one model are checked
    in one statement. `also` are ids to check along with the first batch asked."""

    def __init__(self, queryset: models.QuerySet, also: Iterable[int] = ()):
        self.queryset = queryset
        self.also = [int(pk) for pk in also]
        self.known: dict[int, bool] = {}

    def __call__(self, ids: Iterable[int]) -> set[int]:
        ids = [int(pk) for pk in ids]
        unknown = [pk for pk in dict.fromkeys([*ids, *self.also]) if pk not in self.known]
        self.also = []
        if unknown:
            found = set(self.queryset.filter(pk__in=unknown).values_list("pk", flat=True))
            for pk in unknown:
                self.known[pk] = pk in found
        return {pk for pk in ids if self.known[pk]}


def _facet_candidates(
    queryset, facets: Mapping[str, set[str]], n: int, allowed: _Permitted | None = None
) -> list[int]:
    """Records of `queryset` sharing the most of the draft's functions (then lowest id)."""
    wanted = facets.get("functions")
    if not wanted:
        return []
    return records_sharing(queryset, "functions", sorted(wanted), n, allowed=allowed)


def _facet_first_check(queryset, facets: Mapping[str, set[str]], n: int) -> list[int]:
    """The facet candidates `_facet_candidates` will check first (not yet permitted)."""
    wanted = facets.get("functions")
    if not wanted:
        return []
    ranked = sharing_ranked(queryset.model, "functions", sorted(wanted), using=queryset.db)
    if ranked is None:
        return []
    return ranked[: first_check(n)].tolist()


def _name_candidates(queryset, title: str, n: int) -> dict[int, float]:
    if not title or len(title.split()) > 12:
        return {}
    try:
        from registry.search import get_backend

        return dict(get_backend(queryset.db).similar_names(queryset, title, n))
    except Exception:  # similar names only add candidates; the pool stands without them
        return {}


def _facets_of(model, pks: list[int], using: str = "default") -> dict[int, dict[str, set[str]]]:
    """{pk: {facet: codes}} for the four compared facets: from the in-memory facet index
    where there is one (registry.search.facets), else one query per facet."""
    indexed = facets_of(model, pks, FACET_FIELDS, using=using)
    if indexed is not None:
        return indexed
    result: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    own = f"{model._meta.model_name}_id"
    for facet in FACET_FIELDS:
        related = model._meta.get_field(facet)
        through = related.remote_field.through
        target = f"{related.related_model._meta.model_name}_id"
        for pk, code in through.objects.filter(**{f"{own}__in": pks}).values_list(own, target):
            result[pk][facet].add(code)
    return result


# --- Reasons ----------------------------------------------------------------------------------


def _reasons(
    reading: _Reading,
    match: scoring.FacetMatch,
    signals: scoring.Signals,
    terms: list[str],
) -> list[str]:
    reasons: list[str] = []
    headings = {
        "functions": (_("Shared functions: %s"), _("Functions your text suggests: %s")),
        "target_users": (_("Same target users: %s"), _("Target users your text suggests: %s")),
        "trafficking_types": (
            _("Same trafficking types: %s"),
            _("Trafficking types your text suggests: %s"),
        ),
        "regions": (_("Same regions: %s"), _("Regions your text mentions: %s")),
    }
    for facet in FACET_FIELDS:
        codes = [c for c in match.shared.get(facet, ()) if c != scoring.GLOBAL]
        if codes:
            given, inferred = headings[facet]
            template = given if facet in reading.explicit else inferred
            reasons.append(template % _labels(facet, codes))
    if match.matched_by_global and not [
        c for c in match.shared.get("regions", ()) if c != scoring.GLOBAL
    ]:
        reasons.append(_("Works worldwide, which covers the regions you named"))
    if signals.name >= 0.6:
        reasons.append(_("Very similar name"))
    elif signals.name >= 0.4:
        reasons.append(_("Similar name"))
    if terms:
        reasons.append(_("Matching terms: %s") % ", ".join(terms))
    if signals.semantic is not None and signals.semantic >= 0.45:
        reasons.append(_("Similar description (semantic)"))
    return reasons


# --- Scoring one model's candidates -----------------------------------------------------------


def _display_name(record) -> str:
    return getattr(record, "name", None) or getattr(record, "title", "")


def _record_text(record) -> str:
    if isinstance(record, Tool):
        return f"{record.name} {record.summary} {record.description}"
    return f"{record.title} {record.description}"


@dataclass(frozen=True)
class _Gathered:
    """The candidates of one model that need no embedding."""

    lexical_rel: dict[int, float]
    names: dict[int, float]


def _gather(draft: Draft, reading: _Reading, queryset: models.QuerySet) -> _Gathered:
    lexical_raw, _engine = lexical.lexical_ranks(queryset, reading.words)
    return _Gathered(
        scoring.normalize_ranks(lexical_raw),
        _name_candidates(queryset, draft.title, NAME_POOL),
    )


def _score_model(
    draft: Draft,
    reading: _Reading,
    queryset: models.QuerySet,
    kind: str,
    query_vector: np.ndarray | None,
    gathered: _Gathered | None = None,
) -> list[OverlapMatch]:
    model = queryset.model
    gathered = gathered or _gather(draft, reading, queryset)
    lexical_rel = gathered.lexical_rel

    # The vector and facet candidates are checked against the restricted queryset together.
    permitted = _Permitted(queryset, also=_facet_first_check(queryset, reading.facets, FACET_POOL))
    nearest: dict[int, float] = {}
    scores = None
    if query_vector is not None:
        nearest, scores = vector_index(model).nearest(
            queryset, query_vector, SEMANTIC_POOL, allowed=permitted
        )
    facet_ids = _facet_candidates(queryset, reading.facets, FACET_POOL, permitted)

    pool = set(_top(lexical_rel, LEXICAL_POOL))
    pool |= set(nearest)
    pool |= set(gathered.names)
    pool |= set(facet_ids)
    if not pool:
        return []
    # Re-read the pool through the restricted queryset: only allowed rows come back.
    records = {r.pk: r for r in queryset.filter(pk__in=pool)}
    # Cosines of the pool's permitted records (the nearest ones and the others alike).
    cosines = scores.of(records) if scores is not None and nearest else {}
    facets = _facets_of(model, list(records), queryset.db)
    doc_terms = {pk: set(scoring.terms(_record_text(r))) for pk, r in records.items()}

    # Terms that nearly every candidate contains ("trafficking") explain nothing.
    n_docs = max(1, len(doc_terms))
    df = {t: sum(1 for terms in doc_terms.values() if t in terms) for t in reading.query_weights}
    weights = {
        t: w * math.log(1 + n_docs / (1 + df[t]))
        for t, w in reading.query_weights.items()
        if df[t] <= 0.6 * n_docs or n_docs < 5
    }
    blend = scoring.weights_for(
        reading.language,
        semantic=bool(cosines),
        explicit_facets=bool(reading.explicit),
        draft_terms=reading.draft_terms,
    )
    explicit = reading.explicit_facets()
    matches = []
    for pk, record in records.items():
        facet_match = scoring.facet_overlap(reading.facets, facets.get(pk, {}))
        cosine = cosines.get(pk)
        signals = scoring.Signals(
            lexical=lexical_rel.get(pk, 0.0),
            semantic=None if cosine is None else scoring.calibrate_cosine(cosine),
            name=scoring.name_similarity(draft.title, _display_name(record))
            if draft.title
            else 0.0,
            facets=facet_match.score,
            coverage=scoring.coverage(weights, doc_terms[pk]),
        )
        score = scoring.fuse(signals, blend) * scoring.explicit_fit(explicit, facets.get(pk, {}))
        match = OverlapMatch(
            type=kind,
            record=record,
            score=round(score, 4),
            likely_duplicate=scoring.is_likely_duplicate(score, signals, reading.draft_terms),
            reasons=[],
            signals=signals,
        )
        # Reasons are written for the matches returned only (find_overlaps), from these.
        match._explain = (facet_match, weights, doc_terms[pk])
        matches.append(match)
    return matches


def _explain(reading: _Reading, match: OverlapMatch) -> list[str]:
    facet_match, weights, doc_terms = match._explain
    terms = [reading.display.get(t, t) for t in scoring.matched_terms(weights, doc_terms)]
    return _reasons(reading, facet_match, match.signals, terms)


# --- The engine -------------------------------------------------------------------------------

_EMBEDDER: ThreadPoolExecutor | None = None
_EMBEDDER_LOCK = threading.Lock()


def _embedder() -> ThreadPoolExecutor:
    """One worker thread per process for query embeddings (the model runs one at a time)."""
    global _EMBEDDER
    with _EMBEDDER_LOCK:
        if _EMBEDDER is None:
            _EMBEDDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="overlap-embed")
        return _EMBEDDER



def find_overlaps(
    draft: Draft,
    *,
    user,
    limit: int = 10,
    exclude: Iterable[models.Model] = (),
) -> list[OverlapMatch]:
    """The existing tools (and for a need, the open needs) that overlap `draft`, best first.

    `user` is whoever asks (an AnonymousUser or None for anonymous callers): only records
    `restrict()` lets them read are considered. `exclude` leaves out given records, such as
    the need being edited."""
    if draft.kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if not draft.text:
        return []
    limit = max(1, min(MAX_LIMIT, int(limit)))
    from registry.search.postgres import stamps_read_once

    # The in-memory facet and vector caches check their change stamps: one read for all.
    with stamps_read_once():
        return _find_overlaps(draft, user=user, limit=limit, exclude=exclude)


def _find_overlaps(draft: Draft, *, user, limit: int, exclude) -> list[OverlapMatch]:
    reading = read(draft)
    # The draft is embedded on another thread (the model's C code releases the GIL) while
    # this one asks the database for the lexical, name and facet candidates.
    embedding = _embedder().submit(embeddings.embed_query, draft.text)
    excluded = defaultdict(list)
    for record in exclude:
        excluded[type(record)].append(record.pk)

    scopes: list[tuple[str, models.QuerySet]] = [("tool", restrict(Tool.objects.all(), user))]
    if draft.kind == "need":
        scopes.append(
            ("need", restrict(Need.objects.filter(status=taxonomy.NeedStatus.OPEN), user))
        )
    prepared = []
    for kind, queryset in scopes:
        if excluded.get(queryset.model):
            queryset = queryset.exclude(pk__in=excluded[queryset.model])
        prepared.append((kind, queryset, _gather(draft, reading, queryset)))
    query_vector = embedding.result()
    matches: list[OverlapMatch] = []
    for kind, queryset, gathered in prepared:
        matches.extend(_score_model(draft, reading, queryset, kind, query_vector, gathered))
    matches.sort(key=lambda m: (-m.score, m.type, m.name.lower(), m.record.pk))
    matches = matches[:limit]
    for match in matches:
        match.reasons = _explain(reading, match)
    return matches
