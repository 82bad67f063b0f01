"""Keyword ranking on the dev questions: bm25s (what physlit uses) against PostgreSQL full-text search.

    flock /tmp/physlit-bench.lock .venv/bin/python bench/keyword_engines.py \
        --database-url postgres://postgres@127.0.0.1:5432/physlit_dev

Needs the 83k corpus imported. PostgreSQL is given its best shot: an expression GIN index on
to_tsvector('english', title || ' ' || abstract) (created for the run, dropped after), the question's
stemmed terms OR-ed (AND finds nothing for a whole question) and ranked by ts_rank_cd. Prints Recall@1/10,
MRR@10 and the median milliseconds per query of each, in one run.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from harness import SHARED, django_setup, parser_make, table_header, table_row

INDEX = "bench_paper_fts"
TSV = "to_tsvector('english', coalesce(title, '') || ' ' || coalesce(abstract, ''))"


def main() -> None:
    args = parser_make(__doc__, database=True).parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("give --database-url postgres://...")
    django_setup(args)
    from django.db import connection

    from physlit.corpus.models import Paper
    from physlit.evaluation.search import ranking_metrics
    from physlit.ml.encoder import paper_text
    from physlit.search.keyword import KeywordIndex

    questions = [json.loads(line) for line in open(SHARED / "eval" / "dev-questions.jsonl")]
    gold = dict(Paper.objects.values_list("arxiv_id", "pk"))
    rows = list(Paper.objects.order_by("pk").values_list("pk", "title", "abstract"))
    pks = [r[0] for r in rows]

    t = time.perf_counter()
    bm25 = KeywordIndex.build([paper_text(title, abstract) for _, title, abstract in rows])
    bm25_build = time.perf_counter() - t
    with connection.cursor() as cursor:
        t = time.perf_counter()
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON corpus_paper USING gin ({TSV})")
        fts_build = time.perf_counter() - t

    results = {}
    try:
        for name in ("bm25s", "postgres"):
            ranks, times = [], []
            for q in questions:
                t = time.perf_counter()
                if name == "bm25s":
                    positions, _ = bm25.search(q["question"], 10)
                    found = [pks[p] for p in positions]
                else:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT string_agg(lexeme, ' | ') FROM unnest(to_tsvector('english', %s))",
                            [q["question"]],
                        )
                        terms = cursor.fetchone()[0] or ""
                        cursor.execute(
                            f"SELECT id FROM corpus_paper WHERE {TSV} @@ to_tsquery('english', %s) "
                            f"ORDER BY ts_rank_cd({TSV}, to_tsquery('english', %s)) DESC LIMIT 10",
                            [terms, terms],
                        )
                        found = [r[0] for r in cursor.fetchall()]
                times.append(time.perf_counter() - t)
                g = gold.get(q["id"])
                ranks.append(found.index(g) + 1 if g in found else None)
            results[name] = (ranking_metrics(ranks), 1000 * statistics.median(times))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")

    print(f"\nkeyword ranking on dev-questions.jsonl ({len(questions)} questions), {len(rows):,} papers\n")
    table_header(["engine", "Recall@1", "Recall@10", "MRR@10", "ms/query (median)", "index build s"])
    builds = {"bm25s": bm25_build, "postgres": fts_build}
    labels = {
        "bm25s": "bm25s (BM25, stemmed, stop words)",
        "postgres": "PostgreSQL FTS (GIN, ts_rank_cd, OR)",
    }
    for name, (m, ms) in results.items():
        metrics = (f"{m[key]:.3f}" for key in ("R@1", "R@10", "MRR@10"))
        table_row(labels[name], *metrics, f"{ms:.1f}", f"{builds[name]:.0f}")


if __name__ == "__main__":
    main()
