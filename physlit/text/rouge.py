"""ROUGE-1/2/L as rouge-score counts them (its tokenizer, Porter stems of words over 3 characters).

Inputs: candidate and reference texts. Outputs: token lists, n-gram counts and F scores. The summarizer's
training signal, its validation and the summary evaluation all score through here, so they agree.
Pure Python (NLTK's Porter stemmer, the one rouge-score uses); no Django, no ML.
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


def _f(overlap: float, candidate: int, reference: int) -> float:
    precision = overlap / max(candidate, 1)
    recall = overlap / max(reference, 1)
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def rouge_n_f(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    """ROUGE-n F of candidate tokens against reference tokens."""
    mine, theirs = gram_counts(candidate, n), gram_counts(reference, n)
    overlap = sum(min(count, mine[g]) for g, count in theirs.items())
    return _f(overlap, sum(mine.values()), sum(theirs.values()))


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        row = [0]
        for j, y in enumerate(b, 1):
            row.append(previous[j - 1] + 1 if x == y else max(previous[j], row[j - 1]))
        previous = row
    return previous[-1]


def rouge_l_f(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-L F (longest common subsequence, sentence level) of candidate tokens against reference tokens."""
    if not candidate or not reference:
        return 0.0
    return _f(_lcs(reference, candidate), len(candidate), len(reference))


def rouge_scores(candidate: str, reference: str) -> dict[str, float]:
    """{"rouge1", "rouge2", "rougeL"}: F (0..1) of one candidate text against one reference text."""
    mine, theirs = rouge_tokens(candidate), rouge_tokens(reference)
    return {
        "rouge1": rouge_n_f(mine, theirs, 1),
        "rouge2": rouge_n_f(mine, theirs, 2),
        "rougeL": rouge_l_f(mine, theirs),
    }


def rouge_f(candidates: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Mean F x100 of each kind ("rouge1", "rouge2", "rougeL") over candidate/reference pairs; 0 for none."""
    scores = [rouge_scores(c, r) for c, r in zip(candidates, references, strict=True)]
    n = max(len(scores), 1)
    return {kind: 100 * sum(s[kind] for s in scores) / n for kind in KINDS}
