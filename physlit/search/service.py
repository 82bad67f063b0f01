"""Search: dense (FAISS) and keyword (BM25) retrieval with filters applied inside retrieval, and fusion.

Input: a query (words or a pasted abstract), mode, k and filters. Output: SearchHit(paper_id, score) ranked;
`papers_matching` gives every match (query-paper cosine over a calibrated threshold, once some paper is a
close match) for pages and the API, with a total and a relevance in 0..1. Each retriever gives its
candidates as arrays (Ranked); fusion works on those arrays.
The current index (newest ready SearchIndex row) is loaded once per process and swapped when a newer one
appears (a registry CurrentSlot keyed by the row's pk). Queries and author filters are NFC-normalised like
stored text. `index_loaded`, `filter_mask`, `dense_ranked` and `keyword_ranked` are public for evaluation and
benchmarks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from physlit.corpus.models import Paper, PaperCategory
from physlit.registry.current import CurrentSlot
from physlit.search.build import index_current
from physlit.search.encoding import encoder_for_index, query_encoder_for, query_reference
from physlit.search.keyword import KeywordIndex
from physlit.search.models import SearchIndex
from physlit.text import author_normalize, normalize
from physlit.text.glossary import Glossary, has_chinese

MODES = ("hybrid", "dense", "keyword")
SORTS = ("relevance", "date")  # date: newest first
# With no match, this many nearest papers are still returned (shown as weakly related).
WEAK_SHOWN = 5
# Relevance is a logistic of the cosine centred on the close-match threshold: 0.5 there, 0.12 and 0.88 at one
# width below and above it.
RELEVANCE_WIDTH = 0.05
# How often a process checks for a newer index (seconds).
RELOAD_CHECK_SECONDS = 5.0


class SearchUnavailable(RuntimeError):
    """No index has been built yet."""


@dataclass(frozen=True)
class SearchFilters:
    category: str | None = None  # an archive ("hep-th", "cond-mat") or a sub-category ("cond-mat.str-el")
    date_from: date | None = None  # first submitted on or after
    date_to: date | None = None  # first submitted on or before
    author: str | None = None  # a substring of an author's name, case-insensitive

    @property
    def active(self) -> bool:
        return any((self.category, self.date_from, self.date_to, self.author))


@dataclass
class SearchHit:
    paper_id: int
    score: float
    dense: float | None = None  # the query-paper cosine
    keyword: float | None = None
    relevance: float | None = None  # 0..1, set by papers_matching; 0.5 at the close-match threshold


@dataclass
class LoadedIndex:
    """The current index in memory: dense and keyword retrievers, positions -> paper ids, filter arrays."""

    row: SearchIndex
    dense: Any  # a faiss.Index (physlit.ml.vectors); typed loosely so search needs no faiss import
    keyword: KeywordIndex
    ids: np.ndarray  # (n,) int64 paper pks, ascending; position i is BM25 document i
    dates: np.ndarray  # (n,) int32 proleptic ordinal of first_submitted, 0 when unknown
    categories: dict[str, np.ndarray] = field(default_factory=dict)  # category or archive -> positions
    query_encoder: str = ""  # the model queries are embedded with (encoding.query_reference)
    # The query-encoder slot key last applied to `query_encoder`: a newly promoted query encoder serves from
    # the next check on, while a value a benchmark sets by hand holds until then.
    query_key: tuple | None = None


def _positions(ids: np.ndarray, pks: np.ndarray) -> np.ndarray:
    """Positions in the sorted `ids` of those `pks` that are indexed (others dropped)."""
    pos = np.searchsorted(ids, pks)
    pos = np.minimum(pos, max(len(ids) - 1, 0))
    return pos[ids[pos] == pks] if len(ids) else np.empty(0, np.int64)


def _load(row: SearchIndex) -> LoadedIndex:
    from physlit.ml import vectors

    folder = Path(row.path)
    ids = np.load(folder / "ids.npy")
    dense = vectors.index_load(folder / "dense.faiss")
    keyword = KeywordIndex.load(folder / "keyword", len(ids))
    dated = list(Paper.objects.filter(first_submitted__isnull=False).values_list("pk", "first_submitted"))
    dates = np.zeros(len(ids), dtype=np.int32)
    if dated:
        pks = np.fromiter((pk for pk, _ in dated), dtype=np.int64, count=len(dated))
        ords = np.fromiter((d.toordinal() for _, d in dated), dtype=np.int32, count=len(dated))
        pos = np.searchsorted(ids, pks).clip(0, max(len(ids) - 1, 0))
        hit = ids[pos] == pks
        dates[pos[hit]] = ords[hit]
    rows = list(PaperCategory.objects.values_list("paper_id", "category", "archive"))
    categories: dict[str, np.ndarray] = {}
    if rows:
        pks = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        pos = np.searchsorted(ids, pks).clip(0, max(len(ids) - 1, 0))
        hit = ids[pos] == pks
        buckets: dict[str, list[int]] = {}
        for (_, category, archive), p, ok in zip(rows, pos.tolist(), hit.tolist()):
            if ok:
                buckets.setdefault(category, []).append(p)
                if archive != category:
                    buckets.setdefault(archive, []).append(p)
        categories = {name: np.unique(np.asarray(p, dtype=np.int64)) for name, p in buckets.items()}
    return LoadedIndex(row=row, dense=dense, keyword=keyword, ids=ids, dates=dates, categories=categories)


def _index_find() -> int | None:
    row = index_current()
    return None if row is None else row.pk


def _index_load(pk: int) -> LoadedIndex:
    return _load(SearchIndex.objects.get(pk=pk))


def _query_find() -> tuple[int, str] | None:
    row = index_current()
    return None if row is None else (row.pk, query_reference(row))


_index = CurrentSlot(_index_find, _index_load, check_seconds=RELOAD_CHECK_SECONDS)
# Rechecked as often as the index: a query encoder promoted while the index stays serves within seconds.
_query = CurrentSlot(_query_find, lambda key: key[1], check_seconds=RELOAD_CHECK_SECONDS)


def index_loaded() -> LoadedIndex:
    """The current index, loaded once per process (rechecked every RELOAD_CHECK_SECONDS); raises
    SearchUnavailable when none has been built."""
    _, loaded = _index.get()
    if loaded is None:
        raise SearchUnavailable(index_progress() or "no search index yet: run `python manage.py build_index`")
    key, reference = _query.get()
    if key is not None and key != loaded.query_key and key[0] == loaded.row.pk:
        loaded.query_encoder, loaded.query_key = str(reference), key
    elif not loaded.query_encoder:
        loaded.query_encoder = query_reference(loaded.row)
    return loaded


def index_progress() -> str | None:
    """While the first index builds: how far it is, e.g. "the search index is being built: 1,024 of 3,000
    papers embedded, about 40 s left"; None when no build runs or one is ready."""
    if index_current() is not None:
        return None
    row = SearchIndex.objects.filter(status=SearchIndex.Status.BUILDING).order_by("-id").first()
    if row is None:
        return None
    text = f"the search index is being built: {row.embedded:,} of {row.added:,} papers embedded"
    elapsed = (timezone.now() - row.created_at).total_seconds()
    if 0 < row.embedded < row.added and elapsed > 0:
        left = (row.added - row.embedded) * elapsed / row.embedded
        text += f", about {left:.0f} s left" if left < 120 else f", about {left / 60:.0f} min left"
    return text


