"""The one text toolkit: Unicode normalisation, words, stop words, stemming and sentence spans.

Pure Python (PyStemmer for stems); no Django and no ML, so every layer may use it. Stored text, queries and
author names go through `normalize` (names also through `author_normalize`: TeX accents as Unicode);
search snippets, summaries, the reader and evaluation share the rest.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable

from physlit.text.sentences import sentence_spans, sentences
from physlit.text.tex import author_normalize, span_whole_math, tex_accents

__all__ = [
    "STOP_WORDS",
    "TextRefused",
    "author_normalize",
    "content_stems",
    "content_words",
    "normalize",
    "sentence_spans",
    "sentences",
    "span_whole_math",
    "stem",
    "stems",
    "tex_accents",
    "text_clean",
    "words",
]


def normalize(text: str) -> str:
    """`text` in Unicode NFC: a decomposed and a composed "Schrödinger" become the same string."""
    return unicodedata.normalize("NFC", text)


class TextRefused(ValueError):
    """Input text that cannot be stored or searched; the message says which field and why."""


# Tab, newline and carriage return are ordinary in pasted text (browsers send a textarea's newlines as CRLF).
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def text_clean(value: str, *, field: str) -> str:
    """`value` in NFC, or TextRefused: a NUL or other control character breaks PostgreSQL text and means
    nothing in a query; a lone surrogate cannot be encoded as UTF-8 (the tokenizer and the database fail)."""
    for position, char in enumerate(value):
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise TextRefused(f"{field}: a lone surrogate (U+{code:04X}) at position {position} is not text")
        if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS:
            raise TextRefused(f"{field}: control character U+{code:04X} at position {position} is refused")
    return normalize(value)


_WORD = re.compile(r"[^\W_][\w\-]*", re.U)

# Function words and the boilerplate of abstracts ("we show", "results", "paper"): they say nothing about
# what a paper is about, so matching on them only adds noise.
STOP_WORDS = frozenset(
    """a about above after again against all also an and any are as at be been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers him his how i if in into is it its itself just me more most my no nor not now of off on once
    only or other our out over own same she should so some such than that the their them then there these
    they this those through to too under until up very was we were what when where which while who whom why
    will with would you your within via using used use show shows shown find found give gives given obtain
    obtained study studied paper present presented result results consider considered discuss new one two
    based well may might must thus however therefore us whose among""".split()
)


def words(text: str) -> list[str]:
    """Lower-cased word tokens of `text` (letters and digits, with inner hyphens), in order."""
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Lower-cased words that carry meaning: no stop words, no one-character tokens."""
    return [w for w in words(text) if w not in STOP_WORDS and len(w) > 1]


_local = threading.local()  # a PyStemmer object is not safe to share between threads


def _stemmer():
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def stems(tokens: Iterable[str]) -> list[str]:
    """English Snowball stems of lower-cased `tokens`, in order."""
    return _stemmer().stemWords([t.lower() for t in tokens])


def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


def content_stems(text: str) -> list[str]:
    """Stems of the content words of `text`, in order."""
    return stems(content_words(text))
