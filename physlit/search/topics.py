"""Followed topics: a query's relevant matches (for its trend) and its newest matches (for its Atom feed).

Input: a query, filters and mode as papers_matching takes them. Output: paper ids, or Paper rows newest
first. The one place a feed or a trend asks search which papers match: the same matches the results page
counts and pages through (papers_matching: cosine above the match threshold, none when nothing is close).
"""

from physlit.corpus.models import Paper
from physlit.corpus.selectors import papers_by_ids
from physlit.search.service import SearchFilters, papers_matching

FEED_ENTRIES = 50


def topic_matches(*, query: str, filters: SearchFilters | None = None, mode: str = "hybrid") -> list[int]:
    """Paper ids of the query's matches, best first ([] when no paper is a close match)."""
    return papers_matching(query=query, mode=mode, filters=filters).ids()


def topic_newest(
    *, query: str, filters: SearchFilters | None = None, mode: str = "hybrid", limit: int = FEED_ENTRIES
) -> list[Paper]:
    """The newest `limit` of the query's matches, newest first (by v1 date, then id, as papers_newest
    orders); undated papers are left out, as from any by-date list."""
    found = papers_matching(query=query, mode=mode, filters=filters, sort="date")
    papers = papers_by_ids(found.ids()[: limit * 2])
    dated = [p for p in papers.values() if p.first_submitted is not None]
    return sorted(dated, key=lambda p: (p.first_submitted, p.pk), reverse=True)[:limit]
