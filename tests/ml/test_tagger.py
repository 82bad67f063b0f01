"""The results tagger's model code: BIO labels from character spans and back, a few real training steps on a
tiny BERT, saving, and serving through ONNX with character offsets; span scoring."""

import pytest

from physlit.ml import tagger as tg
from physlit.ml.encoder import fast_tokenizer, model_spec, packaged_model_path
from physlit.ml.encoder_training import model_load
from physlit.ml.training import device_pick, seed_everything

TEXT = "We measure a dust mass of 10^6 M_sun and find sigma_8 < 0.81 at high redshift."
SPANS = [
    ("quantity", 13, 22),  # dust mass
    ("value:measurement", 26, 30),  # 10^6
    ("unit", 31, 36),  # M_sun
    ("quantity", 46, 53),  # sigma_8
    ("value:upper_bound", 56, 60),  # 0.81
]


def offsets_of(text):
    tokenizer = fast_tokenizer(model_spec(packaged_model_path()))
    encoding = tokenizer.encode(text)
    return [(0, 0) if s else o for o, s in zip(encoding.offsets, encoding.special_tokens_mask)]


def test_spans_survive_the_round_trip_through_token_labels():
    assert [TEXT[s:e] for _, s, e in SPANS] == ["dust mass", "10^6", "M_sun", "sigma_8", "0.81"]
    offsets = offsets_of(TEXT)
    labels = tg.token_labels(offsets, SPANS)
    assert labels[0] == -100 and labels[-1] == -100  # [CLS], [SEP]: ignored by the loss
    assert sum(1 for x in labels if x > 0 and tg.LABELS[x].startswith("B-")) == len(SPANS)
    assert tg.spans_decode(offsets, [max(x, 0) for x in labels], TEXT) == SPANS


def test_span_scores_count_overlaps_once():
    gold = [[("value:measurement", 10, 14), ("value:upper_bound", 20, 24), ("unit", 15, 18)]]
    predicted = [[("value:measurement", 11, 13), ("value:measurement", 12, 14), ("value:prediction", 30, 33)]]
    scores = tg.span_scores(predicted, gold, "value")
    assert scores["predicted"] == 3 and scores["gold"] == 2
    assert scores["precision"] == pytest.approx(1 / 3) and scores["recall"] == pytest.approx(1 / 2)


def test_a_few_training_steps_learn_to_tag_values_and_serve_through_onnx(tiny_bert, tmp_path):
    examples = [
        (TEXT, SPANS),
        (
            "The critical temperature is 92 K in our samples.",
            [("quantity", 4, 24), ("value:measurement", 28, 30), ("unit", 31, 32)],
        ),
        ("We discuss the geometry of moduli spaces.", []),
    ] * 12
    device = device_pick("cpu")
    seed_everything(0)
    model, tokenizer = model_load(tiny_bert, device)
    config = tg.TaggerConfig(
        batch_size=6, epochs=8, learning_rate=2e-3, head_learning_rate=5e-2, warmup_steps=1
    )
    head, stats = tg.tagger_fit(model, tokenizer, examples, device=device, config=config, log=lambda _: None)
    assert stats["steps"] == 48 and head["weight"].shape == (len(tg.LABELS), 32)

    folder = tmp_path / "tagger"
    folder.mkdir()
    tg.tagger_save(folder, model, tokenizer, tiny_bert, head, metadata={"base": str(tiny_bert)})
    served = tg.tagger_load(folder, backend="onnx", cache_dir=tmp_path / "onnx")
    texts = [examples[0][0], examples[1][0], examples[2][0]]
    spans = served.spans(texts)
    assert spans[2] == []  # no result in a sentence without numbers
    assert ("value:measurement", 28, 30) in spans[1]
    found = {texts[0][s:e] for t, s, e in spans[0] if t.startswith("value")}
    assert found == {"10^6", "0.81"}
    # the precision/recall knob: a value span is kept only when its tokens are that sure of being a value
    assert served.spans(texts, min_value_probability=0.0) == spans
    unsure = served.spans(texts, min_value_probability=1.01)
    assert not any(t.startswith("value") for text_spans in unsure for t, _, _ in text_spans)
    assert [sp for sp in unsure[0]] == [sp for sp in spans[0] if not sp[0].startswith("value")]


def test_a_backend_without_token_states_is_refused(tiny_bert, tmp_path):
    import numpy as np

    folder = tmp_path / "tagger"
    (folder / "encoder").mkdir(parents=True)
    import shutil

    shutil.copytree(tiny_bert, folder / "encoder", dirs_exist_ok=True)
    np.savez(folder / "head.npz", weight=np.zeros((len(tg.LABELS), 32)), bias=np.zeros(len(tg.LABELS)))
    with pytest.raises(ValueError, match="no token states"):
        tg.tagger_load(folder, backend="torch", cache_dir=tmp_path / "onnx")
