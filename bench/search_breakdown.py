"""Where one /api/search request spends its time: each stage timed alone, in one process, one thread.

    flock /tmp/physlit-bench.lock .venv/bin/python bench/search_breakdown.py \
        --database-url postgres://postgres@127.0.0.1:5432/physlit_dev --var-dir /tmp/physlit-dev

Needs the corpus and a built index. Milliseconds per question, averaged over the 50 dev questions, with
ONNX Runtime and FAISS on one thread as in a gunicorn worker (physlit/gunicorn_conf.py).

Then the dense search with a category filter, per category, over the dev and hard questions: physlit's
(a bitmap of allowed ids, nprobe scaled by the filter's share) beside the method it replaced (a hash-set
selector probing 4 x nprobe lists; under 20,000 allowed papers, scoring their reconstructed vectors), with
Recall@10 and @100 of each against the exact filtered top 100.
"""

from __future__ import annotations

import time

from harness import django_setup, parser_make, questions_texts, table_header, table_row


def main() -> None:
    args = parser_make(__doc__, database=True, var_dir=True).parse_args()
    django_setup(args, one_thread=True)
    from django.conf import settings
    from django.test import Client

    from physlit.corpus.selectors import papers_by_ids
    from physlit.search import service
    from physlit.search.encoding import encoder_for_index, encoder_load

    questions = questions_texts(["dev-questions.jsonl"])
    client = Client()
    client.get("/api/search", {"q": questions[0]})  # loads the index and the encoder
    loaded = service.index_loaded()
    encoder = encoder_for_index(loaded.row, loaded.query_encoder)  # what papers_search encodes queries with
    vectors = {q: encoder.encode([q])[0] for q in questions}
    top = {q: [h.paper_id for h in service.papers_search(query=q, k=10)] for q in questions}

    def ms(step) -> float:
        start = time.perf_counter()
        for q in questions:
            step(q)
        return 1000 * (time.perf_counter() - start) / len(questions)

    rows = [
        (f"query encoding ({encoder.backend})", ms(lambda q: encoder.encode([q]))),
        (
            f"dense search, top {settings.PHYSLIT_SEARCH_CANDIDATES} ({loaded.row.dense_kind})",
            ms(lambda q: service.dense_ranked(loaded, vectors[q], settings.PHYSLIT_SEARCH_CANDIDATES, None)),
        ),
        (
            f"BM25, top {settings.PHYSLIT_SEARCH_CANDIDATES}",
            ms(lambda q: service.keyword_ranked(loaded, q, settings.PHYSLIT_SEARCH_CANDIDATES, None)),
        ),
        ("reading the 10 result rows", ms(lambda q: papers_by_ids(top[q]))),
        (
            "papers_search, hybrid (all of the above but rows)",
            ms(lambda q: service.papers_search(query=q, k=10)),
        ),
        ("GET /api/search through Django", ms(lambda q: client.get("/api/search", {"q": q}))),
    ]
    built = encoder_load(loaded.row.encoder, loaded.row.encoder_backend)  # how the papers were embedded
    if built.backend != encoder.backend:  # not on the request path: why queries use another backend
        built.encode([questions[0]])
        rows.append((f"(for comparison) query encoding ({built.backend})", ms(lambda q: built.encode([q]))))
    print(f"\n{loaded.row.count:,} papers, {len(questions)} questions, one thread\n")
    table_header(["step", "ms per request"])
    for name, value in rows:
        table_row(name, f"{value:.1f}")
    if loaded.row.dense_kind != "exact":
        filtered(loaded, encoder, settings.PHYSLIT_IVF_NPROBE)


def filtered(loaded, encoder, nprobe: int, k: int = 100) -> None:
    """Filtered dense search per category: physlit's against the method it replaced, same queries."""
    import faiss
    import numpy as np

    from physlit.ml import vectors
    from physlit.search import service

    def replaced(q: np.ndarray, allowed: np.ndarray) -> np.ndarray:  # before ac779f5
        if len(allowed) <= 20_000:
            sims = vectors.index_vectors(loaded.dense, allowed) @ q
            return allowed[np.argsort(-sims)[:k]]
        lists = min(nprobe * 4, faiss.downcast_index(loaded.dense).nlist)
        params = faiss.SearchParametersIVF(sel=faiss.IDSelectorBatch(allowed), nprobe=lists)
        return loaded.dense.search(q[None, :], k, params=params)[1][0]

    def physlit(q: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        return vectors.index_search(loaded.dense, q[None, :], k, allowed_ids=allowed, nprobe=nprobe)[1][0]

    queries = encoder.encode(questions_texts())
    stored = vectors.index_vectors(loaded.dense, loaded.ids)
    print(f"\nDense search with a category filter, top {k}, {len(queries)} questions, one thread\n")
    table_header(["category", "papers allowed", "method", "ms per query", "Recall@10", "Recall@100"])
    for category in ("quant-ph", "hep-th", "astro-ph", "gr-qc", "cond-mat"):
        mask = service.filter_mask(loaded, service.SearchFilters(category=category))
        allowed = loaded.ids[mask]
        truth = [allowed[np.argsort(-(stored[mask] @ q))[:k]] for q in queries]
        for label, search in (("replaced: hash set, 4 x nprobe / exact", replaced), ("physlit", physlit)):
            start = time.perf_counter()
            found = [search(q, allowed) for q in queries]
            ms = 1000 * (time.perf_counter() - start) / len(queries)
            r10 = np.mean([len(set(f[:10]) & set(t[:10])) / 10 for f, t in zip(found, truth)])
            r100 = np.mean([len(set(f) & set(t)) / k for f, t in zip(found, truth)])
            table_row(category, f"{len(allowed):,}", label, f"{ms:.2f}", f"{r10:.3f}", f"{r100:.3f}")


if __name__ == "__main__":
    main()
