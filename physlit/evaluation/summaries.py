"""Summary metrics: ROUGE-1/2/L (physlit.text.rouge, counted as rouge-score with stemming does) against the
question file's `tldr`, for the current summarizer beside the lead-sentence and TextRank baselines computed
in the same run; mean words; guard rejections."""

from __future__ import annotations

from physlit.corpus.models import Paper
from physlit.evaluation.questions import Question
from physlit.text.rouge import rouge_f


def rouge_table(candidates: dict[str, list[str]], references: list[str]) -> dict[str, dict[str, float]]:
    """{name: {"ROUGE-1", "ROUGE-2", "ROUGE-L" (F x100), "words" (mean)}} of each candidate list."""
    table = {}
    for name, texts in candidates.items():
        f = rouge_f(texts, references)
        table[name] = {
            label: f[key]
            for label, key in (("ROUGE-1", "rouge1"), ("ROUGE-2", "rouge2"), ("ROUGE-L", "rougeL"))
        }
        n = max(len(references), 1)
        table[name]["words"] = sum(len(t.split()) for t in texts) / n
    return table


def baseline_summaries(abstracts: list[str], encoder) -> dict[str, list[str]]:
    """The plain baselines of ../shared/eval/BASELINES.md: the first sentence, and TextRank over sentence
    embeddings of `encoder` (the highest-PageRank sentence)."""
    from physlit.ml.summarizer import textrank_pick
    from physlit.text import sentences as sentences_split

    split = [sentences_split(a) or [""] for a in abstracts]
    flat = [s for sents in split for s in sents]
    emb = encoder.encode(flat)
    textrank, start = [], 0
    for sents in split:
        textrank.append(sents[textrank_pick(emb[start : start + len(sents)])])
        start += len(sents)
    return {"lead sentence": [s[0] for s in split], "TextRank (MiniLM)": textrank}


def summaries_evaluate(questions: list[Question]) -> dict:
    """Scores on the questions with a `tldr` whose paper is in the corpus."""
    from physlit.summaries.services import drafts_guard, summarizer_current, summarizer_encoder

    wanted = [q for q in questions if q.tldr and q.arxiv_id]
    papers = {p.arxiv_id: p for p in Paper.objects.filter(arxiv_id__in=[q.arxiv_id for q in wanted])}
    asked = [q for q in wanted if q.arxiv_id in papers]
    abstracts = [papers[q.arxiv_id].abstract for q in asked]
    summarizer, version = summarizer_current()
    guarded = drafts_guard(summarizer, abstracts)
    name = f"physlit ({version.label})" if version else "physlit (lead fallback, no summarizer trained)"
    candidates = {name: [g.text for g in guarded]}
    if asked:
        candidates.update(baseline_summaries(abstracts, summarizer_encoder()))
    return {
        "questions": len(asked),
        "table": rouge_table(candidates, [q.tldr for q in asked]),
        "rejected": sum(g.rejected for g in guarded),
    }
