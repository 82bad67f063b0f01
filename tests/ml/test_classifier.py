"""The category classifier's model code: label cleaning, metrics, a few real training steps on a tiny BERT,
saving, and serving through ONNX int8 without torch in the loop."""

import numpy as np
import pytest

from physlit.ml import classifier as cl
from physlit.ml.encoder_training import model_load
from physlit.ml.training import device_pick, seed_everything


def test_only_arxiv_categories_are_labels():
    tokens = [
        "hep-th",
        "85A40,",
        "gr-qc",
        "J.2;",
        "(Primary)",
        "Astronomy",
        "astro-ph.CO",
        "hep-th",
        "math.MP",
    ]
    assert cl.categories_clean(tokens) == ["hep-th", "gr-qc", "astro-ph.CO", "math.MP"]
    assert cl.archive_of("astro-ph.CO") == "astro-ph" and cl.archive_of("gr-qc") == "gr-qc"
    assert cl.labels_make([["a-x"], ["hep-th", "gr-qc"], ["hep-th"]], min_count=2) == ["hep-th"]


def test_metrics_score_the_primary_and_skip_unknown_cross_lists():
    labels = ["astro-ph.CO", "astro-ph.GA", "gr-qc", "quant-ph"]
    probabilities = np.array(
        [
            [0.9, 0.2, 0.6, 0.0],  # astro-ph.CO primary, gr-qc cross-list: both said
            [0.1, 0.8, 0.0, 0.0],  # gold astro-ph.CO: wrong category, right archive
            [0.0, 0.0, 0.3, 0.7],  # quant-ph alone: its cross-lists are not scored
        ]
    )
    gold = [["astro-ph.CO", "gr-qc"], ["astro-ph.CO"], ["quant-ph"]]
    m = cl.classification_metrics(probabilities, labels, gold)
    assert m["archive_top1"] == 1.0 and m["archive_top3_recall"] == 1.0
    assert m["category_top1"] == pytest.approx(2 / 3)
    # astro-ph.CO: tp 1, fn 1 -> 2/3; quant-ph: 1
    assert m["category_macro_f1"] == pytest.approx((2 / 3 + 1) / 2)
    # papers 1-2: said {CO, gr-qc} + {GA}, listed {CO, gr-qc} + {CO}: tp 2, fp 1, fn 1
    assert m["cross_list_f1"] == pytest.approx(4 / 6)


def test_a_few_training_steps_learn_the_categories_and_serve_through_onnx(tiny_bert, tmp_path):
    papers = [
        ("Black hole entropy and holography in AdS/CFT", ["hep-th", "gr-qc"]),
        ("Surface codes and logical qubits for fault-tolerant quantum computing", ["quant-ph"]),
        ("Galaxy clusters and the cosmic microwave background lensing", ["astro-ph.CO"]),
    ] * 8
    labels = cl.labels_make([c for _, c in papers], min_count=1)
    device = device_pick("cpu")
    seed_everything(0)
    model, tokenizer = model_load(tiny_bert, device)
    config = cl.ClassifierConfig(
        batch_size=6, epochs=6, learning_rate=1e-3, head_learning_rate=5e-2, warmup_steps=1
    )
    head, stats = cl.classifier_fit(
        model, tokenizer, papers, labels, device=device, config=config, log=lambda _: None
    )
    assert stats["steps"] == 24 and head["weight"].shape == (len(labels), 32)

    folder = tmp_path / "classifier"
    folder.mkdir()
    cl.classifier_save(folder, model, tokenizer, tiny_bert, head, labels, metadata={"max_length": 64})
    served = cl.classifier_load(folder, backend="onnx-int8", cache_dir=tmp_path / "onnx")
    assert served.labels == labels
    texts = [t for t, _ in papers[:3]]
    probabilities = served.predict(texts)
    assert probabilities.shape == (3, len(labels)) and ((probabilities >= 0) & (probabilities <= 1)).all()
    tops = [served.suggest(t, top=2) for t in texts]
    assert [t[0][0] for t in tops] == ["hep-th", "quant-ph", "astro-ph.CO"]
    assert tops[0][0][1] >= tops[0][1][1]  # most probable first


def test_the_prior_shift_restores_the_corpus_frequencies_a_capped_sample_hid():
    corpus = ["quant-ph"] * 90 + ["gr-qc"] * 10
    sample = ["quant-ph"] * 10 + ["gr-qc"] * 10
    shift = cl.prior_shift(corpus, sample, ["gr-qc", "quant-ph"])
    # add-one smoothed shares: gr-qc 11/102 vs 11/22, quant-ph 91/102 vs 11/22
    assert shift == pytest.approx([np.log(11 / 102) - np.log(11 / 22), np.log(91 / 102) - np.log(11 / 22)])
    assert shift[1] > 0 > shift[0]


LEXICAL_PAPERS = [
    ("Black hole entropy and holography in AdS/CFT with string theory", "hep-th"),
    ("String theory compactifications and holography of black holes", "hep-th"),
    ("Surface codes and logical qubits for fault-tolerant quantum computing", "quant-ph"),
    ("Entanglement of qubits in quantum error correction codes", "quant-ph"),
    ("Galaxy clusters and the cosmic microwave background lensing", "astro-ph.CO"),
    ("Weak lensing of galaxy clusters constrains dark matter", "astro-ph.CO"),
] * 3


def test_the_lexical_model_in_numpy_gives_scikit_learns_probabilities(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, primaries = [t for t, _ in LEXICAL_PAPERS], [p for _, p in LEXICAL_PAPERS]
    labels = ["astro-ph.CO", "gr-qc", "hep-th", "quant-ph"]  # gr-qc: a label without papers
    lexical = cl.lexical_fit(texts, primaries, labels)
    lexical.save(tmp_path)
    loaded = cl.Lexical.load(tmp_path)
    queries = ["Holography of black holes", "Lensing by galaxy clusters", "qubits, qubits and codes", "zzz"]
    ours = loaded.proba(queries)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, max_features=100_000, sublinear_tf=True)
    model = LogisticRegression(C=10.0, max_iter=100).fit(vectorizer.fit_transform(texts), primaries)
    theirs = model.predict_proba(vectorizer.transform(queries))
    columns = [labels.index(c) for c in model.classes_]
    np.testing.assert_allclose(ours[:, columns], theirs, atol=1e-4)
    assert (ours[:, labels.index("gr-qc")] < 1e-9).all()
    assert [labels[i] for i in ours[:3].argmax(axis=1)] == ["hep-th", "astro-ph.CO", "quant-ph"]
    assert cl.Lexical.load(tmp_path / "elsewhere") is None  # an older classifier folder has none


def test_fusion_is_the_mean_of_the_logits():
    transformer = np.array([[0.9, 0.2, 0.5]], np.float32)
    lexical = np.array([[0.5, 0.2, 0.1]], np.float32)
    fused = cl.fuse_probabilities(transformer, lexical)
    logit = np.log(transformer / (1 - transformer)) / 2 + np.log(lexical / (1 - lexical)) / 2
    np.testing.assert_allclose(fused, 1 / (1 + np.exp(-logit)), rtol=1e-5)
    assert fused[0, 1] == pytest.approx(0.2)  # two experts that agree keep their probability
    assert fused[0, 0] > 0.5 > fused[0, 2]  # the transformer's 0.9 tempered by the lexical 0.5