def known_categories() -> set[str]:
    """Categories and archives present in the current index."""
    return set(index_loaded().categories)


def filter_mask(loaded: LoadedIndex, filters: SearchFilters) -> np.ndarray | None:
    """(n,) bool over the index's positions that pass `filters`; None when no filter is set."""
    if not filters.active:
        return None
    mask = np.ones(len(loaded.ids), dtype=bool)
    if filters.category:
        allowed = np.zeros(len(loaded.ids), dtype=bool)
        allowed[loaded.categories.get(filters.category, np.empty(0, np.int64))] = True
        mask &= allowed
    if filters.date_from:
        mask &= loaded.dates >= filters.date_from.toordinal()
    if filters.date_to:
        mask &= (loaded.dates <= filters.date_to.toordinal()) & (loaded.dates > 0)
    if filters.author:
        # authors_text holds normalised names (harvest.records): a typed Bal\'azs finds Balázs.
        author = author_normalize(filters.author).lower()
        pks = np.fromiter(
            Paper.objects.filter(authors_text__icontains=author).values_list("pk", flat=True), dtype=np.int64
        )
        allowed = np.zeros(len(loaded.ids), dtype=bool)
        allowed[_positions(loaded.ids, pks)] = True
        mask &= allowed
    return mask


@dataclass(frozen=True)
class Ranked:
    """One retriever's candidates, best first: paper ids (m,) int64 and scores (m,) float32."""

    ids: np.ndarray
    scores: np.ndarray

    def hits(self, k: int, kind: str) -> list[SearchHit]:
        """The first k as SearchHits, the score also recorded as `kind` ("dense" or "keyword")."""
        return [SearchHit(i, s, **{kind: s}) for i, s in zip(self.ids[:k].tolist(), self.scores[:k].tolist())]


