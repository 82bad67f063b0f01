"""Reported results stored per paper: extraction with the patterns, a second run, the values of a quantity
over time, and `train tagger` (tiny BERT, hand labels) -> current -> every paper read again by the tagger."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from physlit.corpus.models import Paper
from physlit.harvest.upsert import papers_upsert
from physlit.registry.models import ModelVersion
from physlit.results.models import Extraction, Result
from physlit.results.patterns import results_find
from physlit.results.services import (
    abstract_hash,
    found_spans,
    papers_results_extract,
    papers_unread,
    quantity_offer,
    quantity_values,
)
from tests.support.factories import paper_record

pytestmark = pytest.mark.django_db

H0 = "We measure the Hubble constant H_0 = {} km s^{{-1}} Mpc^{{-1}} from lensed quasars."
NOTHING = "We discuss the geometry of moduli spaces of N=4 theories in 3D."


def store(*rows):
    papers_upsert(
        [paper_record(arxiv_id, abstract=abstract, first_submitted=day) for arxiv_id, abstract, day in rows]
    )


def test_extraction_stores_each_papers_results_once_and_a_second_run_replaces_them():
    store(
        ("2401.00001", H0.format("73.2 \\pm 1.3"), date(2024, 1, 1)),
        ("2401.00002", NOTHING, date(2024, 1, 2)),
    )
    assert len(papers_unread()) == 2
    report = papers_results_extract(papers_unread(), log=lambda _: None)
    assert report.papers == 2 and report.results == 1 and report.method == "patterns"
    result = Result.objects.get()
    assert (result.value, result.unit, result.kind) == ("73.2 \\pm 1.3", "km s^{-1} Mpc^{-1}", "measurement")
    assert (result.number, result.error, result.quantity_key) == (73.2, 1.3, "hubble constant")
    assert result.paper.abstract[result.start : result.end] == result.value
    assert Extraction.objects.count() == 2  # the paper without results is read too: nothing left to do
    assert papers_unread() == []

    papers_results_extract(papers_unread(everything=True), log=lambda _: None)
    assert Result.objects.count() == 1 and Extraction.objects.count() == 2


def test_the_values_of_a_quantity_come_oldest_first_and_are_offered_from_three():
    store(
        ("2401.00003", H0.format("67.4 \\pm 0.5"), date(2020, 5, 1)),
        ("2401.00001", H0.format("73.2 \\pm 1.3"), date(2024, 1, 1)),
    )
    papers_results_extract(papers_unread(), log=lambda _: None)
    assert quantity_offer("Hubble constant measurements") is None  # two values: not yet worth a table
    store(("2401.00002", H0.format("70.1^{+2.1}_{-1.9}"), date(2022, 3, 1)))
    papers_results_extract(papers_unread(), log=lambda _: None)

    key, values = quantity_values("Hubble constant measurements")
    assert key == "hubble constant"
    assert [v.number for v in values] == [67.4, 70.1, 73.2]
    assert [v.arxiv_id for v in values] == ["2401.00003", "2401.00002", "2401.00001"]
    assert quantity_offer("H_0") == ("$H_0$", 3)  # the name the papers write, in TeX
    assert quantity_values("the mass of the Moon")[1] == []  # no paper reports it


@pytest.fixture
def tagger_settings(settings, tiny_bert, tmp_path):
    from physlit.registry.current import slots_reset

    settings.PHYSLIT_MODELS_DIR = tmp_path / "models"
    settings.PHYSLIT_TAGGER_BASE = str(tiny_bert)
    settings.PHYSLIT_TAGGER_BACKEND = "onnx"
    settings.PHYSLIT_TAGGER_EPOCHS = 2
    slots_reset()
    yield settings
    slots_reset()


def hand_labels(path, papers) -> None:
    """A train-labels.jsonl for `papers` (arxiv_id, abstract): the values' spans, as annotators give them."""
    lines = []
    for arxiv_id, abstract in papers:
        spans = found_spans(abstract, results_find(abstract))
        lines.append(json.dumps({"id": arxiv_id, "abstract_sha1": abstract_hash(abstract), "spans": spans}))
    path.write_text("\n".join(lines) + "\n")


