"""A query in Chinese, read as the English physics terms it contains.

The index is English: BM25 over English words and an English encoder. A Chinese question keeps only its Latin
abbreviations, symbols and numbers for BM25 and embeds as noise. `Glossary.english` rewrites it term by term
with a Chinese -> English physics glossary (physlit/text/data/glossary-zh.tsv, made as docs/glossary.md says):
the longest glossary term at each position wins (forward maximum matching, the usual way to segment Chinese),
Latin runs, numbers and symbols are kept where they stand (punctuation alone is dropped), and Chinese
characters no term covers are dropped.
Text with no Chinese in it comes back unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# CJK Unified Ideographs (and Extension A): what the glossary's Chinese terms are written in.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Joiners inside a Chinese term ("玻色-爱因斯坦", "爱因斯坦·罗森") are written with or without:
# queries and terms both drop them.
_JOINER = re.compile(r"(?<=[\u3400-\u4dbf\u4e00-\u9fff])[\s\-‐‑–—·・‧]+(?=[\u3400-\u4dbf\u4e00-\u9fff])")
# Chinese punctuation that separates words (after NFKC, full-width forms are ASCII already).
_CJK_PUNCT = re.compile(r"[、。《》「」『』【】〈〉“”‘’…]")


# Question words, written by hand (the glossary's terms are nouns, verbs and adjectives): the reader tells a
# numeric question by them ("what temperature", "how many"; physlit.ml.reader), retrieval barely notices them.
QUESTION_WORDS = {
    "什么时候": "when",
    "何时": "when",
    "什么样": "what kind of",
    "什么": "what",
    "何种": "what",
    "哪种": "which",
    "哪些": "which",
    "哪个": "which",
    "哪一": "which",
    "哪类": "which",
    "哪两": "which two",
    "哪几": "which",
    "多少": "how much",
    "几个": "how many",
    "几种": "how many",
    "几次": "how many",
    "多大": "how large",
    "多长": "how long",
    "多久": "how long",
    "多高": "how high",
    "多低": "how low",
    "多快": "how fast",
    "多远": "how far",
    "为什么": "why",
    "为何": "why",
    "如何": "how",
    "怎样": "how",
    "怎么": "how",
    "是否": "whether",
    "能否": "whether",
    "是谁": "who",
    "哪里": "where",
    "何处": "where",
}


def _key(text: str) -> str:
    return _JOINER.sub("", unicodedata.normalize("NFKC", text)).strip().lower()


def has_chinese(text: str) -> bool:
    return bool(_HAN.search(text))


@dataclass(frozen=True)
class Glossary:
    """Chinese term -> English term, and the QUESTION_WORDS. Terms of one Chinese character are left out:
    alone they are too ambiguous (子, 性, 能) to stand for a physics term."""

    terms: dict[str, str]
    longest: int = 0  # characters in the longest Chinese term

    @classmethod
    def load(cls, path: str | Path) -> Glossary:
        """Read `english<TAB>chinese|chinese|...` lines (the first Chinese form is the term's usual one).
        Where two English terms share a Chinese term, the one whose usual form it is wins ("quantum error
        correction 量子纠错" over "error correction 纠错|量子纠错"); among equals, the one listed first (the
        file is ordered by how often the English term occurs in the corpus). Lines starting with # and lines
        with no Chinese are skipped."""
        usual: dict[str, str] = {}
        other: dict[str, str] = {}
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            english, _, chinese = line.partition("\t")
            english = english.strip()
            if not english:
                raise ValueError(f"{path}:{number}: no English term")
            for place, variant in enumerate(chinese.split("|")):
                key = _key(variant)
                if len(key) >= 2 and has_chinese(key):
                    (other if place else usual).setdefault(key, english)
        terms = {**other, **usual, **QUESTION_WORDS}
        return cls(terms, max(map(len, terms), default=0))

    def english(self, text: str) -> str:
        """`text` with its Chinese replaced by the glossary's English terms; unchanged when it has no
        Chinese. "F=1 旋量玻色-爱因斯坦凝聚体中的亮孤子" ->
        "F=1 spinor bose-einstein condensate bright soliton"."""
        if not has_chinese(text):
            return text
        text = _CJK_PUNCT.sub(" ", _JOINER.sub("", unicodedata.normalize("NFKC", text)))
        out: list[str] = []
        latin: list[str] = []
        i = 0
        while i < len(text):
            if not _HAN.match(text[i]):
                latin.append(text[i])
                i += 1
                continue
            if latin:
                out.append("".join(latin).strip())
                latin = []
            for size in range(min(self.longest, len(text) - i), 1, -1):
                english = self.terms.get(text[i : i + size].lower())
                if english is not None:
                    out.append(english)
                    i += size
                    break
            else:
                i += 1  # a character no term covers: a particle (的, 是) or a word the glossary lacks
        if latin:
            out.append("".join(latin).strip())
        return " ".join(part for part in out if any(c.isalnum() for c in part))
