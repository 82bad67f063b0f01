"""Sentences of an abstract, as character spans (so a quote is verbatim). Pure Python; the one splitter
that summaries, answers and their evaluation share."""

from __future__ import annotations

import re

# A sentence ends at . ! or ? followed by a space and something that can start one; abbreviations usually
# followed by a capital (e.g., et al., Fig.) and initials do not end it.
_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\\(\[\"'])")
_NO_BREAK = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|Fig|Figs|Eq|Eqs|Ref|Refs|vs|cf|Sec|No|approx|resp|Dr|Prof|St)\.|\b[A-Z]\.)$"
)
MIN_WORDS = 4  # a shorter fragment joins the sentence before it


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the sentences of `text`, in order; text[start:end] is verbatim."""
    spans: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    for match in _END.finditer(text):
        if _NO_BREAK.search(text[start : match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    tail = text[start:].rstrip()
    if tail:
        spans.append((start, start + len(tail)))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and len(text[s:e].split()) < MIN_WORDS:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def sentences(text: str) -> list[str]:
    """The sentences of `text` with whitespace collapsed."""
    text = " ".join(text.split())
    return [text[s:e] for s, e in sentence_spans(text)]
