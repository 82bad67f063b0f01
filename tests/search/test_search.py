"""Search through the real path: papers stored, index built with the packaged MiniLM, queries answered."""

from datetime import date

import numpy as np
import pytest
from filelock import FileLock

from physlit.corpus.models import Paper
from physlit.harvest.records import PaperRecord, VersionRecord
from physlit.harvest.snapshot import snapshot_record
from physlit.harvest.upsert import papers_upsert
from physlit.registry.current import slots_reset
from physlit.search import build
from physlit.search.build import IndexBusy, index_build, index_current
from physlit.search.models import SearchIndex
from physlit.search.service import (
    SearchFilters,
    SearchUnavailable,
    papers_search,
    papers_similar,
)

pytestmark = pytest.mark.django_db


def ids(hits) -> list[str]:
    by_pk = dict(Paper.objects.values_list("pk", "arxiv_id"))
    return [by_pk[h.paper_id] for h in hits]


def test_search_before_any_index_says_how_to_build_one(search_settings):
    with pytest.raises(SearchUnavailable, match="build_index"):
        papers_search(query="anything")


def test_dense_search_finds_a_paper_by_meaning_not_words(indexed):
    assert indexed.count == 8 and indexed.dense_kind == "exact"
    hits = papers_search(
        query="noise that destroys the coherence of superconducting quantum bits", mode="dense", k=3
    )
    assert ids(hits)[0] == "2401.00005"


def test_keyword_search_ranks_exact_terms_and_returns_only_matches(indexed):
    hits = papers_search(query="magic angle graphene", mode="keyword", k=10)
    assert ids(hits)[0] == "2401.00004"
    assert len(hits) < 8  # papers sharing no term are not keyword results


def test_hybrid_combines_both_rankings(indexed):
    hits = papers_search(query="Ryu-Takayanagi entanglement entropy of horizons", mode="hybrid", k=5)
    assert ids(hits)[0] == "2401.00001"
    assert len(hits) == 5


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_category_filter_still_returns_k_results_when_k_exist(indexed, mode):
    # The query is about black holes, but only the three quant-ph / cond-mat papers may be returned.
    hits = papers_search(
        query="black hole entropy", mode=mode, k=2, filters=SearchFilters(category="cond-mat")
    )
    assert ids(hits) and set(ids(hits)) <= {"2401.00004", "2401.00005"}
    assert len(hits) == 2


def test_archive_and_subcategory_filters_include_cross_lists(indexed):
    arch = papers_search(
        query="gravitational waves", mode="dense", k=10, filters=SearchFilters(category="astro-ph")
    )
    assert set(ids(arch)) == {"2401.00003", "2401.00006"}
    sub = papers_search(
        query="qubits", mode="dense", k=10, filters=SearchFilters(category="cond-mat.mes-hall")
    )
    assert ids(sub) == ["2401.00005"]


def test_date_range_and_author_filters(indexed):
    dated = papers_search(
        query="physics",
        mode="dense",
        k=10,
        filters=SearchFilters(date_from=date(2021, 1, 1), date_to=date(2023, 12, 31)),
    )
    assert set(ids(dated)) == {"2401.00003", "2401.00004", "2401.00005"}
    by_author = papers_search(query="physics", mode="hybrid", k=10, filters=SearchFilters(author="núñez"))
    assert ids(by_author) == ["2401.00001"]


def test_pasted_abstract_finds_its_paper(indexed):
    abstract = Paper.objects.get(arxiv_id="2401.00006").abstract
    assert ids(papers_search(query=abstract, k=1))[0] == "2401.00006"


def test_similar_papers_exclude_the_paper_itself(indexed):
    paper = Paper.objects.get(arxiv_id="2401.00001")
    similar = ids(papers_similar(paper_id=paper.pk, k=3))
    assert "2401.00001" not in similar and len(similar) == 3
    assert "2401.00008" in similar  # the other AdS/CFT paper


def new_paper(arxiv_id: str, title: str, abstract: str) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        source="api",
        title=title,
        abstract=abstract,
        categories=["hep-ex"],
        first_submitted=date(2025, 1, 1),
        last_updated=date(2025, 1, 1),
        versions=[VersionRecord(1)],
    )


def test_new_papers_are_added_without_rebuilding(indexed):
    papers_upsert(
        [
            new_paper(
                "2501.00001",
                "Observation of a neutrino burst from a supernova",
                "Kamiokande detected neutrinos from a core-collapse supernova.",
            )
        ]
    )
    row = index_build()
    assert row.pk != indexed.pk and row.parent_id == indexed.pk
    assert (row.added, row.count) == (1, 9)
    assert ids(papers_search(query="supernova neutrinos", k=1))[0] == "2501.00001"
    assert index_build().pk == row.pk  # nothing new: no new build


