"""Dense vector index (FAISS): create, add, save/load atomically, and search with an optional id filter.

Vectors are float32 arrays of shape (n, dim), L2-normalised, so inner product is cosine similarity.
Ids are int64 paper primary keys (IndexIDMap2), so results map straight back to database rows.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import faiss

# Below this many allowed ids a filtered HNSW search is done exactly on the reconstructed vectors:
# graph search with a very selective filter loses recall.
EXACT_FILTER_LIMIT = 50_000


def _faiss():
    import faiss

    return faiss


def index_new(dim: int, *, expected_size: int, hnsw_threshold: int, hnsw_m: int = 32) -> faiss.Index:
    """An empty index: exact inner product below `hnsw_threshold` vectors, HNSW (approximate) above."""
    faiss = _faiss()
    if expected_size < hnsw_threshold:
        inner = faiss.IndexFlatIP(dim)
    else:
        inner = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = 80
    return faiss.IndexIDMap2(inner)


def index_add(index: faiss.Index, vectors: np.ndarray, ids: np.ndarray) -> None:
    """Add vectors (n, dim) float32 under ids (n,) int64."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))


def index_save(index: faiss.Index, path: Path) -> None:
    """Write to `path` through a temporary file and a rename, so a reader never sees half a file."""
    faiss = _faiss()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    faiss.write_index(index, str(tmp))
    os.replace(tmp, path)


def index_load(path: Path) -> faiss.Index:
    return _faiss().read_index(str(path))


def index_is_exact(index: faiss.Index) -> bool:
    faiss = _faiss()
    return isinstance(faiss.downcast_index(index.index), faiss.IndexFlat)


def index_ids(index: faiss.Index) -> np.ndarray:
    """The ids stored, (n,) int64."""
    return _faiss().vector_to_array(index.id_map).astype(np.int64)


def index_vectors(index: faiss.Index, ids: np.ndarray) -> np.ndarray:
    """Stored vectors of `ids` (m,) int64 → (m, dim) float32; raises for an unknown id."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    out = np.empty((len(ids), index.d), dtype=np.float32)
    for row, key in enumerate(ids):
        out[row] = index.reconstruct(int(key))
    return out


def index_search(
    index: faiss.Index,
    queries: np.ndarray,
    k: int,
    *,
    allowed_ids: np.ndarray | None = None,
    ef_search: int = 128,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k by inner product. queries (q, dim) float32 → scores (q, k) float32, ids (q, k) int64.

    With `allowed_ids` only those ids can be returned, and the filter is applied inside the search, so
    k results come back whenever k allowed ids exist. Missing results are id -1, score -inf.
    """
    faiss = _faiss()
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    k = max(1, min(k, index.ntotal)) if index.ntotal else 1
    exact = index_is_exact(index)
    if allowed_ids is None:
        params = None if exact else faiss.SearchParametersHNSW(efSearch=max(ef_search, k))
        scores, ids = index.search(queries, k, params=params) if params else index.search(queries, k)
        return scores, ids
    allowed_ids = np.ascontiguousarray(np.unique(allowed_ids), dtype=np.int64)
    if len(allowed_ids) == 0:
        return np.full((len(queries), k), -np.inf, np.float32), np.full((len(queries), k), -1, np.int64)
    if not exact and len(allowed_ids) <= EXACT_FILTER_LIMIT:
        vectors = index_vectors(index, allowed_ids)
        sims = queries @ vectors.T
        top = np.argsort(-sims, axis=1)[:, :k]
        scores = np.take_along_axis(sims, top, axis=1)
        ids = allowed_ids[top]
        if ids.shape[1] < k:
            pad = k - ids.shape[1]
            scores = np.pad(scores, ((0, 0), (0, pad)), constant_values=-np.inf)
            ids = np.pad(ids, ((0, 0), (0, pad)), constant_values=-1)
        return scores.astype(np.float32), ids
    selector = faiss.IDSelectorBatch(allowed_ids)
    if exact:
        params = faiss.SearchParameters(sel=selector)
    else:
        params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(ef_search * 4, k))
    return index.search(queries, k, params=params)
