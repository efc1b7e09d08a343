"""The overlap engine: a draft tool or need in, the existing records like it out, ranked.

Every candidate comes from `accounts.permissions.restrict()` (through the registry
selectors): lexical search, vector comparison and facet look-ups all run inside the
restricted queryset or its id list, so a record the caller may not see is never scored,
counted or returned.

Steps, per record model (tools; for a need also the open needs):
1. read the draft: its language, and through the glossary its English keywords and implied
   facets;
2. gather candidates: the best lexical matches, similar names and, when the draft names
   functions, the records sharing the most of them (all while the draft is being embedded),
   then the nearest vectors;
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
from core import taxonomy
from registry import embeddings
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
# A title longer than this is a description of the tool, not its name: its words already go
# to the lexical search, and asking pg_trgm for names like a sentence reads the posting lists
# of dozens of trigrams for nothing (a short name cannot be 0.3-similar to a long sentence).
MAX_NAME_WORDS = 6
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
    record: models.Model  # while the engine scores, a _Candidate standing in for it
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
        language,
        facets,
        frozenset(explicit),
        words,
        weights,
        found.english_text,
        len(set(own_terms)),
        display,
    )


# --- Candidates -------------------------------------------------------------------------------


def _top(scores: Mapping[int, float], n: int) -> list[int]:
    return [pk for pk, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


class _PermittedRecords:
    """Which of some ids the restricted `queryset` holds, answered by reading those records
    through it: one statement both checks a batch of candidates and reads what scoring
    needs of them, and the answer is remembered for the rest of the request (a permission
    check and then a second read of the same rows would cost two statements)."""

    def __init__(self, queryset: models.QuerySet):
        self.queryset = queryset
        # Name (or title) first: it is the candidate's name.
        self.fields = lexical.record_text_fields(queryset.model)
        self.known: dict[int, _Candidate | None] = {}

    def __call__(self, ids: Iterable[int]) -> set[int]:
        ids = [int(pk) for pk in ids]
        unknown = [pk for pk in dict.fromkeys(ids) if pk not in self.known]
        if unknown:
            rows = self.queryset.filter(pk__in=unknown).order_by().values_list("pk", *self.fields)
            found = {
                row[0]: _Candidate(row[0], row[1] or "", " ".join(t or "" for t in row[1:]))
                for row in rows
            }
            for pk in unknown:
                self.known[pk] = found.get(pk)
        return {pk for pk in ids if self.known[pk] is not None}

    def records(self, ids: Iterable[int]) -> dict[int, _Candidate]:
        """The permitted candidates among `ids` (read now where not read yet)."""
        ids = list(ids)
        permitted = self(ids)
        return {pk: self.known[pk] for pk in ids if pk in permitted}


def _facet_candidates(
    queryset,
    facets: Mapping[str, set[str]],
    n: int,
    allowed: _PermittedRecords | None = None,
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
    """Records whose name is like the draft's title. Tools only: a need's title is a
    sentence, which the lexical and semantic candidates already cover."""
    if not title or len(title.split()) > MAX_NAME_WORDS or queryset.model is not Tool:
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


@dataclass(slots=True)
class _Candidate:
    """What scoring reads of a candidate record. Hundreds are read per request; the full
    records are read (through the same restricted queryset) for the matches returned only,
    since building a model instance costs more than reading its row."""

    pk: int
    name: str
    text: str


class _ModelCandidates:
    """One model's candidates, gathered in two steps around the draft's embedding.

    `gather()` runs while the draft is embedded on another thread: the lexical, name and
    facet candidates are found, permitted, read and prepared (their terms, facets and name
    similarity). `score()` then adds the nearest vectors, reads only the records not yet
    read, and scores them all. So most of the database and Python work of a request
    overlaps the embedding instead of waiting for it."""

    def __init__(self, draft: Draft, reading: _Reading, queryset: models.QuerySet, kind: str):
        self.draft = draft
        self.reading = reading
        self.queryset = queryset
        self.kind = kind
        self.records: dict[int, _Candidate] = {}
        self.facets: dict[int, dict[str, set[str]]] = {}
        self.doc_terms: dict[int, set[str]] = {}
        self.names: dict[int, float] = {}
        self.facet_matches: dict[int, scoring.FacetMatch] = {}
        self.fits: dict[int, float] = {}

    def gather(self) -> _ModelCandidates:
        queryset, reading = self.queryset, self.reading
        lexical_raw, _engine = lexical.lexical_ranks(queryset, reading.words)
        self.lexical_rel = scoring.normalize_ranks(lexical_raw)
        name_ids = _name_candidates(queryset, self.draft.title, NAME_POOL)
        self.permitted = _PermittedRecords(queryset)
        lexical_ids = _top(self.lexical_rel, LEXICAL_POOL)
        # One statement reads the lexical and name candidates and checks (reading them too)
        # the facet candidates to be tried first; the vector candidates later reuse it.
        self.permitted(
            [*lexical_ids, *name_ids, *_facet_first_check(queryset, reading.facets, FACET_POOL)]
        )
        facet_ids = _facet_candidates(queryset, reading.facets, FACET_POOL, self.permitted)
        self._read([*lexical_ids, *name_ids, *facet_ids])
        return self

    def _read(self, pks: Iterable[int]) -> None:
        """Take in and prepare the permitted records of `pks` not taken in yet (read through
        the restricted queryset: only allowed rows come back)."""
        missing = [pk for pk in dict.fromkeys(pks) if pk not in self.records]
        if not missing:
            return
        found = self.permitted.records(missing)
        self.records.update(found)
        self.facets.update(_facets_of(self.queryset.model, list(found), self.queryset.db))
        title, reading = self.draft.title, self.reading
        explicit = reading.explicit_facets()
        for pk, record in found.items():
            self.doc_terms[pk] = set(scoring.terms(record.text))
            self.names[pk] = scoring.name_similarity(title, record.name) if title else 0.0
            record_facets = self.facets.get(pk, {})
            self.facet_matches[pk] = scoring.facet_overlap(reading.facets, record_facets)
            self.fits[pk] = scoring.explicit_fit(explicit, record_facets)

    def score(self, query_vector: np.ndarray | None) -> list[OverlapMatch]:
        reading, records = self.reading, self.records
        cosines: dict[int, float] = {}
        if query_vector is not None:
            nearest, scores = vector_index(self.queryset.model).nearest(
                self.queryset, query_vector, SEMANTIC_POOL, allowed=self.permitted
            )
            self._read(nearest)
            # Cosines of every permitted record read, the nearest ones and the others alike.
            if nearest:
                cosines = scores.of(records)
        if not records:
            return []
        doc_terms = self.doc_terms

        # Terms that nearly every candidate contains ("trafficking") explain nothing.
        n_docs = max(1, len(doc_terms))
        df = {
            t: sum(1 for terms in doc_terms.values() if t in terms) for t in reading.query_weights
        }
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
        matches = []
        for pk, record in records.items():
            facet_match = self.facet_matches[pk]
            cosine = cosines.get(pk)
            signals = scoring.Signals(
                lexical=self.lexical_rel.get(pk, 0.0),
                semantic=None if cosine is None else scoring.calibrate_cosine(cosine),
                name=self.names[pk],
                facets=facet_match.score,
                coverage=scoring.coverage(weights, doc_terms[pk]),
            )
            score = scoring.fuse(signals, blend) * self.fits[pk]
            match = OverlapMatch(
                type=self.kind,
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
    # this one gathers, reads and prepares the lexical, name and facet candidates.
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
        prepared.append(_ModelCandidates(draft, reading, queryset, kind).gather())
    query_vector = embedding.result()
    matches: list[OverlapMatch] = []
    for candidates in prepared:
        matches.extend(candidates.score(query_vector))
    matches.sort(key=lambda m: (-m.score, m.type, m.name.lower(), m.record.pk))
    matches = _with_records(matches[:limit], {c.kind: c.queryset for c in prepared})
    for match in matches:
        match.reasons = _explain(reading, match)
    return matches


def _with_records(matches: list[OverlapMatch], querysets) -> list[OverlapMatch]:
    """The matches with their full records, read through the restricted querysets they came
    from (one statement per type); a record gone or hidden since is left out."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for match in matches:
        wanted[match.type].append(match.record.pk)
    records = {
        kind: {r.pk: r for r in querysets[kind].filter(pk__in=pks).order_by()}
        for kind, pks in wanted.items()
    }
    kept = []
    for match in matches:
        record = records[match.type].get(match.record.pk)
        if record is not None:
            match.record = record
            kept.append(match)
    return kept
