"""Dense vector index (FAISS): create, train, add, save/load atomically, search with an optional id filter.

Vectors are float32 arrays of shape (n, dim), L2-normalised, so inner product is cosine similarity.
Ids are int64 paper primary keys (IndexIDMap2), so results map straight back to database rows.
Small corpora get exact search (IndexFlatIP under IndexIDMap2); large ones an inverted file keyed by the
same ids, its lists holding the vectors in float16 (IndexIVFScalarQuantizer, SQfp16: half the memory read per
query, cosine unchanged to ~1e-4), searched with `nprobe` lists, trained on a sample before vectors are added.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from physlit.ml.files import atomic_path

if TYPE_CHECKING:
    import faiss

DEFAULT_NPROBE = 256


def _faiss():
    import faiss

    return faiss


def ivf_lists(expected_size: int) -> int:
    """Number of inverted lists: about 4·sqrt(n) as a power of two, with >= 39 training points per list."""
    n = max(expected_size, 1)
    return max(1, min(2 ** round(math.log2(4 * math.sqrt(n))), n // 39))


def index_new(dim: int, *, expected_size: int, ivf_threshold: int) -> faiss.Index:
    """An empty index keyed by int64 ids: exact inner product (IndexIDMap2 over IndexFlatIP) below
    `ivf_threshold` vectors, an inverted file of float16 vectors (IndexIVFScalarQuantizer, which stores
    ids itself) above."""
    faiss = _faiss()
    if kind_for(expected_size, ivf_threshold) == "exact":
        return faiss.index_factory(dim, "IDMap2,Flat", faiss.METRIC_INNER_PRODUCT)
    # float16 lists: an IVF search at 83k papers reads a quarter of the vectors, so halving their bytes
    # halves its time, with the same top 10 (docs/benchmarks.md, "FAISS at 83k real embeddings").
    return faiss.index_factory(dim, f"IVF{ivf_lists(expected_size)},SQfp16", faiss.METRIC_INNER_PRODUCT)


def kind_for(size: int, ivf_threshold: int) -> str:
    """The kind of index (index_kind) that `size` vectors get: "exact" below the threshold, else "ivf"."""
    return "exact" if size < ivf_threshold else "ivf"


def index_rekind(index: faiss.Index, *, expected_size: int, ivf_threshold: int) -> faiss.Index:
    """`index` as the kind `expected_size` vectors need (kind_for), its stored vectors moved over without
    re-embedding: an exact index that has grown past the threshold becomes an IVF one, and an IVF index of
    float32 lists (built before float16 lists, kind "ivf-flat") becomes one of float16 lists. Returns
    `index` itself when it already is of that kind."""
    if index_kind(index) == kind_for(expected_size, ivf_threshold):
        return index
    ids = index_ids(index)
    stored = index_vectors(index, ids)
    new = index_new(index.d, expected_size=expected_size, ivf_threshold=ivf_threshold)
    if index_needs_training(new):
        sample = stored[np.random.default_rng(0).permutation(len(stored))[: 256 * ivf_lists(expected_size)]]
        index_train(new, sample)
    index_add(new, stored, ids)
    return new


def index_needs_training(index: faiss.Index) -> bool:
    return not index.is_trained


def index_train(index: faiss.Index, sample: np.ndarray) -> None:
    """Train an IVF index's coarse quantizer on a sample (m, dim) float32 (m >= 39 × lists is best)."""
    faiss = _faiss()
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    # A hash table from id to stored vector: filtered search reads vectors, updates remove them.
    faiss.downcast_index(index).set_direct_map_type(faiss.DirectMap.Hashtable)


