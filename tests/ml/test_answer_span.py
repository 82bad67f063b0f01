"""The reader's answer-span model: targets from character spans, the best-span decoding with its null score, a
few real training steps on a tiny BERT, saving, serving through ONNX with the sentence's offsets, and the
reader using it for its short answers."""

import numpy as np
import pytest

from physlit.ml import answer_span as asp
from physlit.ml.encoder_training import model_load
from physlit.ml.training import device_pick, seed_everything

SENTENCE = "Six lenses give a Hubble constant of 73.3 km/s/Mpc with 2.4 percent precision."
OTHER = "The value is in tension with the cosmic microwave background."
HUBBLE = (SENTENCE.index("73.3"), SENTENCE.index("73.3") + len("73.3 km/s/Mpc"))
EXAMPLES = [
    ("What Hubble constant do six lenses give?", SENTENCE, HUBBLE),
    ("What precision do six lenses give?", SENTENCE, (SENTENCE.index("2.4"), SENTENCE.index("2.4") + 11)),
    ("What Hubble constant do six lenses give?", OTHER, None),
]


def test_targets_point_at_the_answer_tokens_or_at_cls():
    from transformers import AutoTokenizer

    from physlit.ml.encoder import packaged_model_path

    tokenizer = AutoTokenizer.from_pretrained(packaged_model_path())
    question, sentence, span = EXAMPLES[0]
    enc = tokenizer(question, sentence, return_offsets_mapping=True)
    offsets, ids = [tuple(o) for o in enc["offset_mapping"]], enc.sequence_ids()
    start, end = asp.token_targets(offsets, ids, span)
    assert ids[start] == ids[end] == 1 and start <= end
    assert sentence[offsets[start][0] : offsets[end][1]] == "73.3 km/s/Mpc"
    assert asp.token_targets(offsets, ids, None) == (0, 0)
    # a span the truncation cut away also points at [CLS]
    assert asp.token_targets(offsets, ids, (len(sentence) + 5, len(sentence) + 9)) == (0, 0)


def test_best_span_stays_in_the_sentence_and_is_scored_against_the_null():
    offsets = [(0, 0), (0, 0), (0, 0), (0, 3), (4, 8), (9, 12), (0, 0)]  # [CLS] q q | s s s | [SEP]
    start = np.array([5.0, 9.0, 0, 1.0, 3.0, 0.0, 0], np.float32)  # a question token scores highest: ignored
    end = np.array([5.0, 0, 9.0, 0.0, 0.5, 2.0, 0], np.float32)
    first, last, score = asp.best_span(start, end, offsets)
    assert (first, last) == (4, 5) and score == pytest.approx(3.0 + 2.0 - 10.0)
    assert asp.best_span(start, end, [(0, 0)] * 7) is None
    # no span longer than MAX_ANSWER_TOKENS
    n = asp.MAX_ANSWER_TOKENS + 5
    offsets = [(0, 0)] + [(i, i + 1) for i in range(n)]
    s, e = np.zeros(n + 1, np.float32), np.zeros(n + 1, np.float32)
    s[1], e[n] = 5.0, 5.0
    first, last, _ = asp.best_span(s, e, offsets)
    assert last - first < asp.MAX_ANSWER_TOKENS


@pytest.fixture(scope="module")
def trained(tiny_bert, tmp_path_factory):
    """A tiny answer-span model trained a few steps on EXAMPLES and served through ONNX."""
    device = device_pick("cpu")
    seed_everything(0)
    model, tokenizer = model_load(tiny_bert, device, attention_dropout=0.0)
    config = asp.AnswerSpanConfig(
        batch_size=6, epochs=30, learning_rate=2e-3, head_learning_rate=5e-2, warmup_steps=1
    )
    head, stats = asp.answer_span_fit(
        model, tokenizer, EXAMPLES * 4, device=device, config=config, log=lambda _: None
    )
    folder = tmp_path_factory.mktemp("answer-span") / "span"
    asp.answer_span_save(folder, model, tokenizer, tiny_bert, head, metadata={"train": stats})
    served = asp.answer_span_load(folder, backend="onnx", cache_dir=folder.parent / "onnx")
    return served, stats, folder


