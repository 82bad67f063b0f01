"""Query encoder: the index's encoder distilled to fewer layers embeds queries. A tiny real encoder is
distilled on the corpus, saved and exported; once promoted it serves queries, and only against an index
built by the encoder it was distilled from."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from physlit.ml import encoder_training as et
from physlit.registry.current import slots_reset
from physlit.registry.models import ModelVersion
from physlit.search import service
from physlit.search.build import index_build
from physlit.search.encoding import encoder_for_index, query_encoder_for, query_reference
from physlit.search.models import SearchIndex
from physlit.training.services import model_train, promotion_request, rollback_request


@pytest.fixture
def distil_settings(adapt_settings):
    adapt_settings.PHYSLIT_QUERY_ENCODER_LAYERS = 1
    adapt_settings.PHYSLIT_QUERY_ENCODER_VALIDATION_PAIRS = 8
    return adapt_settings


def bert(layers: int):
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=100, hidden_size=16, num_hidden_layers=layers, num_attention_heads=2, intermediate_size=32
    )
    return BertModel(config).eval()


def test_student_keeps_evenly_spaced_layers_first_and_last():
    teacher = bert(6)
    student, kept = et.student_from(teacher, 3)
    assert kept == [0, 2, 5] and len(student.encoder.layer) == 3 and student.config.num_hidden_layers == 3
    assert torch.equal(
        student.encoder.layer[1].output.dense.weight, teacher.encoder.layer[2].output.dense.weight
    )
    assert len(teacher.encoder.layer) == 6  # the teacher is untouched
    assert et.student_from(teacher, 8)[1] == list(range(6))
    assert et.student_from(teacher, 1)[1] == [0]
    with pytest.raises(ValueError, match="BERT-style"):
        et.student_from(torch.nn.Linear(2, 2), 1)


@pytest.mark.slow
def test_distillation_brings_the_student_towards_the_teacher(tiny_bert):
    device = torch.device("cpu")
    teacher, tokenizer = et.model_load(tiny_bert, device)
    torch.manual_seed(1)
    with torch.no_grad():  # a last layer that matters, so the one-layer student starts off the teacher
        for p in teacher.encoder.layer[1].parameters():
            p.add_(torch.randn_like(p) * 0.5)
    texts = et.query_texts(
        [("Black hole entropy", "Horizons have entropy. It scales with area. Strings count it.")] * 4
        + [("Surface codes", "Qubits decohere. Codes protect them. Thresholds exist.")] * 4,
        seed=0,
    )
    assert len(texts) == 24 and "Black hole entropy" in texts
    assert sum(t.endswith("?") for t in texts) == 8  # one question a paper
    targets = et.texts_embed(teacher, tokenizer, texts, device=device)
    student, _ = et.student_from(teacher, 1)
    pairs = [(t, t) for t in texts]
    before = et.query_metrics(student, tokenizer, pairs, targets, targets, device=device)
    config = et.DistillConfig(layers=1, batch_size=8, learning_rate=1e-3, warmup_steps=1, epochs=20)
    stats = et.distill_train(
        student, tokenizer, texts, targets, device=device, config=config, log=lambda _: None
    )
    after = et.query_metrics(student, tokenizer, pairs, targets, targets, device=device)
    assert stats.steps == 60 and stats.examples == 480
    assert before["cosine_to_teacher"] < 0.95
    assert after["cosine_to_teacher"] > before["cosine_to_teacher"] + 0.02


def test_question_framing_keeps_the_words_and_asks():
    import random

    rng = random.Random(0)
    question = et.question_framed("Quantum spin liquids in kagome magnets.", rng)
    assert question.endswith("quantum spin liquids in kagome magnets?")
    assert question.split()[0] in {o.split()[0] for o in et._QUESTION_OPENINGS}
    assert et.question_framed("QCD at finite density", rng).endswith(" QCD at finite density?")


@pytest.mark.slow
def test_a_distilled_query_encoder_serves_queries_of_its_teachers_index_once_promoted(
    distil_settings, adapt_corpus, monkeypatch
):
    row = index_build()
    lines: list[str] = []
    version = model_train(kind="query-encoder", max_minutes=5, log=lines.append)

    # Training never makes it current: it trades retrieval quality for speed, so a user opts in.
    assert version.status == ModelVersion.Status.CANDIDATE and version.base == row.encoder
    assert query_reference(row) == row.encoder
    assert version.metrics["teacher_fingerprint"] == row.encoder_fingerprint
    assert version.metrics["layers_kept"] == [0] and version.metrics["validation_pairs"] == 4
    assert version.train_examples == 84  # title, one sentence, one question for each of 28 training papers
    questions = version.metrics["questions"]
    assert version.score == questions["new"]["MRR@10"]
    assert version.baseline_score == questions["teacher"]["MRR@10"]
    assert set(questions) == {"teacher", "untrained", "new"} and "MRR@10" in version.metrics["new"]
    assert any("cosine to teacher" in line for line in lines)
    saved = json.loads((Path(version.path) / "physlit_training.json").read_text())
    assert saved["metrics"]["layers_kept"] == [0]

    # Promoted, search embeds queries with the student (ONNX int8 export made at training), index unchanged.
    assert promotion_request(version.pk).status == ModelVersion.Status.CURRENT
    assert query_reference(row) == version.path
    slots_reset()
    assert service.papers_search(query="black hole entropy", k=3, mode="dense")
    assert service.index_loaded().query_encoder == version.path
    student = encoder_for_index(row, version.path)
    teacher = encoder_for_index(row)
    assert student.artifact.is_file() and student.dim == teacher.dim
    assert student.fingerprint != teacher.fingerprint
    query = student.encode(["black hole entropy"])
    assert np.allclose(np.linalg.norm(query, axis=1), 1.0, atol=1e-4)
    # A pasted abstract is longer than anything the student learned from: the full encoder embeds it.
    abstract = " ".join(["entropy"] * 60)
    assert query_encoder_for(row, version.path, "black hole entropy") == version.path
    assert query_encoder_for(row, version.path, abstract) == row.encoder
    embedded_by = []
    real = service.encoder_for_index
    monkeypatch.setattr(
        service, "encoder_for_index", lambda r, ref=None: embedded_by.append(ref) or real(r, ref)
    )
    assert service.papers_search(query=abstract, k=3, mode="hybrid")
    assert service.papers_search(query="black hole entropy", k=3, mode="hybrid")
    assert embedded_by == [row.encoder, version.path]

    # An index built by another encoder ignores it; rolling it back returns queries to the teacher.
    other = SearchIndex(encoder="another-encoder", encoder_fingerprint="not-the-teacher")
    assert query_reference(other) == "another-encoder"
    assert rollback_request("query-encoder") is None
    assert query_reference(row) == row.encoder


def test_training_a_query_encoder_needs_an_index(distil_settings, adapt_corpus):
    from physlit.registry.services import RegistryError

    with pytest.raises(RegistryError, match="build_index"):
        model_train(kind="query-encoder", max_minutes=5, log=lambda _: None)
