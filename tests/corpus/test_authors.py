"""Author names in the corpus: the migration that normalises stored TeX names, and the author selectors."""

import importlib
from datetime import date

import pytest

from physlit.corpus.models import Paper
from physlit.corpus.selectors import author_papers, author_profile
from physlit.harvest.upsert import papers_upsert
from tests.support.factories import paper_record

pytestmark = pytest.mark.django_db

migration = importlib.import_module("physlit.corpus.migrations.0003_authors_normalize")


def test_migration_normalises_stored_tex_names_and_keeps_the_rest():
    papers_upsert([paper_record("2401.00001"), paper_record("2401.00002")])
    # Rows as an older harvest stored them: TeX accents in both fields.
    Paper.objects.filter(arxiv_id="2401.00001").update(
        authors=[r"C. Bal\'azs", r"J\"org M{\"u}ller"], authors_text=r"c. bal\'azs; j\"org m{\"u}ller"
    )
    Paper.objects.filter(arxiv_id="2401.00002").update(authors=["Ana Núñez"], authors_text="ana núñez")
    before = Paper.objects.get(arxiv_id="2401.00002")

    assert migration.papers_authors_normalize(Paper) == 1

    paper = Paper.objects.get(arxiv_id="2401.00001")
    assert paper.authors == ["C. Balázs", "Jörg Müller"]
    assert paper.authors_text == "c. balázs; jörg müller"
    untouched = Paper.objects.get(arxiv_id="2401.00002")
    assert (untouched.authors, untouched.authors_text, untouched.title) == (
        before.authors,
        before.authors_text,
        before.title,
    )
    assert migration.papers_authors_normalize(Paper) == 0  # safe to run twice


def three_papers():
    papers_upsert(
        [
            paper_record("2301.00001", authors=["C. Balázs", "E. Berger"], categories=["hep-ph"],
                         first_submitted=date(2023, 1, 1)),
            paper_record("2401.00002", authors=["E. Berger", "c. balázs", "P. Nadolsky"],
                         categories=["hep-ph", "hep-ex"], first_submitted=date(2024, 1, 1)),
            # A longer name that contains the author's must not match.
            paper_record("2401.00003", authors=["C. Balázsi"], categories=["gr-qc"]),
        ]
    )  # fmt: skip


def test_author_papers_match_whole_names_in_any_case_newest_first():
    three_papers()
    assert [p.arxiv_id for p in author_papers("C. Balázs")] == ["2401.00002", "2301.00001"]
    assert [p.arxiv_id for p in author_papers(r"c. bal\'azs")] == ["2401.00002", "2301.00001"]
    assert list(author_papers("Balázs")) == []


def test_author_profile_counts_coauthors_and_categories():
    three_papers()
    profile = author_profile("C. Balázs")
    assert profile.name == "c. balázs"  # as the newest paper spells it
    assert profile.coauthors == [("E. Berger", 2), ("P. Nadolsky", 1)]
    assert profile.categories == [("hep-ph", 2), ("hep-ex", 1)]
    assert author_profile("Nobody") is None


def test_author_names_with_regex_characters_match_literally():
    papers_upsert([paper_record(authors=["A. One (CERN/Geneva) [x]*", "B. Two"])])
    assert author_profile("A. One (CERN/Geneva) [x]*").coauthors == [("B. Two", 1)]
    assert author_profile("A. One (CERN.Geneva) [x]*") is None
