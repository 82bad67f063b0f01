"""papers_matching: which papers match a query (calibrated cosine threshold), the total, the weak nearest
papers when nothing matches, sort by date, and the hybrid ranking kept from papers_search."""

import pytest

from physlit.corpus.models import Paper
from physlit.search.service import WEAK_SHOWN, SearchFilters, papers_matching, papers_search, relevance

pytestmark = pytest.mark.django_db


def ids(hits) -> list[str]:
    by_pk = dict(Paper.objects.values_list("pk", "arxiv_id"))
    return [by_pk[h.paper_id] for h in hits]


@pytest.mark.parametrize(
    "query,first",
    [
        ("entanglement entropy of black hole horizons", "2401.00001"),
        ("surface code thresholds", "2401.00002"),
        ("transmon decoherence", "2401.00005"),
        ("dark matter", "2401.00003"),
    ],
)
def test_a_query_on_a_corpus_topic_matches_with_the_default_threshold(indexed, query, first):
    found = papers_matching(query=query)
    assert not found.weak and found.total == len(found.hits) >= 1
    assert ids(found.hits)[0] == first
    assert found.hits[0].relevance >= 0.5 and all(h.dense >= 0.30 for h in found.hits)


@pytest.mark.parametrize(
    "query",
    [
        "chocolate chip cookie recipe",
        "football world cup final",
        "stock prices today",
        "topological insulators",  # physics, but not in this corpus
    ],
)
def test_a_query_the_corpus_lacks_gets_no_match_and_the_nearest_weak_papers(indexed, query):
    found = papers_matching(query=query)
    assert found.weak and found.total == 0
    assert len(found.hits) == WEAK_SHOWN
    assert all(h.relevance < 0.5 for h in found.hits)


def test_relevance_is_one_half_at_the_threshold_and_rises_with_the_cosine(settings):
    settings.PHYSLIT_SEARCH_CLOSE_COSINE = 0.4
    low, mid, high = relevance([0.2, 0.4, 0.6]).tolist()
    assert mid == pytest.approx(0.5) and 0 < low < 0.5 < high < 1


def test_the_total_counts_every_paper_over_the_threshold(indexed, settings):
    settings.PHYSLIT_SEARCH_MATCH_COSINE = settings.PHYSLIT_SEARCH_CLOSE_COSINE = -1.0  # every paper matches
    assert papers_matching(query="black holes").total == 8
    settings.PHYSLIT_SEARCH_MATCH_COSINE, settings.PHYSLIT_SEARCH_CLOSE_COSINE = 0.3, 0.4
    found = papers_matching(query="black holes", mode="dense")
    assert found.total == len(found.hits) and all(h.dense >= 0.3 for h in found.hits)
    assert 0 < found.total < 8
    assert any(h.relevance < 0.5 for h in found.hits)  # looser matches, listed below the close ones


def test_loose_matches_alone_are_no_close_match(indexed, settings):
    settings.PHYSLIT_SEARCH_MATCH_COSINE, settings.PHYSLIT_SEARCH_CLOSE_COSINE = 0.3, 0.4
    # "quantum" reaches 0.3 with two papers but 0.4 with none (MiniLM, this corpus).
    found = papers_matching(query="quantum", mode="dense")
    assert found.weak and found.total == 0 and all(h.dense < 0.4 for h in found.hits)
    settings.PHYSLIT_SEARCH_CLOSE_COSINE = 0.35
    assert papers_matching(query="quantum", mode="dense").total == 2


def test_the_total_stops_at_the_cap(indexed, settings):
    settings.PHYSLIT_SEARCH_MATCH_COSINE = settings.PHYSLIT_SEARCH_CLOSE_COSINE = -1.0
    settings.PHYSLIT_SEARCH_MATCH_CAP = 3
    found = papers_matching(query="black holes")
    assert found.total == 3 and found.capped


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_sort_by_date_lists_the_matches_newest_first(indexed, settings, mode):
    settings.PHYSLIT_SEARCH_MATCH_COSINE = settings.PHYSLIT_SEARCH_CLOSE_COSINE = -1.0
    by_relevance = papers_matching(query="black holes", mode=mode)
    by_date = papers_matching(query="black holes", mode=mode, sort="date")
    assert set(ids(by_date.hits)) == set(ids(by_relevance.hits))
    dates = [Paper.objects.get(pk=h.paper_id).first_submitted for h in by_date.hits]
    assert dates == sorted(dates, reverse=True)


def test_hybrid_matches_keep_the_fused_ranking_of_papers_search(indexed, settings):
    settings.PHYSLIT_SEARCH_MATCH_COSINE = settings.PHYSLIT_SEARCH_CLOSE_COSINE = -1.0
    found = papers_matching(query="black hole entropy")
    assert ids(found.hits) == ids(papers_search(query="black hole entropy", k=8))


def test_keyword_hits_get_their_cosine_from_the_index(indexed, settings):
    settings.PHYSLIT_SEARCH_MATCH_COSINE = settings.PHYSLIT_SEARCH_CLOSE_COSINE = -1.0
    found = papers_matching(query="black holes", mode="keyword")
    assert found.hits and all(h.keyword is not None and h.dense is not None for h in found.hits)
    assert all(-1.0 <= h.dense <= 1.0 and 0 < h.relevance < 1 for h in found.hits)


def test_filters_apply_to_the_matches(indexed, settings):
    settings.PHYSLIT_SEARCH_MATCH_COSINE = settings.PHYSLIT_SEARCH_CLOSE_COSINE = -1.0
    found = papers_matching(query="black holes", filters=SearchFilters(category="quant-ph"))
    assert set(ids(found.hits)) == {"2401.00002", "2401.00005"} and found.total == 2
    assert papers_matching(query="black holes", filters=SearchFilters(author="nobody at all")).hits == []


def test_unknown_sort_or_mode_is_refused(indexed):
    with pytest.raises(ValueError):
        papers_matching(query="x", sort="magic")
    with pytest.raises(ValueError):
        papers_matching(query="x", mode="magic")
