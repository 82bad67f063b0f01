"""When the chat abstains: the reader's probability against its calibrated threshold, and never above a cited
quote that holds a span the answer-span model is confident in (physlit.qa.services._lead and _compose)."""

from types import SimpleNamespace

from physlit.qa.services import ABSTAIN_MESSAGE, _compose, _lead, _Sentence

PULSAR = "Pulsar timing bounds the graviton mass below 7.6e-20 eV."
SETUP = "We time the Hulse-Taylor binary pulsar over thirty years."
LIGO = "The observed signals bound the graviton mass below 1.2e-22 eV."
PAPERS = {
    1: SimpleNamespace(arxiv_id="1901.00001", title="Graviton mass from binary pulsars"),
    2: SimpleNamespace(arxiv_id="1901.00002", title="Graviton mass from gravitational waves"),
}


def _reading(probability, text, paper_id, rank, span_score=None):
    start = text.find("below ") + len("below ")
    span = (start, len(text) - 1) if "below " in text else (0, 2)
    return (probability, span, _Sentence(paper_id, rank, text), span_score)


def test_the_reader_answers_when_its_probability_reaches_the_threshold():
    able = [_reading(0.8, PULSAR, 1, 0)]
    assert _lead(able, 0.8, 0.5, None) == able
    assert _lead(able, 0.4, 0.5, None) is None  # no span model: its probability alone decides
    assert _lead([], 0.0, 0.5, 1.0) is None


def test_a_confident_span_in_a_quote_the_abstention_would_cite_answers_and_leads():
    setup = _reading(0.3, SETUP, 1, 0, span_score=-4.0)
    ligo = _reading(0.2, LIGO, 2, 1, span_score=3.0)
    able = [setup, ligo]
    lead = _lead(able, 0.3, 0.5, 2.0)
    assert lead is not None and lead[0] is ligo and lead[1] is setup
    text, short, abstained, citations = _compose(able, lead, 0.5, PAPERS)
    assert not abstained and short == "1.2e-22 eV"
    assert citations[0].arxiv_id == "1901.00002" and LIGO in text
    # below the span threshold the reply abstains, citing the closest papers
    assert _lead(able, 0.3, 0.5, 3.5) is None
    text, short, abstained, citations = _compose(able, None, 0.5, PAPERS)
    assert abstained and text == ABSTAIN_MESSAGE and short == ""
    assert [c.arxiv_id for c in citations] == ["1901.00001", "1901.00002"]


def test_only_the_sentences_an_abstention_cites_count_each_papers_best_one():
    best = _reading(0.3, SETUP, 1, 0, span_score=-4.0)
    second_of_same_paper = _reading(0.2, PULSAR, 1, 0, span_score=5.0)  # not what an abstention would quote
    assert _lead([best, second_of_same_paper], 0.3, 0.5, 2.0) is None
