"""Summary metrics: ROUGE-1/2/L (physlit.text.rouge, counted as rouge-score with stemming does) against the
question file's `tldr`, for the current summarizer beside the lead-sentence and TextRank baselines computed
in the same run; mean words; guard rejections; and what a reader notices that ROUGE does not
(physlit.text.scoring): the fragment rate (summaries that do not read as one complete sentence: they open
with a word that needs context, end in an ellipsis or unfinished, or are under 6 words), the lead-copy rate
(the abstract's first sentence word for word), and the result-stated rate (of the papers whose abstract
states a result the hand-written patterns find, the share whose summary states one of those values)."""

from __future__ import annotations

from physlit.corpus.models import Paper
from physlit.evaluation.questions import Question
from physlit.results.patterns import results_find
from physlit.text.rouge import rouge_f
from physlit.text.scoring import lead_copy, states_value, summary_problem


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


def reading_table(candidates: dict[str, list[str]], abstracts: list[str]) -> dict[str, dict[str, float]]:
    """{name: {"fragment", "lead copy", "result stated" (percentages), "with result" (papers whose abstract
    states a result)}} of each candidate list over the same abstracts."""
    values = [[found.value for found in results_find(a)] for a in abstracts]
    with_result = [i for i, v in enumerate(values) if v]
    table = {}
    for name, texts in candidates.items():
        n = max(len(texts), 1)
        table[name] = {
            "fragment": 100 * sum(summary_problem(t) is not None for t in texts) / n,
            "lead copy": 100 * sum(lead_copy(t, a) for t, a in zip(texts, abstracts)) / n,
            "result stated": (
                100 * sum(states_value(texts[i], values[i]) for i in with_result) / len(with_result)
                if with_result
                else 0.0
            ),
            "with result": len(with_result),
        }
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
    table = rouge_table(candidates, [q.tldr for q in asked])
    for name, row in reading_table(candidates, abstracts).items():
        table[name].update(row)
    return {
        "questions": len(asked),
        "table": table,
        "rejected": sum(g.rejected for g in guarded),
    }
