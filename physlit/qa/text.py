"""Text handling for question answering: abstract sentences with their character offsets, content words,
and follow-up detection. Pure Python (no Django, no ML), shared by serving, training and evaluation; the
words, stop words and stems are physlit.text's (the reader's too)."""

from __future__ import annotations

import re

from physlit import text as toolkit
from physlit.text import sentence_spans

STOP = toolkit.STOP_WORDS  # the name pseudo-question generation and older callers use
FOLLOW_UP_STARTS = ("and ", "what about", "how about", "also ", "but ", "then ", "so ", "same ", "or ")
PRONOUNS = frozenset("it its they them their this that these those he she his her one ones such".split())


# A year (1800-2099) or a decade ("the 1920s") written as such, not part of a longer number or identifier.
_YEAR = re.compile(r"(?<![\w.])(1[89]\d\d|20\d\d)(s?)(?!\w|\.\d)")


def years_named(text: str) -> list[range]:
    """The years a text names, each as a range of years: "in 2035" -> range(2035, 2036), "the 1920s" ->
    range(1920, 1930)."""
    named = []
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        named.append(range(year, year + 10) if m.group(2) and year % 10 == 0 else range(year, year + 1))
    return named


def years_in(text: str) -> set[int]:
    """Every year a text mentions (decades count as their ten years)."""
    return {y for r in years_named(text) for y in r}


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of `text`: text[start:end] is a verbatim quote."""
    return sentence_spans(text)


def words(text: str) -> list[str]:
    return toolkit.words(text)


def content_words(text: str) -> list[str]:
    """Lower-cased words that carry meaning (no stop words, no one-letter tokens)."""
    return toolkit.content_words(text)


def stems(text: str) -> set[str]:
    """The stems of the content words, the ones the reader matches on."""
    return set(toolkit.content_stems(text))


def overlap(question_stems: set[str], sentence: str) -> float:
    """Share of the question's content stems found in the sentence (0..1)."""
    if not question_stems:
        return 0.0
    return len(question_stems & stems(sentence)) / len(question_stems)


def looks_like_follow_up(question: str) -> bool:
    """A question that leans on the one before: short, opens with "and"/"what about", or has a pronoun
    and few content words of its own."""
    q = " ".join(question.lower().split())
    content = content_words(q)
    if q.startswith(FOLLOW_UP_STARTS) or len(content) <= 2:
        return True
    return bool(PRONOUNS & set(words(q))) and len(content) <= 4


_LEADS = re.compile(r"^(?:and|but|also|so|then|or|what about|how about)\b[\s,]*", re.I)
_PREPOSITIONS = ("from", "in", "for", "with", "at", "on", "of", "by", "using", "under", "between", "to")


def question_in_context(question: str, previous: str) -> str:
    """The follow-up `question` read against the `previous` one. "and from gravitational waves?" after
    "What bounds on the graviton mass come from binary pulsar timing?" becomes "What bounds on the
    graviton mass come from gravitational waves?" (the phrase after the shared preposition is replaced);
    otherwise the two questions are joined, the new one first."""
    rest = _LEADS.sub("", question.strip()).rstrip(" ?.!")
    first = rest.split(" ", 1)[0].lower() if rest else ""
    if first in _PREPOSITIONS:
        matches = list(re.finditer(rf"\b{first}\b", previous, re.I))
        if matches:
            start = matches[-1].start()
            tail = re.search(r"[,;?.!]", previous[start:])
            end = start + tail.start() if tail else len(previous)
            return f"{previous[:start]}{rest}{previous[end:]}".strip()
    return f"{question.strip()} {previous.strip()}"
