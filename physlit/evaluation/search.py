"""Search metrics: Recall@1/5/10 and MRR@10 of each mode against the current index."""

from physlit.corpus.models import Paper
from physlit.evaluation.questions import Question
from physlit.search.service import MODES, papers_search

CUTOFFS = (1, 5, 10)


def ranking_metrics(ranks: list[int | None]) -> dict[str, float]:
    """ranks: 1-based rank of the gold paper per question, None when not in the top 10."""
    n = len(ranks) or 1
    metrics = {f"R@{c}": sum(1 for r in ranks if r is not None and r <= c) / n for c in CUTOFFS}
    metrics["MRR@10"] = sum(1.0 / r for r in ranks if r is not None and r <= 10) / n
    return metrics


def search_evaluate(questions: list[Question], *, modes=MODES, fusion: str | None = None) -> dict[str, dict]:
    """Per mode: metrics over the questions whose gold paper is in the corpus."""
    gold = dict(
        Paper.objects.filter(arxiv_id__in=[q.arxiv_id for q in questions if q.arxiv_id]).values_list(
            "arxiv_id", "pk"
        )
    )
    asked = [q for q in questions if q.arxiv_id in gold]
    results = {}
    for mode in modes:
        ranks = []
        for q in asked:
            hits = papers_search(query=q.question, k=10, mode=mode, fusion=fusion)
            ids = [h.paper_id for h in hits]
            ranks.append(ids.index(gold[q.arxiv_id]) + 1 if gold[q.arxiv_id] in ids else None)
        results[mode] = {**ranking_metrics(ranks), "questions": len(asked)}
    return results
