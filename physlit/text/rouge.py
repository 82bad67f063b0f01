"""ROUGE-1/2/L as rouge-score counts them (its tokenizer, Porter stems of words over 3 characters).

Inputs: candidate and reference texts. Outputs: token lists and n-gram counts (the summarizer's training
target counts n-grams itself) and F scores (rouge-score's own scorer). The summarizer's training signal, its
validation and the summary evaluation all score through here, so they agree. No Django, no ML.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence

_TOKEN = re.compile(r"[a-z0-9]+")
KINDS = ("rouge1", "rouge2", "rougeL")


@functools.lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem import porter

    return porter.PorterStemmer()


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    # rouge-score leaves words of up to 3 characters unstemmed.
    return _stemmer().stem(word) if len(word) > 3 else word


def rouge_tokens(text: str) -> list[str]:
    """ROUGE's own tokenization (rouge-score with stemming): lower-cased alphanumeric runs, Porter stems."""
    return [_stem(t) for t in _TOKEN.findall(text.lower())]


def gram_counts(tokens: Sequence[str], n: int) -> Counter:
    """Counts of the n-grams (tuples) of `tokens`."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@functools.lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(KINDS), use_stemmer=True)


def rouge_scores(candidate: str, reference: str) -> dict[str, float]:
    """{"rouge1", "rouge2", "rougeL"}: F (0..1) of one candidate text against one reference text."""
    scores = _scorer().score(reference, candidate)
    return {kind: scores[kind].fmeasure for kind in KINDS}


def rouge_f(candidates: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Mean F x100 of each kind ("rouge1", "rouge2", "rougeL") over candidate/reference pairs; 0 for none."""
    scores = [rouge_scores(c, r) for c, r in zip(candidates, references, strict=True)]
    n = max(len(scores), 1)
    return {kind: 100 * sum(s[kind] for s in scores) / n for kind in KINDS}
