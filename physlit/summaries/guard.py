"""Faithfulness guard for summaries: every number, formula and name in a summary must appear in the abstract.

Pure Python (no Django, no ML); serving, evaluation and benchmarks share it.
"""

from __future__ import annotations

import re

from physlit.text import normalize

_NUMBER = re.compile(r"(?<![A-Za-z])\d+(?:[.,]\d+)*")
_INLINE_MATH = re.compile(r"\$[^$]+\$")
# TeX commands and symbol tokens such as F=1, T_c, x^2, 10^{-6}.
_FORMULA = re.compile(r"\\[A-Za-z]+|[^\s,;:()]*[\^_=<>~][^\s,;:()]*")
# Words with a capital letter anywhere (names, acronyms, CamelCase, chemical formulas).
_CAPITALISED = re.compile(r"\b[A-Za-z]*[A-Z][A-Za-z0-9\-']*")


def _squash(text: str) -> str:
    # NFC: a name spelled with a combining accent in one text and a composed one in the other is one name.
    return normalize(" ".join(text.split()))


def unsupported(summary: str, abstract: str) -> list[str]:
    """The numbers, formulas and names of `summary` that `abstract` does not contain (empty: faithful).

    Capitalised words are compared without case, so a sentence opening the summarizer capitalised ("We")
    passes, while a name the abstract never mentions does not.
    """
    source = _squash(abstract)
    text = _squash(summary)
    problems: list[str] = []
    numbers = set(_NUMBER.findall(source))
    problems += [n for n in _NUMBER.findall(text) if n not in numbers]
    for pattern in (_INLINE_MATH, _FORMULA):
        problems += [m for m in pattern.findall(text) if m.rstrip(".") not in source]
    lowered = source.lower()
    for match in _CAPITALISED.finditer(text):
        word = match.group().strip("-'").lower()
        if word and not re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", lowered):
            problems.append(match.group().strip("-'"))
    return list(dict.fromkeys(problems))