def test_without_hand_labelled_papers_train_tagger_says_where_they_come_from(tagger_settings):
    store(("2401.00001", H0.format("73.2 \\pm 1.3"), date(2024, 1, 1)))
    with pytest.raises(CommandError, match="hand-labelled papers come from the shared 83k corpus"):
        call_command("train", "tagger", "--max-minutes", "1", stdout=io.StringIO())


@pytest.mark.slow
def test_train_tagger_on_hand_labels_then_promoted_it_reads_every_paper(
    tagger_settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    values = ["73.2 \\pm 1.3", "67.4 \\pm 0.5", "70.1^{+2.1}_{-1.9}", "69.8 \\pm 1.7"]
    papers = [
        (f"2402.{n:05d}", H0.format(values[n % 4]) if n % 3 else NOTHING, date(2024, 1, 1 + n % 28))
        for n in range(80)
    ]
    store(*papers)
    labels = tmp_path / "train-labels.jsonl"
    hand_labels(labels, [(arxiv_id, abstract) for arxiv_id, abstract, _ in papers])
    monkeypatch.setattr("physlit.training.tagger.HAND_LABELS", labels)
    out = io.StringIO()
    call_command("train", "tagger", "--max-minutes", "3", stdout=out)
    version = ModelVersion.objects.get(kind="tagger")
    metrics = version.metrics
    assert set(metrics["new"]) >= {"value", "quantity", "unit", "score"}, out.getvalue()
    # made current only when it beats the patterns on the held-out hand-labelled papers
    assert version.baseline_score == metrics["patterns"]["f1"]
    beats = version.score > version.baseline_score
    assert version.status == (ModelVersion.Status.CURRENT if beats else ModelVersion.Status.CANDIDATE)

    if not beats:
        papers_results_extract(papers_unread(), log=lambda _: None)
        assert set(Extraction.objects.values_list("method", flat=True)) == {"patterns"}
        with django_capture_on_commit_callbacks(execute=True):
            call_command("models", "promote", str(version.pk), stdout=io.StringIO())
    else:
        papers_results_extract(papers_unread(), log=lambda _: None)
    # once current, every paper is read by the tagger (on promotion: in the background, eager here)
    assert set(Extraction.objects.values_list("method", flat=True)) == {"tagger"}
    assert set(Extraction.objects.values_list("version_id", flat=True)) == {version.pk}
    assert papers_unread() == []


def test_a_paper_the_extractor_fails_on_is_logged_and_the_others_are_stored(monkeypatch):
    store(
        ("2401.00001", H0.format("73.2 \\pm 1.3"), date(2024, 1, 1)), ("2401.00002", "BOOM", date(2024, 1, 2))
    )
    real = results_find

    def fragile(text):
        if text == "BOOM":
            raise ValueError("cannot read this")
        return real(text)

    monkeypatch.setattr("physlit.results.services.results_find", fragile)
    lines = []
    report = papers_results_extract(papers_unread(), log=lines.append)
    assert report.results == 1 and Result.objects.count() == 1
    assert any("ValueError: cannot read this (left unread)" in line for line in lines)
    assert [p for p in papers_unread()] == [Paper.objects.get(arxiv_id="2401.00002").pk]


def test_tagged_spans_become_whole_values_with_the_signs_kind_and_a_lone_slash_is_no_value():
    from physlit.results.services import found_from_spans

    abstract = "We find $\\Delta \\ln Z \\lesssim 1.8$ and H_0 = 73.2 \\pm 1.3 km/s/Mpc, i.e. a km / s ratio."
    at = abstract.index
    spans = [
        ("value:measurement", at("1.8"), at("1.8") + 3),
        ("value:measurement", at("73.2"), at("73.2") + 4),  # the tagger cut the uncertainty off
        ("value:measurement", at(" / ") + 1, at(" / ") + 2),  # "/": not a number
    ]
    found = found_from_spans(abstract, spans)
    assert [(f.value, f.kind) for f in found] == [("1.8", "upper_bound"), ("73.2 \\pm 1.3", "measurement")]
    assert found[1].unit == "km/s/Mpc" and found[1].quantity == "H_0" and found[1].error == 1.3
