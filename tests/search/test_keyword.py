"""BM25 keyword ranking: stemming, stop words, masks applied inside retrieval, save/load."""

import numpy as np

from physlit.search.keyword import KeywordIndex

DOCS = [
    "Entanglement entropy of black hole horizons. We compute the entropy of Hawking radiation.",
    "Surface codes for quantum error correction. Thresholds of topological codes.",
    "Dark matter halos in cosmological simulations.",
    "Black holes in anti-de Sitter space and holographic entanglement.",
]


def test_stemmed_terms_match_and_unrelated_documents_are_not_returned():
    index = KeywordIndex.build(DOCS)
    positions, scores = index.search("entangled black holes", 10)
    assert set(positions) == {0, 3}
    assert (np.diff(scores) <= 0).all()
    assert len(index.search("zebra giraffe", 10)[0]) == 0


def test_mask_keeps_k_results_among_allowed_documents():
    index = KeywordIndex.build(DOCS)
    mask = np.array([False, True, True, True])
    positions, _ = index.search("black hole entanglement", 10, mask=mask)
    assert list(positions) == [3]


def test_saved_index_gives_same_ranking(tmp_path):
    index = KeywordIndex.build(DOCS)
    index.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw", len(DOCS))
    for query in ("quantum codes", "halos", "black hole entropy"):
        assert list(loaded.search(query, 4)[0]) == list(index.search(query, 4)[0])


def test_coverage_is_high_when_the_best_match_holds_the_query_and_low_when_it_shares_a_word():
    index = KeywordIndex.build(DOCS)
    whole = "surface codes quantum error correction thresholds"
    positions, scores = index.search(whole, 1)
    assert positions[0] == 1 and index.coverage(whole, float(scores[0])) > 0.99
    part = "entropy of the surface of a star made of dark quarks"  # shares one word with each of three papers
    _, scores = index.search(part, 1)
    assert 0 < index.coverage(part, float(scores[0])) < 0.6
    assert index.coverage("zebra giraffe", 1.0) == 0.0  # no query term is in the index