def dense_ranked(loaded: LoadedIndex, vector: np.ndarray, k: int, mask: np.ndarray | None) -> Ranked:
    """The k papers nearest to `vector` (dim,) float32 among those `mask` allows."""
    from physlit.ml import vectors

    allowed = None if mask is None else loaded.ids[mask]
    scores, ids = vectors.index_search(
        loaded.dense, vector[None, :], k, allowed_ids=allowed, nprobe=settings.PHYSLIT_IVF_NPROBE
    )
    found = ids[0] >= 0
    return Ranked(ids[0][found], scores[0][found])


def keyword_ranked(loaded: LoadedIndex, query: str, k: int, mask: np.ndarray | None) -> Ranked:
    """The k best BM25 matches of `query` among the papers `mask` allows (only papers sharing a term)."""
    positions, scores = loaded.keyword.search(query, k, mask=mask)
    return Ranked(loaded.ids[positions], scores)


FUSIONS = ("zscore", "rrf")


@functools.lru_cache(maxsize=2)
def _glossary(path: str) -> Glossary:
    return Glossary.load(path)


def query_english(query: str) -> str:
    """The query as the index reads it: NFC, and a query with Chinese in it rewritten into the English physics
    terms it contains through the glossary settings.PHYSLIT_QUERY_GLOSSARY names (physlit.text.glossary;
    "" turns it off). Chat questions go through it too, so a Chinese question finds and reads the English
    abstracts."""
    query = normalize(query)
    path = settings.PHYSLIT_QUERY_GLOSSARY
    if not path or not has_chinese(query):
        return query
    return _glossary(path).english(query) or query


def query_dense_weight(query: str) -> float:
    """How much the dense retriever counts in the fusion for `query`: the share of its letters in the Latin
    script. The encoder reads English; a question in Chinese embeds as noise, while BM25 still finds the
    Latin abbreviations, symbols and numbers in it (dev-zh, docs/benchmarks.md), so the fusion follows BM25
    there instead of losing to it."""
    letters = [c for c in query if c.isalpha()]
    if not letters:
        return 1.0
    return sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters) / len(letters)


