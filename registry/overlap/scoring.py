"""The overlap engine's scoring, as pure functions: plain values in, plain values out.

Four signals say how much an existing record overlaps a draft, each in [0, 1]:

* lexical: the record's text contains the draft's informative words (per-query relative
  rank, tempered by how much of the draft's vocabulary the record covers);
* semantic: the cosine of sentence embeddings, calibrated from e5's narrow cosine band;
* name: trigram similarity of the draft's title with the record's name;
* facets: shared functions, trafficking types, target users and regions.

`fuse` blends them with weights that depend on the draft's language (a Spanish draft is
matched mostly by meaning, since its words rarely appear in English descriptions) and on
which signals exist (no embeddings, no facets). `is_likely_duplicate` is a separate,
stricter rule calibrated on benchmarks/overlap_queries.json.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from .glossary import fold

# --- Words ------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our ours out over own
    same she should so some such than that the their theirs them then there these they this
    those through to too under until up very was we were what when where which while who whom
    why will with would you your yours us want wants need needs needed like
    build building help helps make makes use used using via per etc one two new
    de la que el en los las del para con una por se su sus al como mas pero esta este lo le
    un y o u es son ser sin sobre entre nuestro nuestra nuestros nuestras necesitamos
    queremos among across within without around every many much may might must get gets
    way ways thing things able
    """.split()
)

# Words nearly every record of this registry contains: they still count in scoring, but a
# reason saying "both mention trafficking" tells the reader nothing.
GENERIC_TERMS = frozenset(
    "trafficking traffick trafficked human humans victim victims trata".split()
)

