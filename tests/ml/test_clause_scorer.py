"""The fine-tuned summarizer (BERTSum-style clause scorer): each clause's span in the text the encoder reads,
its tokens pooled, a few real training steps on a tiny BERT with the listwise loss, saving, serving through
ONNX without torch, and the summarizer composing from its scores."""

import json

import numpy as np
import pytest

from physlit.ml import summarizer as sm
from physlit.ml.encoder_training import model_load
from physlit.ml.training import device_pick, seed_everything

ABSTRACT = (
    "Many questions remain open in this field, as several reviews have stressed over the years. "
    "We study relaxation of transmon qubits, using numerical simulations and analytic estimates. "
    "We find that two-level defects dominate the loss, in agreement with earlier expectations."
)


def test_the_layout_gives_each_unit_its_span_and_pooling_averages_its_tokens():
    units = sm.units_split(ABSTRACT)
    text, spans = sm.units_layout(units)
    assert [text[a:b] for a, b in spans] == [u.text for u in units]
    # [CLS] u0 u0 | u1 | cut off ; special tokens (0, 0) belong to no unit
    a0, b0 = spans[0]
    offsets = [(0, 0), (a0, a0 + 3), (a0 + 4, b0), (spans[1][0], spans[1][1]), (0, 0)]
    weights = sm.pooling_weights(offsets, spans[:3])
    assert weights[0].tolist() == [0, 0.5, 0.5, 0, 0] and weights[1].tolist() == [0, 0, 0, 1, 0]
    assert not weights[2].any()  # a unit the truncation cut off pools nothing


@pytest.fixture(scope="module")
def trained(tiny_bert, tmp_path_factory):
    """A tiny clause scorer trained a few steps to put the finding first, served through ONNX."""
    device = device_pick("cpu")
    seed_everything(0)
    units = sm.units_split(ABSTRACT)
    labels = np.zeros(len(units), np.float32)
    finding = next(i for i, u in enumerate(units) if "defects" in u.text)
    labels[finding] = 1.0
    model, tokenizer = model_load(tiny_bert, device, attention_dropout=0.0)
    config = sm.ClauseScorerConfig(
        batch_size=2, epochs=20, learning_rate=2e-3, head_learning_rate=5e-2, warmup_steps=1
    )
    head, stats = sm.clause_scorer_fit(
        model, tokenizer, [(units, labels)] * 2, device=device, config=config, log=lambda _: None
    )
    folder = tmp_path_factory.mktemp("summarizer") / sm.SCORER_FOLDER
    sm.clause_scorer_save(folder, model, tokenizer, tiny_bert, head, metadata={"train": stats})
    served = sm.clause_scorer_load(folder, backend="onnx", cache_dir=folder.parent / "onnx")
    return served, stats, folder, units, finding


def test_a_few_steps_learn_the_clause_and_serve_through_onnx(trained):
    served, stats, folder, units, finding = trained
    assert stats["steps"] == 20 and (folder / "head.npz").is_file()
    scores, empty = served.scores([units, []])
    assert scores.shape == (len(units),) and int(np.argmax(scores)) == finding
    assert empty.shape == (0,)


def test_the_summarizer_composes_from_the_scorer_and_loads_from_its_folder(trained, tmp_path):
    served, _, folder, units, finding = trained
    summarizer = sm.Summarizer(scorer=served)
    assert summarizer.method == "salience"
    [draft] = summarizer.summarize([ABSTRACT])
    assert "two-level defects dominate the loss" in draft.text.lower()
    assert 15 <= len(draft.text.split()) <= sm.MAX_WORDS

    summarizer.save(tmp_path, None, encoder_info={"name": "tiny"}, metrics={})
    meta = json.loads((tmp_path / "summarizer.json").read_text())
    assert meta["scorer"] == sm.SCORER_FOLDER and "head" not in meta
    loaded = sm.summarizer_load(tmp_path, encoder_for=lambda info: None, scorer_for=lambda f: served)
    assert loaded.summarize([ABSTRACT]) == [draft]
    with pytest.raises(ValueError, match="fine-tuned"):
        sm.summarizer_load(tmp_path, encoder_for=lambda info: None)