def fuse(
    dense: Ranked,
    keyword: Ranked,
    k: int,
    *,
    method: str = "zscore",
    dense_weight: float = 1.0,
    keyword_weight: float = 1.0,
) -> list[SearchHit]:
    """Combine two retrievers' candidates into one ranking of at most k hits.

    "zscore" (default): each retriever's scores are standardised over its own candidates and summed; a
    paper one retriever did not return counts as that retriever's worst candidate. Unlike rank fusion it
    keeps how far ahead a candidate is, so a decisive keyword match is not outvoted by a middling dense
    one (measured: docs/benchmarks.md, "Search quality"). "rrf": reciprocal-rank fusion, k = 60.
    `dense_weight` scales the dense retriever's part (see query_dense_weight()). Ties keep the order of first
    appearance, dense candidates first.
    """
    if method not in FUSIONS:
        raise ValueError(f"unknown fusion method {method!r}; one of {FUSIONS}")
    ids, first, where = np.unique(
        np.concatenate([dense.ids, keyword.ids]), return_index=True, return_inverse=True
    )
    total = np.zeros(len(ids))
    raw = {}
    places = {"dense": (dense, where[: len(dense.ids)]), "keyword": (keyword, where[len(dense.ids) :])}
    for name, (part, at) in places.items():
        raw[name] = np.full(len(ids), np.nan)
        raw[name][at] = part.scores
        if not len(part.ids):
            continue
        weight = dense_weight if name == "dense" else keyword_weight
        if method == "rrf":
            total[at] += weight / (60 + np.arange(1, len(at) + 1))
        elif len(part.ids) >= 2:
            v = part.scores.astype(np.float64)
            z = (v - v.mean()) / (v.std() + 1e-9)
            contribution = np.full(len(ids), z.min())
            contribution[at] = z
            total += weight * contribution
    order = np.lexsort((first, -total))[:k]
    return [
        SearchHit(
            int(ids[i]),
            float(total[i]),
            dense=None if np.isnan(raw["dense"][i]) else float(raw["dense"][i]),
            keyword=None if np.isnan(raw["keyword"][i]) else float(raw["keyword"][i]),
        )
        for i in order
    ]


def papers_search(
    *,
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    filters: SearchFilters | None = None,
    fusion: str | None = None,
) -> list[SearchHit]:
    """Rank papers for a query. mode: hybrid | dense | keyword."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    query = query_english(query)  # NFC like stored text (harvest.records): a decomposed "ö" matches it
    loaded = index_loaded()
    mask = filter_mask(loaded, filters or SearchFilters())
    if mask is not None and not mask.any():
        return []
    candidates = max(k, settings.PHYSLIT_SEARCH_CANDIDATES)
    if mode in ("dense", "hybrid"):
        vector = query_vector(loaded, query)
        dense = dense_ranked(loaded, vector, candidates if mode == "hybrid" else k, mask)
        if mode == "dense":
            return dense.hits(k, "dense")
    keyword = keyword_ranked(loaded, query, candidates if mode == "hybrid" else k, mask)
    if mode == "keyword":
        return keyword.hits(k, "keyword")
    return fuse(
        dense,
        keyword,
        k,
        method=fusion or settings.PHYSLIT_SEARCH_FUSION,
        dense_weight=query_dense_weight(query),
    )


def query_vector(loaded: LoadedIndex, query: str) -> np.ndarray:
    """The query (NFC) embedded (dim,) float32 by the encoder that serves queries for this index."""
    reference = query_encoder_for(loaded.row, loaded.query_encoder, query)
    return encoder_for_index(loaded.row, reference).encode([query])[0]


def relevance(cosine: np.ndarray | list[float] | float) -> np.ndarray:
    """Calibrated relevance in 0..1 of query-paper cosines; 0.5 at the close-match threshold."""
    threshold = settings.PHYSLIT_SEARCH_CLOSE_COSINE
    return 1.0 / (1.0 + np.exp(-(np.asarray(cosine, dtype=np.float64) - threshold) / RELEVANCE_WIDTH))


@dataclass
class SearchResults:
    """A query's matches: ranked hits (or, with no match, the WEAK_SHOWN nearest papers and total 0)."""

    hits: list[SearchHit]
    total: int  # matches, at most PHYSLIT_SEARCH_MATCH_CAP
    capped: bool = False  # more papers may match than `total`
    read_as: str = ""  # the query as searched (query_english: a query in Chinese becomes English terms)

    @property
    def weak(self) -> bool:
        """No paper is a close match: `hits`, if any, are only the nearest."""
        return self.total == 0

    def ids(self) -> list[int]:
        """The matching papers' ids, in order ([] when there is no close match)."""
        return [] if self.weak else [h.paper_id for h in self.hits]


