"""Keyword ranking: BM25 (bm25s) over title + abstract, with physlit.text's stop words and English Snowball
stems (PyStemmer), the ones snippets and the rest of physlit use.

Documents are positions 0..n-1 aligned with the index's ids.npy; a boolean mask filters inside retrieval.
A saved index keeps its own stop list, so an index of an older format is still queried the way it was built;
`keyword_format` tells the build when to rebuild it in the current format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from physlit.text import STOP_WORDS

if TYPE_CHECKING:
    import bm25s

# 1: bm25s' English stop list (33 words). 2: physlit.text.STOP_WORDS (also abstract boilerplate such as
# "we show", "results", "paper"). A folder without format.json is format 1.
FORMAT_VERSION = 2
_FORMAT_FILE = "format.json"


def keyword_format(folder: Path) -> int:
    """The format a saved keyword index was written in (FORMAT_VERSION for a current one)."""
    path = folder / _FORMAT_FILE
    return json.loads(path.read_text())["format"] if path.is_file() else 1


class KeywordIndex:
    """A BM25 retriever with its tokenizer; built from texts or loaded from a folder."""

    def __init__(self, retriever: bm25s.BM25, tokenizer: bm25s.tokenization.Tokenizer, size: int):
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.size = size

    @staticmethod
    def _tokenizer():
        import bm25s
        import Stemmer

        return bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords=sorted(STOP_WORDS))

    @classmethod
    def build(cls, texts: list[str]) -> KeywordIndex:
        import bm25s

        tokenizer = cls._tokenizer()
        tokens = tokenizer.tokenize(texts, show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever, tokenizer, len(texts))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.retriever.save(str(folder), show_progress=False)
        self.tokenizer.save_vocab(str(folder))
        self.tokenizer.save_stopwords(str(folder))
        (folder / _FORMAT_FILE).write_text(json.dumps({"format": FORMAT_VERSION}))

    @classmethod
    def load(cls, folder: Path, size: int) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=False, show_progress=False)
        tokenizer = cls._tokenizer()
        tokenizer.load_vocab(str(folder))
        tokenizer.load_stopwords(str(folder))  # the stop list it was built with, whatever its format
        return cls(retriever, tokenizer, size)

    def search(self, query: str, k: int, *, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k positions (m,) int64 and BM25 scores (m,) float32, m <= k; only documents sharing a term.

        bm25s scores every document; only those sharing a term are ranked here (a few thousand at 83k
        papers rather than all of them, as bm25s' own top-k does)."""
        tokens = self.tokenizer.tokenize([query], update_vocab=False, show_progress=False)[0]
        known = [t for t in tokens if t in self.retriever.unique_token_ids_set]  # the tokenizer's ids
        if self.size == 0 or not known:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        weight_mask = None if mask is None else mask.astype(np.float32)
        scores = self.retriever.get_scores(known, weight_mask=weight_mask)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        return hits.astype(np.int64), scores[hits].astype(np.float32)
