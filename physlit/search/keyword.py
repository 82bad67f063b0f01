"""Keyword ranking: BM25 (bm25s, its English stop words, Snowball stemmer) over title + abstract.

BM25 keeps bm25s' own 33-word English stop list rather than physlit.text.STOP_WORDS: with the longer list
(which also drops abstract boilerplate such as "show", "results") hybrid search lost a reworded dev question
at R@1 on a 20k slice and dev was unchanged (issue 15, docs/benchmarks.md), so the library's list stays.

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
        self._term_best: np.ndarray | None = None  # each term's highest score in any document (coverage)

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

    def _known(self, query: str) -> list:
        tokens = self.tokenizer.tokenize([query], update_vocab=False, show_progress=False)[0]
        return [t for t in tokens if t in self.retriever.unique_token_ids_set]  # the tokenizer's ids

    def coverage(self, query: str, best: float) -> float:
        """How much of the query the best match `best` (its BM25 score) holds: `best` over the sum of each
        query term's highest score in any document, in 0..1. Near 1 when one paper holds every query term at
        its strongest; low when the best match shares only a few words with the query."""
        known = self._known(query)
        if not known or best <= 0:
            return 0.0
        if self._term_best is None:
            csc = self.retriever.scores
            data, starts = np.asarray(csc["data"]), np.asarray(csc["indptr"])
            best_of = np.zeros(len(starts) - 1, dtype=np.float32)
            filled = np.flatnonzero(starts[1:] > starts[:-1])
            if len(filled):
                best_of[filled] = np.maximum.reduceat(data, starts[filled])[: len(filled)]
            self._term_best = best_of
        total = float(self._term_best[np.asarray(known, dtype=np.int64)].sum())
        return min(1.0, best / total) if total > 0 else 0.0

    def search(self, query: str, k: int, *, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k positions (m,) int64 and BM25 scores (m,) float32, m <= k; only documents sharing a term.

        bm25s scores every document; only those sharing a term are ranked here (a few thousand at 83k
        papers rather than all of them, as bm25s' own top-k does)."""
        known = self._known(query)
        if self.size == 0 or not known:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        weight_mask = None if mask is None else mask.astype(np.float32)
        scores = self.retriever.get_scores(known, weight_mask=weight_mask)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        return hits.astype(np.int64), scores[hits].astype(np.float32)