def papers_matching(
    *, query: str, mode: str = "hybrid", filters: SearchFilters | None = None, sort: str = "relevance"
) -> SearchResults:
    """Every paper matching a query, ranked by `mode` (or newest first with sort="date"), for paging.

    Fused hybrid scores are standardised per query and cannot say whether anything is relevant; the cosine
    can (calibrated by bench/no_match.py). A query has a close match when some paper's cosine reaches
    settings.PHYSLIT_SEARCH_CLOSE_COSINE; then every paper reaching PHYSLIT_SEARCH_MATCH_COSINE (lower)
    matches, up to PHYSLIT_SEARCH_MATCH_CAP. Hybrid keeps
    papers_search's fusion over its candidates, then the remaining matches in dense order. Each hit
    carries its cosine (`dense`) and `relevance`.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    query = query_english(query)
    loaded = index_loaded()
    mask = filter_mask(loaded, filters or SearchFilters())
    if mask is not None and not mask.any():
        return SearchResults([], 0, read_as=query)
    cap = settings.PHYSLIT_SEARCH_MATCH_CAP
    candidates = settings.PHYSLIT_SEARCH_CANDIDATES
    vector = query_vector(loaded, query)
    dense = dense_ranked(loaded, vector, max(cap, candidates), mask)
    nearest = dense.hits(len(dense.ids), "dense")
    if mode == "dense":
        ranked = nearest
    elif mode == "keyword":
        ranked = keyword_ranked(loaded, query, cap, mask).hits(cap, "keyword")
    else:
        top = Ranked(dense.ids[:candidates], dense.scores[:candidates])
        keyword = keyword_ranked(loaded, query, candidates, mask)
        ranked = fuse(
            top,
            keyword,
            2 * candidates,
            method=settings.PHYSLIT_SEARCH_FUSION,
            dense_weight=query_dense_weight(query),
        )
        fused = {h.paper_id for h in ranked}
        ranked += [h for h in nearest if h.paper_id not in fused]
    cosines = _cosines_fill(loaded, vector, ranked)
    if not cosines or max(cosines) < settings.PHYSLIT_SEARCH_CLOSE_COSINE:
        return SearchResults(ranked[:WEAK_SHOWN], 0, read_as=query)
    threshold = min(settings.PHYSLIT_SEARCH_MATCH_COSINE, settings.PHYSLIT_SEARCH_CLOSE_COSINE)
    matches = [h for h, cosine in zip(ranked, cosines) if cosine >= threshold][:cap]
    if sort == "date":
        ids = np.asarray([h.paper_id for h in matches], dtype=np.int64)
        dates = loaded.dates[np.searchsorted(loaded.ids, ids)]
        matches = [matches[i] for i in np.argsort(-dates, kind="stable")]  # undated last
    return SearchResults(matches, len(matches), capped=len(matches) >= cap, read_as=query)


def _cosines_fill(loaded: LoadedIndex, vector: np.ndarray, hits: list[SearchHit]) -> list[float]:
    """Each hit's cosine with the query, also set as its `dense` (read from the index where the dense side
    did not return the paper), and its relevance."""
    from physlit.ml import vectors

    missing = [h for h in hits if h.dense is None]
    if missing:
        ids = np.asarray([h.paper_id for h in missing], dtype=np.int64)
        stored = vectors.index_vectors(loaded.dense, ids)
        for hit, cosine in zip(missing, (stored @ vector).tolist()):
            hit.dense = cosine
    cosines = [float(h.dense or 0.0) for h in hits]
    for hit, value in zip(hits, relevance(cosines).tolist()):
        hit.relevance = value
    return cosines


def papers_similar(*, paper_id: int, k: int = 10) -> list[SearchHit]:
    """Papers closest to a paper's stored embedding (the paper itself excluded); [] if not indexed."""
    from physlit.ml import vectors

    loaded = index_loaded()
    try:
        vector = vectors.index_vectors(loaded.dense, np.asarray([paper_id]))[0]
    except KeyError:  # stored after this index was built
        return []
    hits = dense_ranked(loaded, vector, k + 1, None).hits(k + 1, "dense")
    return [h for h in hits if h.paper_id != paper_id][:k]


def search_warm() -> bool:
    """Load the current index and the query encoder now (a web worker's start); False if no index yet."""
    try:
        loaded = index_loaded()
    except SearchUnavailable:
        return False
    encoder_for_index(loaded.row, loaded.query_encoder).encode(["warm up"])
    encoder_for_index(loaded.row).encode(["warm up"])  # long queries (query_encoder_for); often the same
    return True