def test_another_backend_of_the_same_weights_applies_at_the_next_full_rebuild(indexed, search_settings):
    search_settings.PHYSLIT_ENCODER_BACKEND = "torch"
    assert index_build().pk == indexed.pk  # same weights: nothing to redo
    papers_upsert([new_paper("2501.00003", "Muon g-2 anomaly", "The anomalous magnetic moment of the muon.")])
    row = index_build()  # the new paper is embedded the way the index's other papers were
    assert (row.parent_id, row.added, row.encoder_backend) == (indexed.pk, 1, "onnx-int8")
    row = index_build(rebuild=True)
    assert row.parent_id is None and row.added == 9 and row.encoder_backend == "torch"
    assert ids(papers_search(query="anomalous magnetic moment of the muon", k=1))[0] == "2501.00003"


def test_interrupted_build_leaves_the_previous_index_serving(indexed, monkeypatch, search_settings):
    papers_upsert([new_paper("2501.00002", "Axion dark matter searches", "Haloscopes search for axions.")])

    def killed(texts):
        raise KeyboardInterrupt  # as if the process were stopped mid-build

    monkeypatch.setattr(build.KeywordIndex, "build", staticmethod(killed))
    with pytest.raises(KeyboardInterrupt):
        index_build()
    assert index_current().pk == indexed.pk
    assert SearchIndex.objects.filter(status="failed").count() == 1
    assert not list((search_settings.PHYSLIT_INDEX_DIR).glob("*.tmp"))
    assert ids(papers_search(query="surface codes", k=1))[0] == "2401.00002"


def test_only_one_writer_at_a_time(indexed, search_settings):
    with FileLock(search_settings.PHYSLIT_INDEX_DIR / "build.lock"):
        with pytest.raises(IndexBusy):
            index_build(wait=False)


def test_large_corpus_setting_builds_a_trained_ivf_index(db, search_settings):
    search_settings.PHYSLIT_IVF_THRESHOLD = 4  # pretend 8 papers is a large corpus
    from tests.support.corpus import corpus_records

    papers_upsert(corpus_records())
    row = index_build()
    assert row.dense_kind == "ivf" and row.count == 8
    hits = papers_search(query="magic angle graphene superconductivity", mode="dense", k=1)
    assert ids(hits) == ["2401.00004"]


def test_a_corpus_grown_past_the_ivf_threshold_becomes_ivf_without_re_embedding(indexed, search_settings):
    assert indexed.dense_kind == "exact"
    search_settings.PHYSLIT_IVF_THRESHOLD = 8  # the 8 indexed papers now count as a large corpus
    row = index_build()
    assert (row.dense_kind, row.count, row.added, row.parent_id) == ("ivf", 8, 0, indexed.pk)
    assert ids(papers_search(query="magic angle graphene superconductivity", mode="dense", k=1)) == [
        "2401.00004"
    ]
    bubbles = "Light flashes from collapsing bubbles in water driven by ultrasound."
    papers_upsert([new_paper("2501.00004", "Sonoluminescence", bubbles)])
    row = index_build()
    assert (row.dense_kind, row.count, row.added) == ("ivf", 9, 1)
    slots_reset()  # a serving process picks up the new index within seconds; this one at once
    assert ids(papers_search(query="sonoluminescence of collapsing bubbles", mode="dense", k=1)) == [
        "2501.00004"
    ]


def test_zscore_fusion_keeps_a_decisive_keyword_match_first():
    from physlit.search.service import Ranked, fuse

    # Keyword: paper 1 far ahead of the rest; dense: paper 2 slightly ahead of paper 1.
    keyword = Ranked(np.array([1, *range(10, 19)]), np.array([30.0, *(5.0 - i * 0.1 for i in range(9))]))
    dense = Ranked(
        np.array([2, 1, *range(20, 28)]), np.array([0.62, 0.61, *(0.5 - i * 0.01 for i in range(8))])
    )
    top = fuse(dense, keyword, 3, method="zscore")
    assert top[0].paper_id == 1 and (top[0].dense, top[0].keyword) == (0.61, 30.0)
    assert top[1].paper_id == 2 and top[1].keyword is None
    assert [h.paper_id for h in fuse(dense, keyword, 3, method="rrf")][:2] == [1, 2]
    # one retriever empty (nothing shares a term): the other's order stands
    empty = Ranked(np.empty(0, np.int64), np.empty(0, np.float32))
    assert [h.paper_id for h in fuse(dense, empty, 3)] == [2, 1, 20]
    with pytest.raises(ValueError):
        fuse(dense, keyword, 3, method="nope")


def test_a_question_in_chinese_follows_bm25_in_the_fusion():
    from physlit.search.service import Ranked, fuse, query_dense_weight

    assert query_dense_weight("What value of S8 does HSC find?") == 1.0
    assert query_dense_weight("Quelle température de Curie?") == 1.0  # accented Latin letters are Latin
    zh = "F=1 旋量玻色-爱因斯坦凝聚体中，非零背景上的亮单孤子解被分为哪两种类型？"
    assert query_dense_weight(zh) < 0.1
    # dense (noise for Chinese) prefers paper 2 by far; BM25 (the Latin "F=1") prefers paper 1 a little
    dense = Ranked(np.array([2, 3, 4, 1]), np.array([0.9, 0.3, 0.29, 0.28]))
    keyword = Ranked(np.array([1, 2, 5]), np.array([6.0, 5.5, 1.0]))
    assert fuse(dense, keyword, 2)[0].paper_id == 2  # equal weights: the dense side decides
    assert fuse(dense, keyword, 2, dense_weight=query_dense_weight(zh))[0].paper_id == 1


