"""Answer metrics. What the user reads first is the bold short answer: its exact match and token F1 against
the gold answer and its aliases (SQuAD normalisation, physlit.text.scoring), an abstention scoring 0, and its
precision on answered questions (the share of answered questions whose short answer has token F1 >= 0.5).
Beside them: "gold in reply" (the gold answer or an alias anywhere in the reply, quotes included, which a
wrong bold answer over the right quote also satisfies), gold paper cited, abstention rate, precision of
"gold in reply" on answered. The same-run baseline is "best matching sentence (MiniLM cosine) of the top
hybrid paper", whose short answer is that whole sentence. Unanswerable questions (no gold paper) measure
abstention only."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from physlit.corpus.selectors import papers_by_ids
from physlit.evaluation.questions import Question
from physlit.qa.services import answer_compute
from physlit.search.encoding import encoder_current
from physlit.search.service import papers_search
from physlit.text import normalize, sentence_spans
from physlit.text.scoring import exact_match, token_f1

UNANSWERABLE = Path(__file__).resolve().parent / "data" / "unanswerable.jsonl"
SHORT_CORRECT_F1 = 0.5  # a short answer counts as right on answered questions from this token F1 up


def _correct(q: Question, reply: str) -> bool:
    reply = normalize(reply).lower()  # the question file and the corpus may compose accents differently
    return any(a and normalize(a).lower() in reply for a in [q.answer, *q.answer_aliases])


def baseline_reply(question: str) -> tuple[str, str | None]:
    """(reply, cited arXiv id): the abstract sentence most similar to the question (MiniLM cosine) in the
    top hybrid paper; never abstains."""
    hits = papers_search(query=question, k=1)
    if not hits:
        return "", None
    paper = papers_by_ids([hits[0].paper_id])[hits[0].paper_id]
    abstract = " ".join(paper.abstract.split())
    texts = [abstract[s:e] for s, e in sentence_spans(abstract)] or [abstract]
    vecs = encoder_current().encode([question, *texts])
    return texts[int(np.argmax(vecs[1:] @ vecs[0]))], paper.arxiv_id


def answers_evaluate(questions: Sequence[Question]) -> dict[str, dict]:
    """{"physlit": metrics, "baseline": metrics} over the questions; metrics hold short_em, short_f1,
    short_precision_answered, accuracy (gold in reply), cited, abstention, precision_answered, questions,
    seconds_p50, seconds_p95 (physlit only)."""
    rows = {"physlit": [], "baseline": []}
    seconds = []
    for q in questions:
        started = time.perf_counter()
        answer = answer_compute(q.question)
        seconds.append(time.perf_counter() - started)
        cited = [c.arxiv_id for c in answer.citations]
        golds = [q.answer, *q.answer_aliases]
        short = "" if answer.abstained else answer.short_answer
        rows["physlit"].append(
            (
                _correct(q, answer.answer),
                q.arxiv_id in cited,
                answer.abstained,
                exact_match(short, golds),
                token_f1(short, golds),
            )
        )
        reply, paper = baseline_reply(q.question)
        rows["baseline"].append(
            (
                _correct(q, reply),
                q.arxiv_id == paper,
                False,
                exact_match(reply, golds),
                token_f1(reply, golds),
            )
        )
    results = {}
    for name, values in rows.items():
        n = len(values) or 1
        answered = [v for v in values if not v[2]]
        results[name] = {
            "accuracy": sum(v[0] for v in values) / n,
            "cited": sum(v[1] for v in values) / n,
            "abstention": sum(v[2] for v in values) / n,
            "precision_answered": sum(v[0] for v in answered) / len(answered) if answered else 0.0,
            "short_em": sum(v[3] for v in values) / n,
            "short_f1": sum(v[4] for v in values) / n,
            "short_precision_answered": (
                sum(v[4] >= SHORT_CORRECT_F1 for v in answered) / len(answered) if answered else 0.0
            ),
            "questions": len(values),
        }
    if seconds:
        results["physlit"]["seconds_p50"] = float(np.percentile(seconds, 50))
        results["physlit"]["seconds_p95"] = float(np.percentile(seconds, 95))
    return results


def abstention_evaluate(questions: Sequence[Question]) -> dict[str, float]:
    """Share of questions the corpus cannot answer on which physlit abstains."""
    abstained = [answer_compute(q.question).abstained for q in questions]
    return {"abstention": sum(abstained) / (len(abstained) or 1), "questions": len(abstained)}


def answers_report(questions: Sequence[Question], unanswerable: Sequence[Question]) -> str:
    """The answer section of `evaluate`: a markdown table of physlit and the baseline, same run."""
    answerable = [q for q in questions if q.arxiv_id and (q.answer or q.answer_aliases)]
    results = answers_evaluate(answerable) if answerable else {}
    unanswerable = [*unanswerable, *(q for q in questions if not q.arxiv_id)]
    abstain = abstention_evaluate(unanswerable) if unanswerable else None
    lines = [
        f"\n\nAnswers: {len(answerable)} questions with a gold answer, {len(unanswerable)} unanswerable\n"
    ]
    lines.append(
        "| reader | short answer EM | short answer F1 | short answer precision on answered | gold in reply | "
        "gold paper cited | abstention | gold-in-reply precision on answered | abstention on unanswerable | "
        "p50 s | p95 s |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in ("physlit", "baseline"):
        m = results.get(name)
        if m is None:
            continue
        una = (
            f"{abstain['abstention']:.3f}" if abstain and name == "physlit" else ("0.000" if abstain else "-")
        )
        times = f"{m['seconds_p50']:.2f} | {m['seconds_p95']:.2f}" if "seconds_p50" in m else "- | -"
        label = "physlit" if name == "physlit" else "baseline: best MiniLM sentence of top hybrid paper"
        lines.append(
            f"| {label} | {m['short_em']:.3f} | {m['short_f1']:.3f} | {m['short_precision_answered']:.3f} | "
            f"{m['accuracy']:.3f} | {m['cited']:.3f} | {m['abstention']:.3f} | "
            f"{m['precision_answered']:.3f} | {una} | {times} |"
        )
    if not results and abstain:
        lines.append(f"| physlit | - | - | - | - | - | - | - | {abstain['abstention']:.3f} | - | - |")
    return "\n".join(lines)
