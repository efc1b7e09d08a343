"""Stored embeddings of tools and needs: writing them on save, reading them fast at query time.

Writing: `schedule_embedding(record)` (called by the record services) queues the Celery task
`registry.tasks.embed_record` once the transaction commits; the task calls
`record_embedding_refresh`, which embeds the record's text unless the stored vector was made
from the same text by the same model (`text_hash`).

Reading: `VectorIndex` keeps every stored vector of one model in a process-level float32
matrix, refreshed incrementally when the table's (row count, latest updated_at) changes. A
query passes the ids that `restrict()` allowed; only those rows are compared, so a record the
caller may not see is never scored. At 100,000 records the matrix is 150 MB and one query is
a gather plus a matrix-vector product: a few tens of milliseconds. `nearest()` goes the other
way round for a top-n: it scores every row, then checks only the best few hundred ids
against the restricted queryset (expanding until it has n), which spares reading the ids of
every permitted record.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.apps import apps
from django.db import models, transaction
from django.db.models import Count, Max

from registry import embeddings
from registry.models import Need, NeedEmbedding, Tool, ToolEmbedding

logger = logging.getLogger(__name__)

EMBEDDING_MODELS: dict[type[models.Model], type[models.Model]] = {
    Tool: ToolEmbedding,
    Need: NeedEmbedding,
}

# Facet labels appended to a record's text: they name what the record does in the words a
# draft is likely to use ("hotline", "case management"), which descriptions may not.
_TEXT_FACETS = ("functions", "target_users")


def embedding_model_for(record_model: type[models.Model]) -> type[models.Model]:
    try:
        return EMBEDDING_MODELS[record_model]
    except KeyError:
        raise TypeError(f"{record_model._meta.label} has no embeddings") from None


def _labels(record, facet: str) -> list[str]:
    model = record._meta.get_field(facet).related_model
    labels = dict(model.definitions())
    return [str(labels.get(code, code)) for code in record.facet_codes(facet)]


def embedding_text(record) -> str:
    """The text a record is embedded from: its name or title, its summary and description,
    and the labels of what it does and for whom."""
    if isinstance(record, Tool):
        parts = [f"{record.name}.", record.summary or "", record.description or ""]
    elif isinstance(record, Need):
        parts = [f"{record.title}.", record.description or ""]
    else:
        raise TypeError(f"{type(record).__name__} has no embeddings")
    facet_parts = []
    if record.pk:
        for facet in _TEXT_FACETS:
            labels = _labels(record, facet)
            if labels:
                facet_parts.append("; ".join(labels))
    if facet_parts:
        parts.append("(" + ". ".join(facet_parts) + ")")
    return " ".join(p.strip() for p in parts if p and p.strip())


# --- Writing ----------------------------------------------------------------------------------


def record_embedding_refresh(*, model_label: str, pk: int, force: bool = False) -> bool:
    """Embed one record if its text changed since the stored vector; True if it wrote one.

    Missing records (deleted before the task ran) and unavailable embeddings are no-ops."""
    record_model = apps.get_model(model_label)
    record = record_model._default_manager.filter(pk=pk).first()
    if record is None:
        return False
    return records_embed([record], force=force) == 1


def records_embed(records: Sequence[models.Model], *, force: bool = False) -> int:
    """Embed the records whose text changed (all of them with `force`), in one batch per
    model; returns how many vectors were written."""
    if not records or not embeddings.is_available():
        return 0
    written = 0
    by_model: dict[type, list] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    for record_model, group in by_model.items():
        store = embedding_model_for(record_model)
        stored = dict(
            store.objects.filter(record_id__in=[r.pk for r in group]).values_list(
                "record_id", "text_hash"
            )
        )
        texts, todo, hashes = [], [], []
        for record in group:
            text = embedding_text(record)
            digest = embeddings.text_hash(text)
            if not force and stored.get(record.pk) == digest:
                continue
            texts.append(text)
            todo.append(record)
            hashes.append(digest)
        if not todo:
            continue
        vectors = embeddings.embed_passages(texts)
        if vectors is None:
            return written
        for record, digest, vector in zip(todo, hashes, vectors, strict=True):
            store.objects.update_or_create(
                record_id=record.pk,
                defaults={
                    "vector": embeddings.vector_to_bytes(vector),
                    "dimensions": int(vector.shape[0]),
                    "model_name": embeddings.MODEL_NAME,
                    "text_hash": digest,
                },
            )
            written += 1
    return written


def schedule_embedding(record) -> None:
    """Queue (re)embedding `record` once the current transaction commits.

    The record services call this after every create or update of a tool or need. A failure
    to queue or to embed is logged, never raised: the write itself has already succeeded and
    the registry works without vectors."""
    if record is None or record.pk is None or not embeddings.enabled():
        return
    label = record._meta.label
    pk = record.pk

    def dispatch() -> None:
        from registry.tasks import embed_record

        embed_record.delay(label, pk)

    transaction.on_commit(dispatch, robust=True)


def rebuild_embeddings(
    record_model: type[models.Model],
    *,
    force: bool = False,
    batch_size: int = 32,
    progress=None,
) -> int:
    """Embed every record of `record_model` whose text changed; returns vectors written.

    The system's own maintenance (manage.py rebuild_embeddings), so not restricted by user."""
    queryset = record_model._default_manager.order_by("pk").prefetch_related(*_TEXT_FACETS)
    written = 0
    batch: list = []
    for record in queryset.iterator(chunk_size=batch_size):
        batch.append(record)
        if len(batch) >= batch_size:
            written += records_embed(batch, force=force)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        written += records_embed(batch, force=force)
        if progress:
            progress(len(batch))
    return written


