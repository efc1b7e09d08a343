"""What the search box accepts, read once in Python and shared by every backend.

The syntax is the web-search style of PostgreSQL's `websearch_to_tsquery`:

    child trafficking            both words (AND)
    "labour exploitation"        a phrase
    shelter -hotline             exclusion
    hotline or helpline          alternatives

Reading it here, instead of handing the raw text to a database parser, is what lets both
backends promise the same thing for every input: nothing the user types is ever passed to
FTS5's MATCH grammar (which raises on `"`, `NEAR(`, `:` and friends) or to SQL; every term
is reduced to plain alphanumeric words before a backend renders it. A query is capped at
MAX_QUERY_LENGTH characters and MAX_TERMS terms, so a pasted essay costs a bounded query.

English stop words are dropped from single-word terms, as PostgreSQL's 'english'
configuration does, so both databases answer "tools for the police" the same way. Stemming
is the databases' own (porter on SQLite, snowball 'english' on PostgreSQL); neither maps
irregular plurals, so the few that matter in this domain ("children", "women") are expanded
here into alternatives.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_LENGTH = 500
MAX_TERMS = 24
MAX_NAME_LENGTH = 200

# The English stop words of the Snowball project, the list PostgreSQL's 'english'
# configuration uses.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing don down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such t than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with you your yours yourself
    yourselves s
    """.split()
)

# Irregular plurals that neither stemmer folds onto their singular.
_IRREGULAR_PAIRS = {"child": "children", "woman": "women", "man": "men", "person": "people"}
IRREGULAR_FORMS = {**_IRREGULAR_PAIRS, **{v: k for k, v in _IRREGULAR_PAIRS.items()}}

# Letters and digits in any script; underscores and everything else separate words, as in
# FTS5's unicode61 tokenizer.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """One thing to look for: a word or a phrase, and the forms any of which will do."""

    forms: tuple[tuple[str, ...], ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.forms[0]) > 1


@dataclass(frozen=True)
class Branch:
    """Terms that must all be present (`include`) and none of `exclude`."""

    include: tuple[Term, ...]
    exclude: tuple[Term, ...] = ()


@dataclass(frozen=True)
class ParsedQuery:
    """Alternatives (OR) of branches (AND of terms, minus excluded terms)."""

    branches: tuple[Branch, ...]

    def __bool__(self) -> bool:
        return bool(self.branches)

    @property
    def wanted_terms(self) -> tuple[Term, ...]:
        """Every included term once, in order: what a highlight marks."""
        seen: dict[Term, None] = {}
        for branch in self.branches:
            for term in branch.include:
                seen.setdefault(term, None)
        return tuple(seen)


def clean_text(text: str, max_length: int) -> str:
    """`text` composed (NFC), without control characters, at most `max_length` long."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = unicodedata.normalize("NFC", text[: max_length * 2])
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in text)
    return text[:max_length]


def is_blank(text: str | None) -> bool:
    return text is None or not str(text).strip()


def words_of(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def _term(raw: str, *, quoted: bool) -> Term | None:
    words = words_of(raw)
    if not words or all(word in STOP_WORDS for word in words):
        return None
    if len(words) == 1:
        word = words[0]
        forms = [(word,)]
        if not quoted and word in IRREGULAR_FORMS:
            forms.append((IRREGULAR_FORMS[word],))
        return Term(tuple(forms))
    return Term((words,))


def _tokens(text: str):
    """(text, quoted, negated) for each term of `text`; ("or", False, False) for OR."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
            ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end
            yield text[i + 1 : end], True, negated
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        yield text[start:i], False, negated


def parse_query(text: str | None) -> ParsedQuery:
    """Read web-search syntax; anything unreadable is ignored, never an error.

    A branch with nothing to include is dropped (an exclusion alone does not say what to
    look for), so a query of only stop words, punctuation or exclusions finds nothing."""
    text = clean_text(text or "", MAX_QUERY_LENGTH)
    branches: list[Branch] = []
    include: list[Term] = []
    exclude: list[Term] = []
    count = 0

    def close_branch() -> None:
        if include:
            branches.append(Branch(tuple(dict.fromkeys(include)), tuple(dict.fromkeys(exclude))))
        include.clear()
        exclude.clear()

    for raw, quoted, negated in _tokens(text):
        if not quoted and not negated and raw.lower() == "or":
            close_branch()
            continue
        if count >= MAX_TERMS:
            break
        term = _term(raw, quoted=quoted)
        if term is None:
            continue
        count += 1
        (exclude if negated else include).append(term)
    close_branch()
    return ParsedQuery(tuple(branches))


# --- Rendering for FTS5 ----------------------------------------------------------------------


def _fts5_string(words: tuple[str, ...]) -> str:
    # Words hold letters and digits only; doubling quotes keeps that true if it ever changes.
    return '"' + " ".join(words).replace('"', '""') + '"'


def fts5_term(term: Term) -> str:
    if len(term.forms) == 1:
        return _fts5_string(term.forms[0])
    return "(" + " OR ".join(_fts5_string(form) for form in term.forms) + ")"


def to_fts5(query: ParsedQuery) -> str:
    """An FTS5 MATCH expression: every term a quoted string, joined by AND, OR and NOT."""
    rendered = []
    for branch in query.branches:
        expr = "(" + " AND ".join(fts5_term(t) for t in branch.include) + ")"
        if branch.exclude:
            expr = f"({expr} NOT ({' OR '.join(fts5_term(t) for t in branch.exclude)}))"
        rendered.append(expr)
    return " OR ".join(rendered)


def to_fts5_any(terms: tuple[Term, ...], column: str | None = None) -> str:
    """Any of `terms`, optionally only in `column`: what a highlight looks for."""
    expr = "(" + " OR ".join(fts5_term(t) for t in terms) + ")"
    return f"{{{column}}} : {expr}" if column else expr


# --- Trigrams, as pg_trgm counts them ----------------------------------------------------------


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams: per lower-cased word, padded with two spaces before, one after."""
    found: set[str] = set()
    for word in words_of(text):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def trigram_similarity(a: str | frozenset[str], b: str | frozenset[str]) -> float:
    """Shared trigrams over all trigrams of either, like pg_trgm's similarity()."""
    ta = trigrams(a) if isinstance(a, str) else a
    tb = trigrams(b) if isinstance(b, str) else b
    if not ta or not tb:
        return 0.0
    shared = len(ta & tb)
    return shared / (len(ta) + len(tb) - shared)


def inner_trigrams(text: str, limit: int = 48) -> list[str]:
    """Unpadded trigrams of each word, the substrings FTS5's trigram tokenizer indexes."""
    found: dict[str, None] = {}
    for word in words_of(text):
        for i in range(len(word) - 2):
            found.setdefault(word[i : i + 3], None)
    return list(found)[:limit]