def test_daily_task_harvests_then_adds_new_papers_to_the_index(indexed, settings):
    from physlit import celery_app
    from physlit.tasks import harvest_then_index
    from tests.support.fake_arxiv import FakeArxiv, generate_records

    if not celery_app.conf.task_always_eager:
        pytest.skip("CELERY_BROKER_URL is set: tasks go to workers")
    with FakeArxiv(generate_records(6, categories=["hep-th"], id_offset=1000), page_size=10) as fake:
        settings.PHYSLIT_OAI_URL = fake.oai_url
        settings.PHYSLIT_HARVEST_DELAY = 0
        harvest_then_index.delay(source="oai", categories=["hep-th"])
    row = index_current()
    assert row.parent_id == indexed.pk and row.added == 6 and row.count == 14


def test_a_build_killed_without_cleanup_is_marked_interrupted_by_the_next(indexed):
    # SIGKILL leaves the row "building" and a .tmp folder; the next writer cleans both up.
    stale = SearchIndex.objects.create(status="building", path="", encoder="x", encoder_backend="onnx-int8")
    papers_upsert([new_paper("2501.00003", "Muon g-2 anomaly", "The muon anomalous magnetic moment.")])
    row = index_build()
    stale.refresh_from_db()
    assert stale.status == "interrupted" and row.status == "ready" and index_current().pk == row.pk


def test_a_revised_abstract_is_re_embedded_by_the_next_build(indexed):
    papers_upsert(
        [
            PaperRecord(
                arxiv_id="2401.00007",
                source="oai:arXiv",
                title="Neutron star mergers and kilonovae",
                abstract="Kilonova light curves from neutron star mergers constrain the r-process.",
                categories=["astro-ph.HE"],
                last_updated=date(2025, 2, 1),
                versions=[VersionRecord(2)],
            )
        ]
    )
    row = index_build()
    assert row.added == 1 and row.count == 8
    hits = papers_search(query="kilonova light curves", mode="dense", k=1)
    assert ids(hits) == ["2401.00007"]


def test_decomposed_and_composed_text_are_one_text_in_queries_stored_papers_and_author_filters(
    db, search_settings
):
    from tests.support.corpus import corpus_records

    # The snapshot spells this paper with decomposed accents (o + combining diaeresis), as some sources do.
    obj = {
        "id": "2502.00001",
        "title": "Schro\u0308dinger cat states of a levitated nanoparticle",
        "abstract": "We prepare Schro\u0308dinger cat states of a levitated silica nanoparticle in a cavity.",
        "authors": "Hans Mu\u0308ller, Ana Núñez",
        "categories": "quant-ph",
        "versions": [{"version": "v1", "created": "Mon, 3 Feb 2025 10:00:00 GMT"}],
    }
    papers_upsert([snapshot_record(obj), *corpus_records()])
    index_build()
    paper = Paper.objects.get(arxiv_id="2502.00001")
    assert "Schrödinger" in paper.title and paper.authors[0] == "Hans Müller"  # stored NFC
    composed = papers_search(query="Schrödinger cat states", mode="keyword", k=5)
    decomposed = papers_search(query="Schro\u0308dinger cat states", mode="keyword", k=5)
    assert ids(composed) == ids(decomposed) == ["2502.00001"]
    assert [h.score for h in composed] == [h.score for h in decomposed]
    for name in ("Mu\u0308ller", "Müller", "müller"):
        hits = papers_search(query="cat states", mode="keyword", k=5, filters=SearchFilters(author=name))
        assert ids(hits) == ["2502.00001"]


def test_a_question_in_chinese_is_searched_as_its_english_terms(indexed, settings, tmp_path):
    glossary = tmp_path / "glossary.tsv"
    glossary.write_text(
        "superconductivity\t超导电性|超导\ntwisted bilayer graphene\t转角双层石墨烯\nmagic angle\t魔角\n",
        encoding="utf-8",
    )
    settings.PHYSLIT_QUERY_GLOSSARY = str(glossary)
    from physlit.search.service import query_english

    question = "魔角附近的转角双层石墨烯中的超导"
    assert query_english(question) == "magic angle twisted bilayer graphene superconductivity"
    assert ids(papers_search(query=question, k=3))[0] == "2401.00004"
    settings.PHYSLIT_QUERY_GLOSSARY = ""  # off: the Chinese reaches neither BM25 nor the encoder as words
    assert query_english(question) == question
    assert papers_search(query=question, mode="keyword", k=3) == []
