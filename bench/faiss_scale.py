"""FAISS at scale: physlit's IVF index against exact search on N synthetic 384-d vectors (default 2M), or on
the real embeddings of a built index with real queries (--real).

    flock /tmp/physlit-bench.lock .venv/bin/python bench/faiss_scale.py [--n 2000000] [--queries 500]
    flock /tmp/physlit-bench.lock .venv/bin/python bench/faiss_scale.py --real VAR/index/000001 --k 100

With --real the stored vectors of that index are the corpus and the queries are the dev and hard dev
questions plus random paper titles from the snapshot, embedded by the query encoder (onnx-int8 of the
packaged model). --k 100 is what hybrid search asks the dense side for.

Vectors are clustered like real embeddings (unit vectors around 20k random topic centres, not uniform
noise, on which no approximate index is meaningful). Prints build time, per-query latency (one thread,
one query at a time, as a web request runs it) and Recall@k against exact search, for physlit's IVF index
(float16 lists) and, beside it, the same IVF with float32 lists (IVF,Flat; what builds wrote before).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from harness import SHARED, parser_make, questions_texts, table_header, table_row

from physlit.ml import vectors


def synthetic(n: int, dim: int, centres: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, dim)).astype(np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    step = 200_000
    for start in range(0, n, step):
        m = min(step, n - start)
        x = c[rng.integers(0, centres, m)] + rng.standard_normal((m, dim)).astype(np.float32) * 0.05
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def per_query(index, queries: np.ndarray, k: int, params=None, **kw) -> tuple[np.ndarray, float]:
    """Search one query at a time (physlit's index_search, or FAISS' own with `params`); returns ids (q, k)
    and the median milliseconds per query."""
    ids, times = [], []
    for q in queries:
        t = time.perf_counter()
        if params is not None:
            _, found = index.search(q[None, :], k, params=params)
        else:
            _, found = vectors.index_search(index, q[None, :], k, **kw)
        times.append(time.perf_counter() - t)
        ids.append(found[0])
    return np.array(ids), 1000 * float(np.median(times))


def real(folder: Path, n_queries: int, cache_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vectors (n, d), their ids (n,), queries (q, d)) from a built physlit index and real queries."""
    import gzip
    import json
    import random

    from physlit.ml.encoder import get_encoder

    index = vectors.index_load(folder / "dense.faiss")
    ids = vectors.index_ids(index)
    base = vectors.index_vectors(index, ids)
    texts = questions_texts()
    with gzip.open(SHARED / "data" / "arxiv-physics-83k.jsonl.gz", "rt", encoding="utf-8") as f:
        titles = [json.loads(line)["title"] for line in f]
    texts += random.Random(0).sample(titles, max(0, n_queries - len(texts)))
    encoder = get_encoder(backend="onnx-int8", cache_dir=cache_dir, threads=1)
    return base, ids, encoder.encode(texts[:n_queries])


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--real", type=Path, help="a built index folder (VAR/index/NNNNNN)")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path("var/models/onnx"), help="ONNX exports (--real)"
    )
    args = parser.parse_args()

    import faiss

    faiss.omp_set_num_threads(1)  # a web worker answers one query on one thread
    if args.real:
        base, ids, queries = real(args.real, args.queries, args.cache_dir)
        args.n, args.dim = base.shape
        what = f"real embeddings of {args.real}, real queries"
    else:
        data = synthetic(args.n + args.queries, args.dim, centres=20_000, seed=0)
        base, queries = data[: args.n], data[args.n :]
        ids = np.arange(args.n, dtype=np.int64) + 1
        what = "synthetic, clustered"

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    t = time.perf_counter()
    exact = vectors.index_new(args.dim, expected_size=args.n, ivf_threshold=args.n + 1)
    vectors.index_add(exact, base, ids)
    exact_build = time.perf_counter() - t

    t = time.perf_counter()
    ivf = vectors.index_new(args.dim, expected_size=args.n, ivf_threshold=1)
    sample = base[np.random.default_rng(1).choice(args.n, min(args.n, 200_000), replace=False)]
    vectors.index_train(ivf, sample)
    vectors.index_add(ivf, base, ids)
    ivf_build = time.perf_counter() - t
    lists = faiss.extract_index_ivf(ivf).nlist
    t = time.perf_counter()
    flat = faiss.index_factory(args.dim, f"IVF{lists},Flat", faiss.METRIC_INNER_PRODUCT)
    vectors.index_train(flat, sample)
    vectors.index_add(flat, base, ids)
    flat_build = time.perf_counter() - t
    t = time.perf_counter()
    hnsw = faiss.IndexIDMap2(faiss.IndexHNSWFlat(args.dim, 32, faiss.METRIC_INNER_PRODUCT))
    hnsw.add_with_ids(base, ids)  # for comparison: physlit does not build HNSW
    hnsw_build = time.perf_counter() - t
    faiss.omp_set_num_threads(1)

    truth, exact_ms = per_query(exact, queries, args.k)
    rows = [("exact (IndexFlatIP)", exact_build, exact_ms, 1.0)]
    kinds = ((f"IVF{lists},SQfp16 (physlit)", ivf, ivf_build), (f"IVF{lists},Flat", flat, flat_build))
    for name, index, build in kinds:
        for nprobe in (8, 16, 32, 64, 128, 256):
            found, ms = per_query(index, queries, args.k, nprobe=nprobe)
            recall = np.mean([len(set(a) & set(b)) / args.k for a, b in zip(found, truth)])
            rows.append((f"{name} nprobe={nprobe}", build, ms, recall))
    for ef in (100, 200, 300):
        found, ms = per_query(hnsw, queries, args.k, params=faiss.SearchParametersHNSW(efSearch=ef))
        recall = np.mean([len(set(a) & set(b)) / args.k for a, b in zip(found, truth)])
        rows.append((f"HNSW32,Flat efSearch={ef}", hnsw_build, ms, recall))

    print(
        f"\n{args.n:,} vectors x {args.dim} ({what}), {len(queries)} queries, k={args.k}, "
        f"1 thread per query\n"
    )
    table_header(["index", "build s", "ms/query (median)", "speed-up vs exact", f"Recall@{args.k} vs exact"])
    for name, build, ms, recall in rows:
        table_row(name, f"{build:.0f}", f"{ms:.2f}", f"{exact_ms / ms:.1f}x", f"{recall:.3f}")


if __name__ == "__main__":
    main()