# British and American spellings meet on one form before stemming.
_SPELLING = (
    (re.compile(r"isation"), "ization"),
    (re.compile(r"is(e|ed|es|ing)$"), r"iz\1"),
    (re.compile(r"our$"), "or"),
    (re.compile(r"ours$"), "ors"),
    (re.compile(r"([aeiou])ll(ed|er|ers|ing)$"), r"\1l\2"),
    (re.compile(r"yse$"), "yze"),
    (re.compile(r"tre$"), "ter"),
    (re.compile(r"amme$"), "am"),
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light English stemmer: plural and verb endings off, spellings unified.

    Deliberately small: it only has to make "hotlines"/"hotline" and "labour"/"labor" meet
    on both sides of a comparison; it is applied to drafts and records alike. Cached: a
    catalogue has a few thousand distinct words, and overlap stems every word of a few
    hundred candidate records per request."""
    w = word
    for pattern, repl in _SPELLING:
        w = pattern.sub(repl, w)
    if len(w) <= 3 or not w.isascii():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if w.endswith("ment") and len(w) > 8:
        w = w[:-4]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-case, accent-free words; each run of Chinese characters becomes its bigrams."""
    folded = fold(text)
    if folded.isascii():  # no Chinese to split (most records): one regex pass
        return _WORD.findall(folded)
    out: list[str] = []
    for token in _WORD.findall(folded):
        if _CJK_RUN.fullmatch(token):
            out.extend(token[i : i + 2] for i in range(max(1, len(token) - 1)))
        else:
            out.append(token)
    return out


def terms(text: str) -> list[str]:
    """The informative, stemmed words of `text`, in order, with repeats."""
    stop = STOP_WORDS
    return [stem(w) for w in words(text) if w not in stop and (len(w) > 1 or not w.isascii())]


_GENERIC_STEMS = frozenset(stem(w) for w in GENERIC_TERMS)


# --- Names ------------------------------------------------------------------------------------


@lru_cache(maxsize=50_000)
def trigrams(text: str) -> frozenset[str]:
    """Trigrams of each word padded as pg_trgm pads them ("  w", " wo", "wor", "ord", "rd ").

    Cached: one draft title is compared with a few hundred names per request, and names
    recur from request to request."""
    found: set[str] = set()
    for word in words(text):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


@lru_cache(maxsize=50_000)
def _name_forms(name: str) -> tuple[frozenset[str], ...]:
    """Trigrams of a name, and of the name without a bracketed expansion if it has one."""
    forms = dict.fromkeys([name, re.sub(r"\s*\([^)]*\)", "", name)])
    return tuple(t for t in (trigrams(form) for form in forms) if t)


def name_similarity(title: str, name: str) -> float:
    """Trigram similarity of a draft title and a record name, in [0, 1].

    A name with a long expansion in brackets ("PATH (Platform for ...)") is also compared
    without it, and the better of the two counts."""
    a = trigrams(title)
    if not a:
        return 0.0
    best = 0.0
    for b in _name_forms(name):
        shared = len(a & b)
        best = max(best, shared / (len(a) + len(b) - shared))
    return best


# --- Facets -----------------------------------------------------------------------------------

GLOBAL = "global"

# How much each shared facet says about overlap. Functions say what a tool does; the others
# say for whom and where.
FACET_WEIGHTS: Mapping[str, float] = {
    "functions": 0.55,
    "trafficking_types": 0.1,
    "target_users": 0.15,
    "regions": 0.2,
}
# A worldwide record matches any place, but a record in the very country matches better.
GLOBAL_REGION_CREDIT = 0.6


@dataclass(frozen=True)
class FacetMatch:
    """How much a record's facets overlap the draft's, and which codes they share."""

    score: float = 0.0
    shared: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    matched_by_global: bool = False


def _set_overlap(draft: set[str], record: set[str]) -> float:
    """Mostly "how much of what the draft asks for the record has", a quarter Jaccard (so
    that, of two records covering the draft, the more focused one wins)."""
    if not draft or not record:
        return 0.0
    inter = len(draft & record)
    return 0.75 * inter / len(draft) + 0.25 * inter / len(draft | record)


def facet_overlap(
    draft: Mapping[str, Collection[str]],
    record: Mapping[str, Collection[str]],
    weights: Mapping[str, float] = FACET_WEIGHTS,
) -> FacetMatch:
    """Weighted overlap over the facets the draft names; facets it leaves empty don't count.

    Regions: a record or draft reaching "global" matches any place (with GLOBAL_REGION_CREDIT
    unless the very country is shared too)."""
    total_weight = 0.0
    score = 0.0
    shared: dict[str, tuple[str, ...]] = {}
    by_global = False
    for facet, weight in weights.items():
        wanted = set(draft.get(facet) or ())
        if not wanted:
            continue
        have = set(record.get(facet) or ())
        total_weight += weight
        common = wanted & have
        if facet == "regions":
            specific = common - {GLOBAL}
            if specific:
                part = 1.0
            elif GLOBAL in wanted and have:
                part, by_global = 1.0, True
            elif GLOBAL in have:
                part, by_global = GLOBAL_REGION_CREDIT, True
            else:
                part = 0.0
        else:
            part = _set_overlap(wanted, have)
        if common:
            shared[facet] = tuple(sorted(common))
        score += weight * part
    if total_weight == 0:
        return FacetMatch()
    return FacetMatch(score / total_weight, shared, by_global)


# --- Lexical ----------------------------------------------------------------------------------


def normalize_ranks(ranks: Mapping[int, float]) -> dict[int, float]:
    """Ranks of one query divided by its best rank: the top match gets 1."""
    if not ranks:
        return {}
    best = max(ranks.values())
    if best <= 0:
        return dict.fromkeys(ranks, 0.0)
    return {pk: max(0.0, r) / best for pk, r in ranks.items()}


def coverage(query_weights: Mapping[str, float], document_terms: Collection[str]) -> float:
    """The share of the draft's term weight (idf-like) that a record's text contains."""
    total = sum(query_weights.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in query_weights.items() if t in document_terms) / total


def matched_terms(
    query_weights: Mapping[str, float], document_terms: Collection[str], limit: int = 6
) -> list[str]:
    """The draft's most informative terms that the record contains, best first."""
    hits = [
        (w, t) for t, w in query_weights.items() if t in document_terms and t not in _GENERIC_STEMS
    ]
    hits.sort(key=lambda pair: (-pair[0], pair[1]))
    return [t for _, t in hits[:limit]]


# --- Semantic ---------------------------------------------------------------------------------

# e5 cosines live in a narrow band: unrelated texts score about 0.75-0.80, paraphrases 0.85
# and up. These bounds stretch that band onto [0, 1].
SEMANTIC_FLOOR = 0.78
SEMANTIC_CEILING = 0.92


def calibrate_cosine(
    cosine: float, floor: float = SEMANTIC_FLOOR, ceiling: float = SEMANTIC_CEILING
) -> float:
    return min(1.0, max(0.0, (cosine - floor) / (ceiling - floor)))


# --- Fusion -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signals:
    """What is known about one candidate, each in [0, 1]."""

    lexical: float = 0.0
    semantic: float | None = None  # None: no embedding for the draft or the record
    name: float = 0.0
    facets: float = 0.0
    coverage: float = 0.0


@dataclass(frozen=True)
class Weights:
    lexical: float
    semantic: float
    name: float
    facets: float

    def normalized(self) -> Weights:
        total = self.lexical + self.semantic + self.name + self.facets
        return Weights(
            self.lexical / total, self.semantic / total, self.name / total, self.facets / total
        )


def weights_for(
    language: str, *, semantic: bool, explicit_facets: bool, draft_terms: int = 10
) -> Weights:
    """Blend weights for a draft: English leans on words, other languages on meaning, and
    a draft of a few words that names facets leans on its facets."""
    english = language == "en"
    if semantic:
        weights = Weights(
            lexical=0.34 if english else 0.14,
            semantic=0.46 if english else 0.66,
            name=0.08,
            facets=0.12,
        )
    else:
        weights = Weights(lexical=0.7, semantic=0.0, name=0.12, facets=0.18)
    if explicit_facets:
        # Fewer than SHORT_DRAFT_TERMS informative words: the facets say more than the text.
        shortness = min(1.0, max(0.0, (SHORT_DRAFT_TERMS - draft_terms) / (SHORT_DRAFT_TERMS - 1)))
        weights = Weights(
            weights.lexical, weights.semantic, weights.name, weights.facets * (2 + 3 * shortness)
        )
    return weights.normalized()


SHORT_DRAFT_TERMS = 6

# Multipliers for a record that misses what the draft explicitly asked for.
REGION_MISMATCH = 0.8
FUNCTION_MISMATCH = 0.85


def explicit_fit(
    explicit: Mapping[str, Collection[str]], record: Mapping[str, Collection[str]]
) -> float:
    """1, or less for a record working elsewhere than the regions the draft names (and not
    worldwide), or sharing none of the functions it names."""
    fit = 1.0
    regions = set(explicit.get("regions") or ())
    if regions and GLOBAL not in regions:
        have = set(record.get("regions") or ())
        if have and not (have & regions) and GLOBAL not in have:
            fit *= REGION_MISMATCH
    functions = set(explicit.get("functions") or ())
    if functions and not functions & set(record.get("functions") or ()):
        fit *= FUNCTION_MISMATCH
    return fit


# Below this similarity a name comparison is noise (pg_trgm uses the same cut-off).
NAME_THRESHOLD = 0.3


def name_signal(similarity: float) -> float:
    return (
        0.0 if similarity < NAME_THRESHOLD else (similarity - NAME_THRESHOLD) / (1 - NAME_THRESHOLD)
    )


def fuse(signals: Signals, weights: Weights) -> float:
    """The overlap score in [0, 1]."""
    semantic = signals.semantic
    w = weights
    if semantic is None and w.semantic:
        # A record without a vector is judged on the other signals alone.
        w = Weights(w.lexical, 0.0, w.name, w.facets).normalized()
        semantic = 0.0
    # A record that ranks well only on words the draft barely cares about counts for little.
    lexical = math.sqrt(signals.lexical * max(signals.coverage, signals.lexical * 0.1))
    score = (
        w.lexical * lexical
        + w.semantic * (semantic or 0.0)
        + w.name * name_signal(signals.name)
        + w.facets * signals.facets
    )
    return min(1.0, max(0.0, score))


# --- Duplicates -------------------------------------------------------------------------------

# Chosen on benchmarks/overlap_queries.json: the lowest threshold that flags at most ~5% of
# the drafts no catalogued tool answers (see the benchmark's calibration table).
DUPLICATE_SCORE = 0.55
DUPLICATE_NAME = 0.75
# A draft of fewer informative words cannot say that it *is* an existing record.
DUPLICATE_MIN_TERMS = 4


# Without embeddings the score rests on words alone and runs higher for unrelated drafts.
DUPLICATE_SCORE_LEXICAL = 0.52


def is_likely_duplicate(score: float, signals: Signals, draft_terms: int) -> bool:
    """Whether the record probably already is what the draft describes."""
    if signals.name >= DUPLICATE_NAME:
        return True
    threshold = DUPLICATE_SCORE if signals.semantic is not None else DUPLICATE_SCORE_LEXICAL
    return draft_terms >= DUPLICATE_MIN_TERMS and score >= threshold


# --- Reasons ----------------------------------------------------------------------------------


def join_labels(codes: Iterable[str], labels: Mapping[str, str]) -> str:
    return ", ".join(str(labels.get(code, code)) for code in codes)
