"""Answers composed for a reader: each cited paper once with its quote(s), [n] numbering the papers, and the
values of papers that disagree listed side by side with their citations."""

from physlit.qa.compose import Passage, answer_compose, citations_group

PULSAR = ("1901.00001", "Bounds on the graviton mass from binary pulsar timing")
LIGO = ("1901.00002", "Graviton mass constraints from gravitational wave observations")
Q_PULSAR = "Using the timing of the Hulse-Taylor pulsar we bound the graviton mass below 7.6e-20 eV."
Q_PULSAR_2 = "The bound follows from the absence of dipole radiation in the orbital period derivative."
Q_LIGO = "The observed signals bound the graviton mass below 1.2e-22 eV."


def test_each_paper_is_cited_once_in_the_order_of_its_first_quote():
    passages = [
        Passage(*PULSAR, Q_PULSAR, "7.6e-20 eV", 0.9, True),
        Passage(*LIGO, Q_LIGO, "", 0.3),
        Passage(*PULSAR, Q_PULSAR_2, "", 0.2),
    ]
    citations = citations_group(passages)
    assert [c.arxiv_id for c in citations] == ["1901.00001", "1901.00002"]
    assert citations[0].quote == Q_PULSAR and citations[0].score == 0.9


def test_several_quotes_of_one_paper_sit_under_its_one_citation_and_share_its_number():
    passages = [
        Passage(*PULSAR, Q_PULSAR, "7.6e-20 eV", 0.9, True),
        Passage(*PULSAR, Q_PULSAR_2, "", 0.2),
        Passage(*PULSAR, Q_PULSAR, "7.6e-20 eV", 0.9, True),  # the same sentence again is quoted once
    ]
    text, short, citations = answer_compose(passages)
    assert len(citations) == 1
    assert citations[0].quotes == [Q_PULSAR, Q_PULSAR_2]
    assert short == "7.6e-20 eV"
    assert text == f"7.6e-20 eV — “{Q_PULSAR}” [1] “{Q_PULSAR_2}” [1]"
    assert citations[0].as_dict() == {
        "arxiv_id": "1901.00001",
        "title": PULSAR[1],
        "quote": Q_PULSAR,
        "quotes": [Q_PULSAR, Q_PULSAR_2],
        "short_answer": "7.6e-20 eV",
    }


def test_papers_giving_different_values_are_listed_each_with_its_citation():
    passages = [
        Passage(*PULSAR, Q_PULSAR, "7.6e-20 eV", 0.9, True),
        Passage(*LIGO, Q_LIGO, "1.2e-22 eV", 0.8, True),
    ]
    text, short, citations = answer_compose(passages)
    assert short == (
        "Bounds on the graviton mass from binary pulsar…: 7.6e-20 eV [1]; "
        "Graviton mass constraints from gravitational wave observations: 1.2e-22 eV [2]"
    )
    assert text == f"{short} — “{Q_PULSAR}” [1] “{Q_LIGO}” [2]"
    assert [c.short_answer for c in citations] == ["7.6e-20 eV", "1.2e-22 eV"]


def test_one_value_is_not_listed_and_an_unconfident_papers_span_is_no_value():
    agreeing = [
        Passage(*PULSAR, Q_PULSAR, "7.6e-20 eV", 0.9, True),
        Passage(*LIGO, Q_LIGO, "7.6E-20  eV", 0.8, True),  # the same value, written differently
    ]
    assert answer_compose(agreeing)[1] == "7.6e-20 eV"
    weak = [
        Passage(*PULSAR, Q_PULSAR, "7.6e-20 eV", 0.9, True),
        Passage(*LIGO, Q_LIGO, "1.2e-22 eV", 0.1, False),  # quoted as support, but gives no value
    ]
    text, short, citations = answer_compose(weak)
    assert short == "7.6e-20 eV" and citations[1].short_answer == ""
    assert text.endswith(f"“{Q_LIGO}” [2]")
    other_kind = [
        Passage(*LIGO, Q_LIGO, "1.2e-22 eV", 0.9, True),
        Passage(*PULSAR, Q_PULSAR, "Hulse-Taylor", 0.8, True),  # a name is no rival to a measured value
    ]
    assert answer_compose(other_kind)[1] == "1.2e-22 eV"


def test_no_passages_compose_nothing():
    assert answer_compose([]) == ("", "", [])
