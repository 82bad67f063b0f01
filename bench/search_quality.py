"""Search quality on the dev questions: keyword (BM25), dense (MiniLM) and hybrid fusions, in one run.

    .venv/bin/python bench/search_quality.py --database-url postgres://postgres@127.0.0.1:5432/physlit_dev \
        --var-dir /tmp/physlit-dev

Needs the 83k corpus imported and an index built (`manage.py build_index`). For each question file
(`dev-questions.jsonl`; `dev-questions-hard.jsonl`: the same questions without the papers' words;
`dev-questions-zh.jsonl`: the same questions in Chinese)
it prints Recall@1/5/10 and MRR@10 of each retriever against the current index. The baselines run in
the same process on the same index: BM25 alone, dense alone, and reciprocal-rank fusion (RRF, k=60).
For the Chinese questions the rows come twice: as typed (the glossary off, as before it existed) and read
through the Chinese -> English glossary (settings.PHYSLIT_QUERY_GLOSSARY, the default); the last line gives
hybrid Recall@10 in Chinese over the same questions' in English (dev-questions.jsonl).
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness import django_setup, parser_make, table_header, table_row


def main() -> None:
    args = parser_make(__doc__, database=True, var_dir=True).parse_args()
    django_setup(args)
    from django.conf import settings
    from django.test import override_settings

    from physlit.evaluation.questions import questions_read
    from physlit.evaluation.search import search_evaluate
    from physlit.search.build import index_current

    row = index_current()
    if row is None:
        sys.exit("no index: run `manage.py build_index` first")
    print(
        f"\nindex {row.pk}: {row.count:,} papers, {row.dense_kind} dense search, "
        f"encoder {row.encoder_backend}\n"
    )
    runs = [
        ("BM25 (keyword)", "keyword", None),
        ("MiniLM (dense)", "dense", None),
        ("RRF hybrid, k=60", "hybrid", "rrf"),
        ("physlit hybrid (z-score fusion)", "hybrid", "zscore"),
    ]
    recall10 = {}
    for name in ("dev-questions.jsonl", "dev-questions-hard.jsonl", "dev-questions-zh.jsonl"):
        questions = questions_read(Path(settings.SHARED_DIR) / "eval" / name)
        print(f"{name} ({len(questions)} questions)\n")
        table_header(["retriever", "Recall@1", "Recall@5", "Recall@10", "MRR@10"])
        if name == "dev-questions-zh.jsonl":
            with override_settings(PHYSLIT_QUERY_GLOSSARY=""):
                for label, mode, fusion in (runs[0], runs[3]):
                    m = search_evaluate(questions, modes=(mode,), fusion=fusion)[mode]
                    table_row(f"{label}, Chinese as typed (no glossary, before)", *cells(m))
            runs_here = [(f"{label}, through the glossary", mode, fusion) for label, mode, fusion in runs]
        else:
            runs_here = runs
        for label, mode, fusion in runs_here:
            m = search_evaluate(questions, modes=(mode,), fusion=fusion)[mode]
            table_row(label, *cells(m))
            recall10[name, mode, fusion] = m["R@10"]
        m = fixed_weights(questions)
        table_row("z-score fusion, equal weights for every query (before)", *cells(m))
        print()
    zh = recall10["dev-questions-zh.jsonl", "hybrid", "zscore"]
    en = recall10["dev-questions.jsonl", "hybrid", "zscore"]
    print(f"dev-zh hybrid Recall@10 {zh:.3f} = {zh / en:.2f} x the same questions in English ({en:.3f})")


def cells(m: dict) -> list[str]:
    return [f"{m[key]:.3f}" for key in ("R@1", "R@5", "R@10", "MRR@10")]


def fixed_weights(questions) -> dict:
    """The z-score fusion as it was before the query's script weighed the dense side (dense_weight 1)."""
    from django.conf import settings

    from physlit.corpus.models import Paper
    from physlit.evaluation.search import ranking_metrics
    from physlit.search import service

    loaded = service.index_loaded()
    gold = dict(
        Paper.objects.filter(arxiv_id__in=[q.arxiv_id for q in questions]).values_list("arxiv_id", "pk")
    )
    candidates = max(10, settings.PHYSLIT_SEARCH_CANDIDATES)
    ranks = []
    for q in questions:
        if q.arxiv_id not in gold:
            continue
        query = service.query_english(q.question)
        dense = service.dense_ranked(loaded, service.query_vector(loaded, query), candidates, None)
        keyword = service.keyword_ranked(loaded, query, candidates, None)
        ids = [h.paper_id for h in service.fuse(dense, keyword, 10, method="zscore", dense_weight=1.0)]
        ranks.append(ids.index(gold[q.arxiv_id]) + 1 if gold[q.arxiv_id] in ids else None)
    return ranking_metrics(ranks)


if __name__ == "__main__":
    main()
