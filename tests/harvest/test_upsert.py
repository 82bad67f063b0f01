"""The one upsert: idempotent, fresher wins, older or partial never erases."""

from datetime import date

import pytest

from physlit.corpus.models import Paper, PaperCategory
from physlit.harvest.records import PaperRecord, VersionRecord
from physlit.harvest.upsert import papers_upsert

pytestmark = pytest.mark.django_db


def record(**kw) -> PaperRecord:
    base = dict(
        arxiv_id="2401.00001",
        source="api",
        title="Entanglement of $\\mathcal{N}=4$ horizons",
        abstract="We compute things.",
        authors=["Ana Núñez", "B. Ødegaard"],
        categories=["hep-th", "quant-ph"],
        first_submitted=date(2024, 1, 1),
        last_updated=date(2024, 1, 1),
        versions=[VersionRecord(1)],
    )
    base.update(kw)
    return PaperRecord(**base)


def test_same_record_twice_is_stored_once_and_unchanged():
    assert papers_upsert([record()]).created == 1
    again = papers_upsert([record(), record()])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Paper.objects.count() == 1
    assert PaperCategory.objects.count() == 2


def test_newer_version_updates_fields_and_adds_version():
    papers_upsert([record()])
    papers_upsert([record(title="Revised title", last_updated=date(2024, 3, 1), versions=[VersionRecord(2)])])
    paper = Paper.objects.get()
    assert paper.title == "Revised title"
    assert paper.latest_version == 2
    assert paper.last_updated == date(2024, 3, 1)
    assert list(paper.versions.values_list("version", flat=True)) == [1, 2]
    assert paper.sources["title"] == "api"


def test_older_or_partial_record_never_erases():
    papers_upsert(
        [
            record(
                title="New",
                last_updated=date(2024, 3, 1),
                versions=[VersionRecord(2)],
                journal_ref="Phys. Rev. D 1, 2",
            )
        ]
    )
    papers_upsert(
        [record(title="Old", abstract="", authors=[], journal_ref="", doi="10.1/x", source="snapshot")]
    )
    paper = Paper.objects.get()
    assert paper.title == "New"
    assert paper.abstract == "We compute things."
    assert paper.authors == ["Ana Núñez", "B. Ødegaard"]
    assert paper.journal_ref == "Phys. Rev. D 1, 2"
    assert paper.doi == "10.1/x"  # an older record may still fill an empty field
    assert paper.sources["doi"] == "snapshot"
    assert paper.latest_version == 2


def test_primary_category_first_and_indexed_rows():
    papers_upsert([record(categories=["quant-ph", "cond-mat.str-el"])])
    paper = Paper.objects.get()
    assert paper.primary_category == "quant-ph"
    rows = {(r.category, r.archive, r.is_primary) for r in paper.category_rows.all()}
    assert rows == {("quant-ph", "quant-ph", True), ("cond-mat.str-el", "cond-mat", False)}


def test_later_update_date_wins_even_without_version_numbers():
    # The OAI "arXiv" format knows only created/updated dates, so its records carry version 1 alone.
    papers_upsert(
        [
            record(
                title="Snapshot v3 title",
                last_updated=date(2023, 5, 1),
                versions=[VersionRecord(1), VersionRecord(2), VersionRecord(3)],
                source="snapshot",
            )
        ]
    )
    papers_upsert(
        [
            record(
                title="Retitled in v4",
                last_updated=date(2024, 6, 1),
                versions=[VersionRecord(1)],
                source="oai:arXiv",
            )
        ]
    )
    paper = Paper.objects.get()
    assert paper.title == "Retitled in v4"
    assert paper.latest_version == 3
    assert paper.last_updated == date(2024, 6, 1)


def test_values_longer_than_their_columns_are_cut_and_overlong_categories_dropped():
    # On PostgreSQL any of these would fail the whole batch; the other paper must be stored too.
    papers_upsert(
        [
            record(
                doi="10.1/" + "d" * 395,
                report_no="r" * 300,
                license="l" * 300,
                submitter="s" * 300,
                categories=["c" * 33, "hep-th"],
                versions=[VersionRecord(1, size="9" * 40)],
            ),
            record(arxiv_id="2401.00002"),
        ]
    )
    paper = Paper.objects.get(arxiv_id="2401.00001")
    assert paper.doi == ("10.1/" + "d" * 395)[:255]
    assert (paper.report_no, paper.license, paper.submitter) == ("r" * 255, "l" * 255, "s" * 255)
    assert (paper.categories, paper.primary_category) == (["hep-th"], "hep-th")
    assert list(paper.category_rows.values_list("category", flat=True)) == ["hep-th"]
    assert paper.versions.get().size == "9" * 32
    assert Paper.objects.count() == 2

    # The same record again changes nothing: the cut value is what it is compared with.
    again = papers_upsert([record(doi="10.1/" + "d" * 395, categories=["c" * 33, "hep-th"])])
    assert (again.updated, again.unchanged) == (0, 1)
