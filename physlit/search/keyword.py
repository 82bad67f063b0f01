"""Keyword ranking: BM25 (bm25s, English stop words, Snowball stemmer) over title + abstract.

Documents are positions 0..n-1 aligned with the index's ids.npy; a boolean mask filters inside retrieval.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import bm25s


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

        return bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en")

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

    @classmethod
    def load(cls, folder: Path, size: int) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=False, show_progress=False)
        tokenizer = cls._tokenizer()
        tokenizer.load_vocab(str(folder))
        tokenizer.load_stopwords(str(folder))
        return cls(retriever, tokenizer, size)

    def search(self, query: str, k: int, *, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k positions (m,) int64 and BM25 scores (m,) float32, m <= k; only documents sharing a term."""
        if self.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        tokens = self.tokenizer.tokenize([query], update_vocab=False, show_progress=False)
        k = min(k, self.size)
        weight_mask = None if mask is None else mask.astype(np.float32)
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, weight_mask=weight_mask)
        docs, scores = docs[0].astype(np.int64), scores[0].astype(np.float32)
        keep = scores > 0
        return docs[keep], scores[keep]
