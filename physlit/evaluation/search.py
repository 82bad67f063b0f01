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
    metrics["curve"] = [sum(1 for r in ranks if r is not None and r <= c) / n for c in range(1, 11)]
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


def search_evaluate_encoder(
    questions: list[Question], *, reference: str, modes=("dense", "hybrid"), fusion: str | None = None
) -> dict[str, dict]:
    """Like search_evaluate, but the dense side uses the encoder `reference` (a model folder, see
    physlit.search.encoding) over a temporary in-memory index of the current index's papers; the keyword
    side and fusion are the current index's. Embeds every indexed paper: minutes for thousands of papers,
    most of an hour per encoder for the 83k corpus on 2 cores."""
    import numpy as np
    from django.conf import settings

    from physlit.ml.encoder import paper_text
    from physlit.search import service
    from physlit.search.encoding import encoder_load

    loaded = service.index_loaded()
    encoder = encoder_load(reference)
    texts = dict.fromkeys(loaded.ids.tolist(), "")
    rows = Paper.objects.filter(pk__in=list(texts)).values_list("pk", "title", "abstract")
    for pk, title, abstract in rows.iterator(chunk_size=5000):
        texts[pk] = paper_text(title, abstract)
    vectors = encoder.encode(list(texts.values()), batch_size=settings.PHYSLIT_ENCODE_BATCH)
    gold = dict(
        Paper.objects.filter(arxiv_id__in=[q.arxiv_id for q in questions if q.arxiv_id]).values_list(
            "arxiv_id", "pk"
        )
    )
    asked = [q for q in questions if q.arxiv_id in gold]
    candidates = max(10, settings.PHYSLIT_SEARCH_CANDIDATES)
    ranks: dict[str, list[int | None]] = {mode: [] for mode in modes}
    for q in asked:
        query = service.query_english(q.question)
        scores = vectors @ encoder.encode([query])[0]
        top = np.argsort(-scores)[:candidates]
        dense = service.Ranked(loaded.ids[top], scores[top])
        for mode in modes:
            if mode == "dense":
                hits = dense.hits(10, "dense")
            else:
                keyword = service.keyword_ranked(loaded, query, candidates, None)
                hits = service.fuse(
                    dense,
                    keyword,
                    10,
                    method=fusion or settings.PHYSLIT_SEARCH_FUSION,
                    dense_weight=service.query_dense_weight(query),
                )
            ids = [h.paper_id for h in hits]
            ranks[mode].append(ids.index(gold[q.arxiv_id]) + 1 if gold[q.arxiv_id] in ids else None)
    return {mode: {**ranking_metrics(r), "questions": len(asked)} for mode, r in ranks.items()}
