"""Encoder adaptation: a tiny real encoder trains a few steps on the corpus, saves a loadable artifact, and
is scored beside the base on the same held-out papers."""

import json
from pathlib import Path

import numpy as np
import pytest

from physlit.ml import encoder_training as et
from physlit.ml.encoder import get_encoder
from physlit.registry.models import ModelVersion
from physlit.training.services import model_train


def test_paper_pairs_use_title_or_one_abstract_sentence():
    papers = [("A title", "First sentence here. Second one follows. Third closes it.")] * 20
    pairs = et.paper_pairs(papers, sentence_queries=0.5, seed=1)
    assert len(pairs) == 20
    titles = [p for p in pairs if p[0] == "A title"]
    sentences = [p for p in pairs if p[0] != "A title"]
    assert titles and sentences
    query, doc = sentences[0]
    assert query in papers[0][1] and query not in doc and doc.startswith("A title. ")
    assert et.paper_pairs(papers, sentence_queries=0.5, seed=1) == pairs  # deterministic


def test_word_gap_pairs_share_no_content_word_between_query_and_document():
    abstract = "We prepare entanglement of ions in a Paul trap. It lasts."
    papers = [("Entangled states of trapped ions", abstract)]
    assert et.without_words_of(papers[0][1], papers[0][0]) == "We prepare of in a Paul trap. It lasts."
    ((query, document),) = et.paper_pairs(papers, sentence_queries=0.0, word_gap=1.0)
    assert query == papers[0][0] and "Paul trap" in document and "entanglement" not in document
    ((_, untouched),) = et.paper_pairs(papers, sentence_queries=0.0, word_gap=0.0)
    assert untouched == papers[0][1]


def test_held_out_slice_is_fixed_and_small():
    ids = [f"2301.{i:05d}" for i in range(5000)]
    share = sum(map(et.held_out, ids)) / len(ids)
    assert 0.01 < share < 0.03
    assert [et.held_out(i) for i in ids[:50]] == [et.held_out(i) for i in ids[:50]]


@pytest.mark.slow
def test_train_encoder_saves_a_version_that_loads_and_exports(adapt_settings, adapt_corpus, tiny_bert):
    lines: list[str] = []
    version = model_train(kind="encoder", max_minutes=5, log=lines.append)

    assert version.kind == ModelVersion.Kind.ENCODER
    assert version.status == ModelVersion.Status.CANDIDATE  # an encoder is promoted on purpose
    folder = Path(version.path)
    assert folder.parent == adapt_settings.PHYSLIT_MODELS_DIR / "encoder" and not folder.name.endswith(".tmp")
    assert version.train_examples == 28 and version.metrics["train"]["steps"] == 4  # 28 pairs, batch 8
    assert version.metrics["validation_pairs"] == 4
    assert version.baseline_score == version.metrics["base"]["MRR@10"]
    assert version.score == version.metrics["new"]["MRR@10"]
    assert any("step 4/4" in line and "ex/s" in line and "ETA" in line for line in lines)
    saved = json.loads((folder / "physlit_training.json").read_text())
    assert saved["metrics"]["new"] == version.metrics["new"]

    # The artifact is a sentence-transformers folder the serving path loads: ONNX int8 export included,
    # with a new fingerprint (so an index built with it is told apart from the base's).
    base = get_encoder(tiny_bert, backend="onnx-int8", cache_dir=adapt_settings.PHYSLIT_MODELS_DIR / "onnx")
    tuned = get_encoder(folder, backend="onnx-int8", cache_dir=adapt_settings.PHYSLIT_MODELS_DIR / "onnx")
    reference = get_encoder(folder, backend="torch")
    assert tuned.fingerprint != base.fingerprint and tuned.dim == 32
    texts = ["Entanglement entropy of black holes.", "Surface codes and fault tolerance."]
    got, want = tuned.encode(texts), reference.encode(texts)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    assert (got * want).sum(axis=1).min() > 0.98
    assert not np.allclose(got, base.encode(texts), atol=1e-3)  # the weights did change


@pytest.mark.slow
def test_second_training_is_scored_against_the_current_version(adapt_settings, adapt_corpus):
    from physlit.registry.services import version_promote

    first = model_train(kind="encoder", max_minutes=5, log=lambda _: None)
    version_promote(first.pk)
    second = model_train(kind="encoder", max_minutes=5, log=lambda _: None)
    assert second.metrics["current"] == first.metrics["new"]
    assert second.baseline_score == first.score


@pytest.mark.slow
def test_train_encoder_stops_at_the_pair_cap_with_the_schedule_of_the_whole_pass(
    adapt_settings, adapt_corpus
):
    adapt_settings.PHYSLIT_ENCODER_TRAIN_PAIRS = 16  # two steps of 8 of the pass's 4
    lines: list[str] = []
    version = model_train(kind="encoder", max_minutes=5, log=lines.append)
    assert version.train_examples == 16 and version.metrics["train"]["steps"] == 2
    # Stopped like a spent budget: the learning rate was planned over all 4 steps, as in the measured runs.
    assert any("budget spent after 2 of 4 steps" in line for line in lines)
