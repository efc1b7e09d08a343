"""Facet look-ups over large id sets: counts per code, and records sharing given codes.

Counting the facets of 15,000 search hits through the link tables costs PostgreSQL a scan of
each link table (hundreds of milliseconds at 100,000 tools). Where the database keeps change
stamps (PostgreSQL: see registry.search.postgres), a process keeps every (record, code) pair
of a model's facets in numpy arrays instead, reloaded whenever a stamp says a link table was
written; a count is then a mask and a bincount. Elsewhere (SQLite), the same functions run
one grouped query per facet.

Permissions: nothing here decides what anyone may see. Callers pass ids that a queryset
starting from `accounts.permissions.restrict()` produced (the search hits), or filter the
candidates this module proposes through such a queryset (`records_sharing`), so a hidden
record is never counted or returned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.db import models
from django.db.models import Count

FacetCounts = list[tuple[str, int]]
# facet_counts reads the hits' own links when they are fewer than 1/SPARSE_SHARE of the
# records, and tests every link against a mask of the hits otherwise (cheaper for many).
SPARSE_SHARE = 5


@dataclass(frozen=True, eq=False)  # hashed by identity (see _sharing_ranked)
class _Pairs:
    record_ids: np.ndarray  # int64, one per (record, code) link, ascending
    code_index: np.ndarray  # int32 index into `codes`
    codes: tuple[str, ...]
    # The links of record r are positions starts[r]:starts[r + 1] (r up to the largest id);
    # None where ids are too sparse for an array that long (see _starts).
    starts: np.ndarray | None = None

    @property
    def size(self) -> int:
        """One more than the largest record id with a link."""
        return int(self.record_ids[-1]) + 1 if len(self.record_ids) else 0

    def codes_of(self, ids: np.ndarray) -> np.ndarray:
        """The code indexes of every link of the given records (distinct ids)."""
        ids = ids[(ids >= 0) & (ids < self.size)]
        first, after = self.starts[ids], self.starts[ids + 1]
        lengths = after - first
        ends = np.cumsum(lengths)
        positions = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(
            first - (ends - lengths), lengths
        )
        return self.code_index[positions]


def _merged(parts: Sequence[_Pairs]) -> _Pairs:
    """Several facets' links as one: codes end to end, links ordered by record."""
    record_ids = np.concatenate([p.record_ids for p in parts])
    offsets = np.cumsum([0] + [len(p.codes) for p in parts[:-1]])
    code_index = np.concatenate(
        [p.code_index + np.int32(offset) for p, offset in zip(parts, offsets, strict=True)]
    )
    order = np.argsort(record_ids, kind="stable")
    record_ids, code_index = record_ids[order], code_index[order]
    codes = tuple(code for p in parts for code in p.codes)
    return _Pairs(record_ids, code_index, codes, _starts(record_ids))


def _starts(record_ids: np.ndarray) -> np.ndarray | None:
    """Where each record's links begin in `record_ids` (ascending), indexed by record id: 4
    bytes per id up to the largest, so only where ids are dense enough (a table whose ids
    jumped far ahead would otherwise cost gigabytes; counting then tests every link)."""
    size = int(record_ids[-1]) + 1 if len(record_ids) else 0
    if size > 4 * len(record_ids) + 1_000_000 or len(record_ids) >= 2**31:
        return None
    return np.searchsorted(record_ids, np.arange(size + 1)).astype(np.int32)


@dataclass(frozen=True)
class _Snapshot:
    stamp: int
    facets: dict[str, _Pairs]
    _merged: dict = field(default_factory=dict, compare=False, repr=False)

    def merged(self, names: tuple[str, ...]) -> tuple[_Pairs, dict[str, slice]]:
        """The links of the named facets as one _Pairs, and each facet's slice of its
        codes: counting several facets then reads each hit's links once. Built on first
        use, once per snapshot."""
        found = self._merged.get(names)
        if found is None:
            parts = [self.facets[name] for name in names]
            bounds = np.cumsum([0] + [len(p.codes) for p in parts]).tolist()
            slices = {
                name: slice(lo, hi) for name, lo, hi in zip(names, bounds, bounds[1:], strict=False)
            }
            found = self._merged[names] = (_merged(parts), slices)
        return found


def _through(model, facet: str):
    field = model._meta.get_field(facet)
    through = field.remote_field.through
    own = f"{model._meta.model_name}_id"
    target = f"{field.related_model._meta.model_name}_id"
    return through, own, target


