"""Harvested author names are stored normalised (TeX accents as Unicode), in `authors` and `authors_text`."""

import pytest

from physlit.corpus.models import Paper
from physlit.harvest.records import author_name, split_authors
from physlit.harvest.upsert import papers_upsert
from tests.support.factories import paper_record


def test_split_authors_normalises_each_name():
    text = r"C. Bal\'azs, J\"org K\"onig (Universit\"at Bonn) and Fran\c{c}ois {\O}stby"
    assert split_authors(text) == ["C. Balázs", "Jörg König (Universität Bonn)", "François Østby"]


def test_author_name_from_parts_normalises_tex():
    assert author_name(r"K\"onig", r"J\"urgen") == "Jürgen König"
    assert author_name(" ", "") == ""


@pytest.mark.django_db
def test_stored_names_and_author_text_are_normalised():
    papers_upsert([paper_record(authors=split_authors(r"C. Bal\'azs and E. L. Berger"))])
    paper = Paper.objects.get()
    assert paper.authors == ["C. Balázs", "E. L. Berger"]
    assert paper.authors_text == "c. balázs; e. l. berger"
