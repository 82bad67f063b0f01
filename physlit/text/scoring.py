"""What a reader sees, scored: the bold short answer against gold answers (SQuAD's exact match and token F1),
and whether a summary reads as a summary (a complete sentence that needs no context, not the abstract's
first sentence copied, stating the paper's number when the abstract has one).

These score the text a person reads; "the gold phrase anywhere in the reply" (physlit.evaluation.answers)
is kept beside them, but a reply can satisfy it by quoting the right sentence under a wrong bold answer."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence

from physlit.text import normalize
from physlit.text.sentences import sentences

_ARTICLES = re.compile(r"\b(a|an|the)\b")
# SQuAD's normalisation drops ASCII punctuation; "±", "σ" and "⊙" stay, so that "0.807 ± 0.024" and
# "0.807" differ by the uncertainty's tokens, not by nothing.
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def answer_normalize(text: str) -> str:
    """SQuAD's answer normalisation (lower case, no punctuation, no articles, single spaces), after Unicode
    NFC so that accents compose the same way in the question file and the corpus."""
    text = normalize(text).lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: Iterable[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer, else 0.0 (an empty prediction, an
    abstention, scores 0)."""
    p = answer_normalize(prediction)
    return float(bool(p) and any(p == answer_normalize(g) for g in golds if g))


def token_f1(prediction: str, golds: Iterable[str]) -> float:
    """SQuAD token F1 of the prediction against its best gold answer."""
    p = answer_normalize(prediction).split()
    best = 0.0
    for gold in golds:
        g = answer_normalize(gold).split() if gold else []
        common = sum((Counter(p) & Counter(g)).values())
        if common:
            precision, recall = common / len(p), common / len(g)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


# Openers that point back at text the summary does not carry ("This shows …", "In doing so, …", "Whether
# that dust …"): a sentence that opens with one is a fragment out of its abstract. Written apart from the
# summarizer's own deletions (physlit.ml.summarizer): the measure is not to be the model's rule.
_CONTEXT_OPENERS = re.compile(
    r"^(?:this|these|that|those|it|its|they|their|them|such|here|there|however|moreover|furthermore|"
    r"thus|therefore|hence|also|additionally|in addition|in doing so|in this way|in particular|"
    r"as a result|as such|consequently|finally|then|similarly|likewise|whether|besides|nevertheless|"
    r"nonetheless|instead|otherwise|meanwhile|accordingly|conversely|in contrast|by contrast|"
    r"on the other hand|on the contrary|specifically|namely|which|where|while|although|though|"
    r"and|but|or|so|yet|both|the latter|the former|the same|to this end|for this purpose)\b",
    re.IGNORECASE,
)
# "This paper presents …", "In this work we …" name their own referent.
_SELF_NAMED = re.compile(
    r"^(?:in )?(?:this|these) (?:paper|work|letter|article|study|thesis|note|review|contribution|talk|"
    r"proceedings|manuscript|report|chapter|lecture|lectures|essay|survey|analysis)\b",
    re.IGNORECASE,
)
_ELLIPSIS = re.compile(r"(?:…|\.\.\.)\s*$")
_ENDS_SENTENCE = re.compile(r"[.!?][)\"'’”$}\]]*\s*$")
MIN_WORDS = 6


def summary_problem(summary: str) -> str | None:
    """Why `summary` does not read as one complete sentence, or None: "empty", "too short", "needs context"
    (it opens with a word pointing back at text it does not carry), "lower-case start", "ellipsis" or
    "unfinished" (no closing full stop)."""
    text = " ".join(summary.split())
    if not text:
        return "empty"
    if len(text.split()) < MIN_WORDS:
        return "too short"
    if _CONTEXT_OPENERS.match(text) and not _SELF_NAMED.match(text):
        return "needs context"
    if text[0].islower():
        return "lower-case start"
    if _ELLIPSIS.search(text):
        return "ellipsis"
    if not _ENDS_SENTENCE.search(text):
        return "unfinished"
    return None


def _comparable(text: str) -> str:
    return " ".join(normalize(text).split()).rstrip(" .").lower()


def lead_copy(summary: str, abstract: str) -> bool:
    """Whether the summary is the abstract's first sentence, word for word."""
    first = sentences(abstract)
    return bool(first) and _comparable(summary) == _comparable(first[0])


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def states_value(summary: str, values: Sequence[str]) -> bool:
    """Whether the summary states one of `values` (the abstract's reported results): the value's leading
    number appears in the summary as a number of its own (so that "0.82" is not found in "10.82")."""
    numbers = set(_NUMBER.findall(normalize(summary)))
    for value in values:
        first = _NUMBER.search(normalize(value))
        if first and first.group() in numbers:
            return True
    return False
