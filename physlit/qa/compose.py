"""Answers composed for a reader (stage: qa): the sentences an answer rests on (`Passage`, best first) become
the answer text and its citations, one per paper with its quote(s); when papers give different values, the
answer lists each value with its paper and citation number. Plain functions over the reader's output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.text import Truncator

from physlit.text import normalize

# Words of a paper's title that name it in a listing of values ("<title>: 7.6e-20 eV [1]; ...").
LABEL_WORDS = 8


@dataclass
class Passage:
    """One sentence an answer may quote: its paper, the verbatim sentence, the reader's short answer in it
    ("" if none), the reader's score, and whether that score lets the sentence answer on its own."""

    arxiv_id: str
    title: str
    quote: str
    span: str = ""
    score: float = 0.0
    confident: bool = False


@dataclass
class Citation:
    """A cited paper, once per answer: its quotes in the order the answer gives them. `quote` is the first
    (kept for clients of the one-quote shape); `short_answer` is the value this paper gives, if any."""

    arxiv_id: str
    title: str
    quote: str
    quotes: list[str] = field(default_factory=list)
    short_answer: str = ""
    score: float = 0.0

    def as_dict(self) -> dict:
        return {
            "arxiv_id": self.arxiv_id,
            "title": self.title,
            "quote": self.quote,
            "quotes": list(self.quotes),
            "short_answer": self.short_answer,
        }


def citations_group(passages: Sequence[Passage]) -> list[Citation]:
    """One Citation per paper, in the order of each paper's first passage; a paper's quotes in passage order
    (repeats dropped), its score its best passage's, its short answer the span of its first confident
    passage that has one."""
    cited: dict[str, Citation] = {}
    for p in passages:
        c = cited.get(p.arxiv_id)
        if c is None:
            c = cited[p.arxiv_id] = Citation(p.arxiv_id, p.title, p.quote, score=p.score)
        if p.quote not in c.quotes:
            c.quotes.append(p.quote)
        c.score = max(c.score, p.score)
        if not c.short_answer and p.confident and p.span:
            c.short_answer = p.span
    return list(cited.values())


def _same_value(value: str) -> str:
    return " ".join(normalize(value).casefold().split())


def _numeric(value: str) -> bool:
    return any(ch.isdigit() for ch in value)


def _label(title: str) -> str:
    return Truncator(title).words(LABEL_WORDS, truncate="…")


def answer_compose(passages: Sequence[Passage]) -> tuple[str, str, list[Citation]]:
    """(answer text, short answer, citations) for the passages an answer rests on, best first.

    Each paper is cited once and [n] numbers the citations. The short answer is the first passage's span,
    unless the papers give different values of its kind (numbers, or not): then it lists them, "<title of
    paper 1>: 7.6e-20 eV [1]; <title of paper 2>: 1.2e-22 eV [2]". The answer text is the short answer, then
    every quote with its paper's number.
    """
    citations = citations_group(passages)
    if not citations:
        return "", "", []
    # Only values of the lead's kind are compared (a number beside numbers): a name the reader picks in
    # another paper's sentence is no rival to a measured value.
    short = passages[0].span
    valued = [
        (n, c)
        for n, c in enumerate(citations, start=1)
        if c.short_answer and _numeric(c.short_answer) == _numeric(short)
    ]
    if short and len({_same_value(c.short_answer) for _, c in valued}) > 1:
        short = "; ".join(f"{_label(c.title)}: {c.short_answer} [{n}]" for n, c in valued)
    quoted = " ".join(f"“{q}” [{n}]" for n, c in enumerate(citations, start=1) for q in c.quotes)
    return (f"{short} — " if short else "") + quoted, short, citations