def index_add(index: faiss.Index, vectors: np.ndarray, ids: np.ndarray) -> None:
    """Add vectors (n, dim) float32 under ids (n,) int64."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))


def index_remove(index: faiss.Index, ids: np.ndarray) -> int:
    """Remove the vectors of `ids` (m,) int64 (unknown ids are ignored); returns how many were removed."""
    faiss = _faiss()
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if len(ids) == 0:
        return 0
    if index_is_exact(index):
        # faiss's type hints name only an IDSelector; its SWIG wrapper also takes an id array.
        return int(index.remove_ids(ids))  # type: ignore[arg-type]
    return int(faiss.downcast_index(index).remove_ids(faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))))


def index_save(index: faiss.Index, path: Path) -> None:
    """Write to `path` through a temporary file and a rename, so a reader never sees half a file."""
    faiss = _faiss()
    with atomic_path(path) as tmp:
        faiss.write_index(index, str(tmp))


def index_load(path: Path) -> faiss.Index:
    return _faiss().read_index(str(path))  # already the concrete class (IndexIDMap2 or an IndexIVF)


def index_is_exact(index: faiss.Index) -> bool:
    faiss = _faiss()
    return isinstance(faiss.downcast_index(index), faiss.IndexIDMap2)


def index_kind(index: faiss.Index) -> str:
    """The kind of index: "exact", "ivf" (float16 lists) or "ivf-flat" (float32 lists, older builds)."""
    if index_is_exact(index):
        return "exact"
    faiss = _faiss()
    return "ivf-flat" if isinstance(faiss.downcast_index(index), faiss.IndexIVFFlat) else "ivf"


def index_ids(index: faiss.Index) -> np.ndarray:
    """The ids stored, (n,) int64, sorted."""
    faiss = _faiss()
    if index_is_exact(index):
        return np.sort(faiss.vector_to_array(faiss.downcast_index(index).id_map).astype(np.int64))
    ivf = faiss.downcast_index(index)
    lists = ivf.invlists
    parts = [faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy() for i in range(ivf.nlist)]
    return np.sort(np.concatenate(parts).astype(np.int64)) if parts else np.empty(0, np.int64)


def index_vectors(index: faiss.Index, ids: np.ndarray) -> np.ndarray:
    """Stored vectors of `ids` (m,) int64 → (m, dim) float32; raises KeyError for an id not stored."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    try:
        return index.reconstruct_batch(ids)  # one call into FAISS; a filtered search reads thousands
    except RuntimeError:
        pass  # some id is not stored: find which, below
    out = np.empty((len(ids), index.d), dtype=np.float32)
    for row, key in enumerate(ids):
        try:
            out[row] = index.reconstruct(int(key))
        except RuntimeError as exc:
            raise KeyError(int(key)) from exc
    return out


def index_search(
    index: faiss.Index,
    queries: np.ndarray,
    k: int,
    *,
    allowed_ids: np.ndarray | None = None,
    nprobe: int = DEFAULT_NPROBE,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k by inner product. queries (q, dim) float32 → scores (q, k) float32, ids (q, k) int64.

    With `allowed_ids` only those ids can be returned, and the filter is applied inside the search, so
    k results come back whenever k allowed ids exist. Missing results are id -1, score -inf.
    """
    faiss = _faiss()
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    k = max(1, k)
    exact = index_is_exact(index)
    if allowed_ids is None:
        if exact:
            return index.search(queries, k)
        return index.search(queries, k, params=faiss.SearchParametersIVF(nprobe=nprobe))
    allowed_ids = np.ascontiguousarray(allowed_ids, dtype=np.int64)
    if len(allowed_ids) and not (allowed_ids[1:] > allowed_ids[:-1]).all():  # callers mostly pass them sorted
        allowed_ids = np.unique(allowed_ids)
    if len(allowed_ids) == 0:
        return np.full((len(queries), k), -np.inf, np.float32), np.full((len(queries), k), -1, np.int64)
    # A bitmap over ids (one bit per id up to the largest allowed): FAISS tests it per stored vector far
    # faster than a hash set (IDSelectorBatch), so scanning many lists stays cheap.
    bits = np.zeros(int(allowed_ids[-1]) + 1, dtype=bool)
    bits[allowed_ids] = True
    bitmap = np.packbits(bits, bitorder="little")  # referenced until the search returns
    selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))  # its size in bytes
    if exact:
        return index.search(queries, k, params=faiss.SearchParameters(sel=selector))
    # Probe as many lists as it takes to see as many allowed vectors as an unfiltered search sees: 1/share
    # times nprobe; a selective filter probes every list, which is exact.
    share = len(allowed_ids) / max(index.ntotal, 1)
    lists = faiss.downcast_index(index).nlist
    probes = min(lists, math.ceil(nprobe / max(share, 1e-9)))
    return index.search(queries, k, params=faiss.SearchParametersIVF(sel=selector, nprobe=probes))
