"""Query-dependent fusion: how much the keyword side should count, by what the query's own BM25 match says.

    .venv/bin/python bench/fusion.py --database-url postgres://postgres@127.0.0.1:5432/physlit_dev \
        --var-dir /tmp/physlit-dev

For each dev question file (natural, reworded, Chinese through the glossary) and each rule, Recall@1/10 and
MRR@10 of the z-score fusion over the current index, with BM25 alone and dense alone in the same run. The
rules weigh the keyword side by the query's BM25 coverage: the best paper's BM25 score over the sum of each
query term's highest score in the corpus (1 when one paper holds every query term at its strongest; low
when the best keyword match shares only a few, common words with the query, as a reworded question does).
Rows marked "Rocchio" use pseudo-relevance feedback on the dense side: the query vector plus --beta times
the mean vector of its --feedback nearest papers, searched again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from harness import django_setup, parser_make, table_header, table_row

FILES = ("dev-questions.jsonl", "dev-questions-hard.jsonl", "dev-questions-zh.jsonl")


def main() -> None:
    parser = parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--show", action="store_true", help="print each question's coverage and ranks")
    parser.add_argument("--feedback", type=int, default=3)
    parser.add_argument("--beta", type=float, default=0.5)
    args = parser.parse_args()
    django_setup(args)
    from django.conf import settings

    from physlit.corpus.models import Paper
    from physlit.evaluation.questions import questions_read
    from physlit.evaluation.search import ranking_metrics
    from physlit.ml import vectors
    from physlit.search import service

    loaded = service.index_loaded()
    candidates = settings.PHYSLIT_SEARCH_CANDIDATES
    rules = {
        "BM25 alone": None,
        "dense alone": None,
        "z-score, keyword weight 1 (before)": lambda c: 1.0,
        **{
            f"z-score, keyword weight min(1, coverage/{t})": (lambda c, t=t: min(1.0, c / t))
            for t in (0.3, 0.5, 0.7)
        },
        **{f"z-score, keyword weight coverage^{p}": (lambda c, p=p: c**p) for p in (1, 2)},
    }
    for name in FILES:
        questions = questions_read(Path(settings.SHARED_DIR) / "eval" / name)
        gold = dict(
            Paper.objects.filter(arxiv_id__in=[q.arxiv_id for q in questions]).values_list("arxiv_id", "pk")
        )
        ranks: dict[str, list] = {}
        coverages = []
        for q in questions:
            if q.arxiv_id not in gold:
                continue
            query = service.query_english(q.question)
            vector = service.query_vector(loaded, query)
            dense = service.dense_ranked(loaded, vector, candidates, None)
            near = vectors.index_vectors(loaded.dense, dense.ids[: args.feedback]).mean(axis=0)
            moved = vector + args.beta * near
            prf = service.dense_ranked(
                loaded, (moved / np.linalg.norm(moved)).astype(np.float32), candidates, None
            )
            keyword = service.keyword_ranked(loaded, query, candidates, None)
            best = float(keyword.scores[0]) if len(keyword.ids) else 0.0
            coverage = loaded.keyword.coverage(query, best)
            coverages.append(coverage)
            target = gold[q.arxiv_id]
            for side, dense_side in (("", dense), (", Rocchio", prf)):
                for rule, weight in rules.items():
                    if rule == "BM25 alone":
                        if side:
                            continue
                        ids = keyword.ids[:10].tolist()
                    elif rule == "dense alone":
                        ids = dense_side.ids[:10].tolist()
                    else:
                        hits = service.fuse(
                            dense_side,
                            keyword,
                            10,
                            dense_weight=service.query_dense_weight(query),
                            keyword_weight=weight(coverage),
                        )
                        ids = [h.paper_id for h in hits]
                    ranks.setdefault(rule + side, []).append(ids.index(target) + 1 if target in ids else None)
            if args.show:
                print(
                    f"{coverage:.2f} {ranks['BM25 alone'][-1]} {ranks['dense alone'][-1]} {q.question[:70]}"
                )
        print(f"\n{name}: {len(coverages)} questions, coverage median {np.median(coverages):.2f}\n")
        table_header(["fusion", "Recall@1", "Recall@10", "MRR@10"])
        for rule, r in ranks.items():
            m = ranking_metrics(r)
            table_row(rule, f"{m['R@1']:.3f}", f"{m['R@10']:.3f}", f"{m['MRR@10']:.3f}")


if __name__ == "__main__":
    main()
