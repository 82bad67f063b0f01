"""Where one /api/search request spends its time: each stage timed alone, in one process, one thread.

    flock /tmp/physlit-bench.lock .venv/bin/python bench/search_breakdown.py \
        --database-url postgres://postgres@127.0.0.1:5432/physlit_dev --var-dir /tmp/physlit-dev

Needs the corpus and a built index. Milliseconds per question, averaged over the 50 dev questions, with
ONNX Runtime and FAISS on one thread as in a gunicorn worker (physlit/gunicorn_conf.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--var-dir", default=os.environ.get("PHYSLIT_VAR_DIR", ""))
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    if args.var_dir:
        os.environ["PHYSLIT_VAR_DIR"] = args.var_dir
    os.environ.update(OMP_NUM_THREADS="1", PHYSLIT_ENCODER_THREADS="1", HF_HUB_OFFLINE="1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "physlit.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from physlit.corpus.selectors import papers_by_ids
    from physlit.search import service
    from physlit.search.encoding import encoder_for_index, encoder_load

    path = Path(settings.SHARED_DIR) / "eval" / "dev-questions.jsonl"
    questions = [json.loads(line)["question"] for line in open(path)]
    client = Client()
    client.get("/api/search", {"q": questions[0]})  # loads the index and the encoder
    loaded = service._loaded()
    encoder = encoder_for_index(loaded.row)  # what papers_search encodes queries with
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
            ms(lambda q: service._dense(loaded, vectors[q], settings.PHYSLIT_SEARCH_CANDIDATES, None)),
        ),
        (
            f"BM25, top {settings.PHYSLIT_SEARCH_CANDIDATES}",
            ms(lambda q: service._keyword(loaded, q, settings.PHYSLIT_SEARCH_CANDIDATES, None)),
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
    print("| step | ms per request |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value:.1f} |")


if __name__ == "__main__":
    main()