# --- Reading ----------------------------------------------------------------------------------


_CHUNK = 4096
# Above this many rows the matrix-vector product is split over the cores: BLAS runs one
# thread per process (config/__init__.py), and at 100,000 vectors one core needs twice as
# long as two for the 150 MB the product reads.
_SPLIT_ROWS = 20_000
_SPLIT_PARTS = min(4, os.cpu_count() or 1)
_SPLITTER: ThreadPoolExecutor | None = None
_SPLITTER_LOCK = threading.Lock()


def _splitter() -> ThreadPoolExecutor | None:
    """Threads for all parts of a split product but the calling thread's own."""
    global _SPLITTER
    if _SPLIT_PARTS < 2:
        return None
    with _SPLITTER_LOCK:
        if _SPLITTER is None:
            _SPLITTER = ThreadPoolExecutor(
                max_workers=_SPLIT_PARTS - 1, thread_name_prefix="matvec"
            )
        return _SPLITTER


def _matvec(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """matrix @ query, the rows split between this thread and the splitter's (numpy
    releases the GIL in the product)."""
    pool = _splitter() if len(matrix) >= _SPLIT_ROWS else None
    if pool is None:
        return matrix @ query
    parts = _SPLIT_PARTS
    out = np.empty(len(matrix), dtype=np.result_type(matrix, query))
    bounds = np.linspace(0, len(matrix), parts + 1).astype(int)

    def part(i: int) -> None:
        lo, hi = bounds[i], bounds[i + 1]
        np.dot(matrix[lo:hi], query, out=out[lo:hi])

    futures = [pool.submit(part, i) for i in range(1, parts)]
    part(0)
    for future in futures:
        future.result()
    return out


@dataclass(frozen=True)
class _Snapshot:
    stamp: tuple
    ids: np.ndarray  # sorted record ids
    matrix: np.ndarray  # one float32 row per id
    latest: object  # the latest updated_at among the rows


class VectorIndex:
    """Every stored vector of one record model, in memory, kept in step with the table."""

    def __init__(self, store: type[models.Model]):
        self.store = store
        self.stamp_name = store._meta.label_lower
        self._lock = threading.Lock()
        self._snapshot = _Snapshot(
            (), np.zeros(0, np.int64), np.zeros((0, embeddings.DIMENSIONS), np.float32), None
        )
        # The database's change stamp of the table when the snapshot was last confirmed
        # current (registry.search.postgres); None where the database keeps none.
        self._table_stamp: int | None = None

    def _rows(self):
        return self.store.objects.filter(
            model_name=embeddings.MODEL_NAME, dimensions=embeddings.DIMENSIONS
        )

    def _stamp(self) -> tuple:
        agg = self._rows().aggregate(n=Count("pk"), latest=Max("updated_at"))
        return (agg["n"], agg["latest"])

    def _table_stamp_now(self) -> int | None:
        from registry.search import get_backend

        return get_backend(self.store.objects.db).stamps([self.stamp_name]).get(self.stamp_name)

    def snapshot(self) -> _Snapshot:
        """The current vectors. When nothing changed: one primary-key read where the
        database keeps change stamps (PostgreSQL), else one aggregate over the table."""
        table_stamp = self._table_stamp_now()
        current = self._snapshot
        if table_stamp is not None and table_stamp == self._table_stamp and current.stamp:
            return current
        stamp = self._stamp()
        if current.stamp == stamp:
            self._table_stamp = table_stamp
            return current
        with self._lock:
            current = self._snapshot
            if current.stamp != stamp:
                self._snapshot = self._refreshed(current, stamp)
            self._table_stamp = table_stamp
            return self._snapshot

    def _load(self, queryset) -> tuple[np.ndarray, np.ndarray]:
        rows = list(queryset.order_by("record_id").values_list("record_id", "vector"))
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids, embeddings.matrix_from_bytes([r[1] for r in rows])

    def _refreshed(self, current: _Snapshot, stamp: tuple) -> _Snapshot:
        count, latest = stamp
        if not count:
            return _Snapshot(
                stamp, np.zeros(0, np.int64), np.zeros((0, embeddings.DIMENSIONS), np.float32), None
            )
        if current.latest is None or latest is None:
            ids, matrix = self._load(self._rows())
            return _Snapshot(stamp, ids, matrix, latest)
        # Only rows written since the last refresh are read again ...
        new_ids, new_matrix = self._load(self._rows().filter(updated_at__gte=current.latest))
        ids, matrix = current.ids, current.matrix
        if len(new_ids):
            pos = np.searchsorted(ids, new_ids)
            known = (
                (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == new_ids)
                if len(ids)
                else np.zeros(len(new_ids), bool)
            )
            if known.any():
                matrix = matrix.copy()
                matrix[pos[known]] = new_matrix[known]
            if (~known).any():
                ids = np.concatenate([ids, new_ids[~known]])
                matrix = np.concatenate([matrix, new_matrix[~known]])
                order = np.argsort(ids, kind="stable")
                ids, matrix = ids[order], matrix[order]
        # ... and deleted rows are noticed by the count.
        if len(ids) != count:
            present = np.fromiter(
                self._rows().order_by("record_id").values_list("record_id", flat=True),
                dtype=np.int64,
            )
            keep = np.isin(ids, present)
            ids, matrix = ids[keep], matrix[keep]
            if len(ids) != count:  # written while we read: start again from scratch
                ids, matrix = self._load(self._rows())
        return _Snapshot(stamp, ids, matrix, latest)

    def cosines(self, allowed_ids: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, cosine) for the allowed ids that have a vector; `allowed_ids` sorted."""
        snap = self.snapshot()
        if not len(snap.ids) or not len(allowed_ids):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if len(allowed_ids) == len(snap.ids) and np.array_equal(allowed_ids, snap.ids):
            return snap.ids, snap.matrix @ query
        pos = np.searchsorted(snap.ids, allowed_ids)
        pos = np.minimum(pos, len(snap.ids) - 1)
        pos = pos[snap.ids[pos] == allowed_ids]
        # Gathered in cache-sized chunks: only allowed rows are ever multiplied.
        scores = np.empty(len(pos), dtype=np.float32)
        for start in range(0, len(pos), _CHUNK):
            rows = pos[start : start + _CHUNK]
            scores[start : start + _CHUNK] = snap.matrix[rows] @ query
        return snap.ids[pos], scores

    def nearest(
        self,
        queryset: models.QuerySet,
        query: np.ndarray,
        n: int,
        *,
        allowed: Callable[[list[int]], set[int]] | None = None,
    ) -> tuple[dict[int, float], Scores]:
        """The `n` records of `queryset` (already restricted) nearest to `query`:
        ({pk: cosine}, best first), and a Scores to look up any other record's cosine.

        Every stored vector is compared (one matrix-vector product); the best candidates
        are then checked against `queryset` a slice at a time, so permission filtering
        touches a few hundred ids, never the whole table. The answer is the same as
        comparing only the permitted rows. `allowed(ids)`, if given, answers which of `ids`
        `queryset` holds (e.g. remembering earlier answers); by default a query per slice."""
        snap = self.snapshot()
        scores = Scores(snap.ids, _matvec(snap.matrix, query) if len(snap.ids) else np.zeros(0))
        if not len(snap.ids) or n <= 0:
            return {}, scores
        values = scores.values
        found: dict[int, float] = {}
        start, step = 0, max(2 * n, 64)
        total = len(values)
        while start < total and len(found) < n:
            stop = min(total, start + step)
            # Positions of the best `stop` scores, in order; the first `start` were checked.
            if stop < total:
                part = np.argpartition(-values, stop - 1)[:stop]
            else:
                part = np.arange(total)
            order = part[np.lexsort((snap.ids[part], -values[part]))][start:stop]
            chunk = [int(i) for i in snap.ids[order]]
            if allowed is not None:
                permitted = allowed(chunk)
            else:
                permitted = set(queryset.filter(pk__in=chunk).values_list("pk", flat=True))
            for pos, pk in zip(order.tolist(), chunk, strict=True):
                if pk in permitted and len(found) < n:
                    found[pk] = float(values[pos])
            start, step = stop, step * 4
        return found, scores

    def clear(self) -> None:
        with self._lock:
            self._table_stamp = None
            self._snapshot = _Snapshot(
                (), np.zeros(0, np.int64), np.zeros((0, embeddings.DIMENSIONS), np.float32), None
            )


@dataclass(frozen=True)
class Scores:
    """Cosines of every stored vector with one query (ids sorted)."""

    ids: np.ndarray
    values: np.ndarray

    def of(self, pks) -> dict[int, float]:
        """{pk: cosine} for those of `pks` that have a vector; the caller passes only
        records it read through a restricted queryset."""
        if not len(self.ids):
            return {}
        wanted = np.asarray(sorted(int(pk) for pk in pks), dtype=np.int64)
        if not len(wanted):
            return {}
        pos = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        hit = self.ids[pos] == wanted
        return dict(zip(wanted[hit].tolist(), self.values[pos[hit]].tolist(), strict=True))


_INDEXES: dict[type, VectorIndex] = {}
_INDEXES_LOCK = threading.Lock()


def vector_index(record_model: type[models.Model]) -> VectorIndex:
    with _INDEXES_LOCK:
        if record_model not in _INDEXES:
            _INDEXES[record_model] = VectorIndex(embedding_model_for(record_model))
        return _INDEXES[record_model]


def allowed_id_array(queryset: models.QuerySet) -> np.ndarray:
    """The sorted primary keys of an already-restricted queryset, as an int64 array."""
    return np.fromiter(
        queryset.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=20000),
        dtype=np.int64,
    )


def clear_vector_indexes(models_: Iterable[type] | None = None) -> None:
    """Forget cached matrices (tests switch databases under a running process)."""
    for record_model in list(models_ or _INDEXES):
        if record_model in _INDEXES:
            _INDEXES[record_model].clear()