class FacetIndex:
    """Every facet link of one model in memory, kept in step through the change stamp."""

    def __init__(self, model: type[models.Model], facets: Sequence[str]):
        self.model = model
        self.facets = tuple(facets)
        self.stamp_name = f"{model._meta.label_lower}:facets"
        self._lock = threading.Lock()
        self._snapshots: dict[str, _Snapshot] = {}

    def snapshot(self, using: str) -> _Snapshot | None:
        """The current pairs, or None where the database keeps no stamps (use SQL)."""
        from registry.search import get_backend

        backend = get_backend(using)
        stamps = backend.stamps([self.stamp_name]) if hasattr(backend, "stamps") else {}
        if self.stamp_name not in stamps:
            return None
        stamp = stamps[self.stamp_name]
        current = self._snapshots.get(using)
        if current is not None and current.stamp == stamp:
            return current
        with self._lock:
            current = self._snapshots.get(using)
            if current is None or current.stamp != stamp:
                current = _Snapshot(stamp, {f: self._load(f, using) for f in self.facets})
                self._snapshots[using] = current
            return current

    def _load(self, facet: str, using: str) -> _Pairs:
        through, own, target = _through(self.model, facet)
        rows = list(through.objects.using(using).order_by(own).values_list(own, target))
        codes = tuple(sorted({code for _, code in rows}))
        position = {code: i for i, code in enumerate(codes)}
        record_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        code_index = np.fromiter((position[r[1]] for r in rows), dtype=np.int32, count=len(rows))
        return _Pairs(record_ids, code_index, codes)

    def clear(self) -> None:
        with self._lock:
            self._snapshots.clear()


_INDEXES: dict[type, FacetIndex] = {}
_INDEXES_LOCK = threading.Lock()


def facet_index(model: type[models.Model]) -> FacetIndex:
    with _INDEXES_LOCK:
        if model not in _INDEXES:
            names = [f.name for f in model._meta.many_to_many if f.name != "restricted_to_sectors"]
            _INDEXES[model] = FacetIndex(model, names)
        return _INDEXES[model]


def clear_facet_indexes() -> None:
    for index in list(_INDEXES.values()):
        index.clear()