def test_a_few_training_steps_learn_the_span_and_serve_through_onnx(trained):
    served, stats, folder = trained
    assert stats["steps"] == 60 and (folder / "head.npz").is_file()
    picks = served.spans("What Hubble constant do six lenses give?", [SENTENCE, OTHER])
    hubble = picks[0]
    assert SENTENCE[hubble.start : hubble.end] == "73.3 km/s/Mpc"  # character offsets of the sentence
    assert hubble.score > 0  # the span beats "no answer" in the answering sentence
    assert picks[1].score < hubble.score  # and the other sentence is less sure
    precision = served.spans("What precision do six lenses give?", [SENTENCE])[0]
    assert SENTENCE[precision.start : precision.end] == "2.4 percent"
    assert served.spans("anything", []) == []


def test_the_reader_takes_its_short_answers_from_the_span_model(trained, tiny_bert):
    import torch

    from physlit.ml.encoder import get_encoder
    from physlit.ml.reader import (
        SENTENCE_FEATURES,
        SPAN_FEATURES,
        Candidate,
        Idf,
        Mlp,
        Reader,
        ReaderConfig,
        mlp_module,
    )

    served, _, folder = trained
    encode = get_encoder(tiny_bert, backend="onnx", cache_dir=folder.parent / "onnx").encode
    torch.manual_seed(0)
    reader = Reader(
        ReaderConfig(),
        Idf.fit([SENTENCE, OTHER]),
        sentence=Mlp.from_module(mlp_module(SENTENCE_FEATURES, 32)),
        span=Mlp.from_module(mlp_module(SPAN_FEATURES, 16)),
    )

    candidates = [Candidate(SENTENCE, "Lensed quasars", 1, 3), Candidate(OTHER, "Lensed quasars", 2, 3)]
    question = "What Hubble constant do six lenses give?"
    without = reader.read(question, candidates, encode)
    reader.span_model = served
    with_model = reader.read(question, candidates, encode)
    assert [r.probability for r in with_model] == [r.probability for r in without]
    start, end = with_model[0].span
    assert SENTENCE[start:end] == "73.3 km/s/Mpc"
    # the span model's confidence comes with its span (the MLP's spans carry none)
    assert without[0].span_score is None
    assert with_model[0].span_score == pytest.approx(served.spans(question, [SENTENCE])[0].score, abs=1e-4)


def test_the_readers_span_threshold_is_saved_and_loaded(tmp_path):
    import json

    from physlit.ml.reader import SENTENCE_FEATURES, SPAN_FEATURES, Idf, Mlp, Reader, ReaderConfig, mlp_module

    reader = Reader(
        ReaderConfig(),
        Idf.fit([SENTENCE, OTHER]),
        sentence=Mlp.from_module(mlp_module(SENTENCE_FEATURES, 32)),
        span=Mlp.from_module(mlp_module(SPAN_FEATURES, 16)),
    )
    reader.save(tmp_path, {})
    assert Reader.load(tmp_path).span_threshold is None  # no span model, no span threshold
    reader.span_threshold = 2.5
    reader.save(tmp_path, {})
    assert Reader.load(tmp_path).span_threshold == 2.5
    # a folder written before span thresholds existed loads without one
    meta = json.loads((tmp_path / "reader.json").read_text())
    del meta["span_threshold"]
    (tmp_path / "reader.json").write_text(json.dumps(meta))
    assert Reader.load(tmp_path).span_threshold is None


def test_a_question_longer_than_the_model_reads_still_trains(tiny_bert):
    """A pseudo-question can outgrow max_length on its own (long formulas): the pair is truncated from the
    longer side instead of failing the training run."""
    device = device_pick("cpu")
    model, tokenizer = model_load(tiny_bert, device, attention_dropout=0.0)
    question = "What " + " ".join(f"$x_{i}^{{2}}$" for i in range(40)) + " do six lenses give?"
    config = asp.AnswerSpanConfig(batch_size=2, max_length=24, warmup_steps=1)
    _, stats = asp.answer_span_fit(
        model, tokenizer, [(question, SENTENCE, HUBBLE), EXAMPLES[2]], device=device, config=config,
        log=lambda _: None,
    )  # fmt: skip
    assert stats["steps"] == 1
