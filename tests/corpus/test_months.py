"""papers_per_month: a category's papers (cross-lists included) or a set of papers, counted by month of v1."""

from datetime import date

import pytest
from django.core.cache import cache

from physlit.corpus.models import Paper
from physlit.corpus.selectors import papers_per_month
from physlit.harvest.upsert import papers_upsert
from tests.support.factories import paper_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def months_corpus(db):
    cache.clear()  # whole-category counts are cached
    papers_upsert(
        [
            paper_record("2311.00001", categories=["hep-th"], first_submitted=date(2023, 11, 30)),
            paper_record("2401.00001", categories=["hep-th"], first_submitted=date(2024, 1, 1)),
            paper_record("2401.00002", categories=["hep-th"], first_submitted=date(2024, 1, 31)),
            paper_record("2401.00003", categories=["quant-ph", "hep-th"], first_submitted=date(2024, 1, 15)),
            paper_record("2403.00001", categories=["hep-th.x", "gr-qc"], first_submitted=date(2024, 3, 2)),
            paper_record("2403.00002", categories=["quant-ph"], first_submitted=date(2024, 3, 3)),
            paper_record("2405.00001", categories=["hep-th"], first_submitted=None, last_updated=None),
        ]
    )
    yield
    cache.clear()


def pks(*arxiv_ids: str) -> list[int]:
    return list(Paper.objects.filter(arxiv_id__in=arxiv_ids).values_list("pk", flat=True))


def test_category_counts_every_month_from_first_to_last_with_cross_lists_and_zero_months(months_corpus):
    assert papers_per_month(category="hep-th") == [
        ("2023-11", 1),
        ("2023-12", 0),
        ("2024-01", 3),  # one of them cross-listed from quant-ph
        ("2024-02", 0),
        ("2024-03", 1),  # filed under the sub-category hep-th.x of the archive
    ]


def test_subcategory_and_other_archives(months_corpus):
    assert papers_per_month(category="hep-th.x") == [("2024-03", 1)]
    assert papers_per_month(category="quant-ph") == [("2024-01", 1), ("2024-02", 0), ("2024-03", 1)]


def test_ids_count_only_those_papers_and_leave_out_undated_ones(months_corpus):
    ids = pks("2311.00001", "2403.00002", "2405.00001")
    assert papers_per_month(ids=ids) == [
        ("2023-11", 1),
        ("2023-12", 0),
        ("2024-01", 0),
        ("2024-02", 0),
        ("2024-03", 1),
    ]
    assert papers_per_month(ids=pks("2401.00001", "2401.00002")) == [("2024-01", 2)]


def test_nothing_to_count_is_an_empty_list(months_corpus):
    assert papers_per_month(ids=[]) == []
    assert papers_per_month(category="no-such-archive") == []