def _mask(ids: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    ids = ids[(ids >= 0) & (ids < size)]
    mask[ids] = True
    return mask


def _sorted_counts(codes: Sequence[str], counts: np.ndarray) -> FacetCounts:
    pairs = [(codes[i], int(counts[i])) for i in np.flatnonzero(counts)]
    pairs.sort(key=lambda item: (-item[1], item[0]))
    return pairs


def facet_counts(
    model: type[models.Model],
    facets: Iterable[str],
    *,
    ids: np.ndarray | None = None,
    queryset: models.QuerySet | Callable[[], models.QuerySet] | None = None,
    using: str = "default",
) -> dict[str, FacetCounts]:
    """{facet: [(code, records), ...]} over a permitted set of records, most records first.

    Give the set as `ids` (distinct ids, e.g. the search hits) or as `queryset` (already
    restricted); with both, the ids serve the in-memory index and the queryset the SQL.
    `queryset` may be a function making it, called only when the SQL needs it."""
    facets = list(facets)
    snapshot = facet_index(model).snapshot(using)
    if callable(queryset) and (snapshot is None or ids is None):
        queryset = queryset()
    if snapshot is not None and ids is None and queryset is not None:
        ids = np.fromiter(
            queryset.order_by().values_list("pk", flat=True).iterator(chunk_size=20000),
            dtype=np.int64,
        )
    if snapshot is not None and ids is not None:
        ids = np.asarray(ids, dtype=np.int64)
        names = tuple(dict.fromkeys(f for f in facets if f in snapshot.facets))
        if not names:
            return {}
        pairs, slices = snapshot.merged(names)
        counts = _code_counts(pairs, ids)
        return {
            name: _sorted_counts(pairs.codes[part], counts[part]) for name, part in slices.items()
        }
    if queryset is None:
        queryset = model._default_manager.using(using).filter(pk__in=[int(i) for i in ids])
    return {facet: _sql_counts(queryset, facet) for facet in facets}


def _code_counts(pairs: _Pairs, ids: np.ndarray) -> np.ndarray:
    """How many of the records `ids` (distinct) have each code of `pairs`."""
    if pairs.starts is None:
        # Ids too sparse for arrays indexed by id: a sorted membership test instead.
        selected = pairs.code_index[np.isin(pairs.record_ids, ids)]
    elif len(ids) * SPARSE_SHARE < pairs.size:
        # A few hits: read their own links rather than test every link.
        selected = pairs.codes_of(ids)
    else:
        selected = pairs.code_index[_mask(ids, pairs.size)[pairs.record_ids]]
    return np.bincount(selected, minlength=len(pairs.codes))


def _sql_counts(queryset: models.QuerySet, facet: str) -> FacetCounts:
    through, own, target = _through(queryset.model, facet)
    rows = (
        through.objects.using(queryset.db)
        .filter(**{f"{own}__in": queryset.order_by().values("pk")})
        .values(target)
        .annotate(n=Count(own))
    )
    pairs = [(row[target], row["n"]) for row in rows]
    pairs.sort(key=lambda item: (-item[1], item[0]))
    return pairs


def facets_of(
    model: type[models.Model], pks: Iterable[int], facets: Iterable[str], *, using: str
) -> dict[int, dict[str, set[str]]] | None:
    """{pk: {facet: codes}} for the given records from the in-memory index, or None where
    there is none (then read the link tables). `pks` must come from a restricted queryset."""
    snapshot = facet_index(model).snapshot(using)
    if snapshot is None:
        return None
    wanted = np.asarray(sorted({int(pk) for pk in pks}), dtype=np.int64)
    result: dict[int, dict[str, set[str]]] = {int(pk): {} for pk in wanted}
    for facet in facets:
        pairs = snapshot.facets.get(facet)
        if pairs is None:
            return None
        starts = np.searchsorted(pairs.record_ids, wanted, side="left")
        stops = np.searchsorted(pairs.record_ids, wanted, side="right")
        for pk, lo, hi in zip(wanted.tolist(), starts.tolist(), stops.tolist(), strict=True):
            if hi > lo:
                result[pk][facet] = {pairs.codes[i] for i in pairs.code_index[lo:hi].tolist()}
    return result


def sharing_ranked(
    model: type[models.Model], facet: str, codes: Iterable[str], *, using: str
) -> np.ndarray | None:
    """Ids of ALL records of `model` having any of `codes` in `facet`, most shared codes
    first, then by id; None where there is no in-memory index. Not permission-checked:
    callers keep only the ids a restricted queryset returns."""
    snapshot = facet_index(model).snapshot(using)
    pairs = snapshot.facets.get(facet) if snapshot is not None else None
    if pairs is None:
        return None
    return _sharing_ranked(pairs, tuple(dict.fromkeys(codes)))


@lru_cache(maxsize=8)
def _sharing_ranked(pairs: _Pairs, codes: tuple[str, ...]) -> np.ndarray:
    # Cached by the (immutable) snapshot's pairs: overlap asks twice per request, first for
    # the ids to check and then for the candidates, and a live panel asks again as one
    # types. A new snapshot is a new key; the old ones fall out.
    wanted = np.zeros(len(pairs.codes), dtype=bool)
    for code in codes:
        if code in pairs.codes:
            wanted[pairs.codes.index(code)] = True
    if not wanted.any():
        return np.zeros(0, np.int64)
    hits = pairs.record_ids[wanted[pairs.code_index]]
    if not len(hits):
        return np.zeros(0, np.int64)
    ids, shared = np.unique(hits, return_counts=True)
    order = np.lexsort((ids, -shared))  # most shared first, then lowest id
    ranked = ids[order]
    ranked.flags.writeable = False  # shared between callers
    return ranked


def first_check(limit: int) -> int:
    """How many ranked candidates `records_sharing` checks first: enough for `limit` when
    half of them are hidden from the reader (it checks more, four times as many each
    round, when that falls short)."""
    return max(2 * limit, 64)


def records_sharing(
    queryset: models.QuerySet,
    facet: str,
    codes: Iterable[str],
    limit: int,
    *,
    allowed: Callable[[list[int]], set[int]] | None = None,
) -> list[int]:
    """Ids of records of `queryset` (already restricted) sharing the most of `codes` in
    `facet`: most shared codes first, then by id; at most `limit`.

    In memory, candidates are ranked over all records and then checked against `queryset`
    a slice at a time, so the answer is the same as one grouped query over the permitted
    records, without counting the whole table in SQL."""
    codes = list(dict.fromkeys(codes))
    if not codes or limit <= 0:
        return []
    model = queryset.model
    ranked = sharing_ranked(model, facet, codes, using=queryset.db)
    if ranked is None:
        through, own, target = _through(model, facet)
        rows = (
            through.objects.using(queryset.db)
            .filter(**{f"{target}__in": codes, f"{own}__in": queryset.values("pk")})
            .values(own)
            .annotate(n=Count(target))
            .order_by("-n", own)[:limit]
        )
        return [row[own] for row in rows]
    if not len(ranked):
        return []

    def permitted(chunk: list[int]) -> set[int]:
        return set(queryset.filter(pk__in=chunk).values_list("pk", flat=True))

    check = allowed or permitted
    found: list[int] = []
    start, step = 0, first_check(limit)
    while start < len(ranked) and len(found) < limit:
        chunk = [int(i) for i in ranked[start : start + step]]
        permitted = check(chunk)
        found.extend(pk for pk in chunk if pk in permitted)
        start += step
        step *= 4
    return found[:limit]
