"""Followed topics: a query's relevant matches (for its trend) and its newest matches (for its Atom feed).

Input: a query, filters and mode as papers_search takes them. Output: paper ids, or Paper rows newest first.
The one place a feed or a trend asks search which papers match: a relevance threshold or a date sort in
papers_search replaces the fixed cut here.
"""

from physlit.corpus.models import Paper
from physlit.corpus.selectors import papers_by_ids
from physlit.search.service import SearchFilters, papers_search

TOPIC_HITS = 200  # a query's "relevant matches": its best hits, up to this many
FEED_ENTRIES = 50


def topic_matches(*, query: str, filters: SearchFilters | None = None, mode: str = "hybrid") -> list[int]:
    """Paper ids of the query's relevant matches, best first."""
    return [h.paper_id for h in papers_search(query=query, k=TOPIC_HITS, mode=mode, filters=filters)]


def topic_newest(
    *, query: str, filters: SearchFilters | None = None, mode: str = "hybrid", limit: int = FEED_ENTRIES
) -> list[Paper]:
    """The newest `limit` of the query's relevant matches, newest first (by v1 date, then id, as
    papers_newest orders); undated papers are left out, as from any by-date list."""
    papers = papers_by_ids(topic_matches(query=query, filters=filters, mode=mode)).values()
    dated = [p for p in papers if p.first_submitted is not None]
    return sorted(dated, key=lambda p: (p.first_submitted, p.pk), reverse=True)[:limit]
