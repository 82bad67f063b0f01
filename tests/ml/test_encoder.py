"""physlit.ml.encoder with real models: the packaged all-MiniLM-L6-v2 and the tiny BERT of conftest."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from physlit.ml import encoder as enc  # noqa: E402

PHYSICS = [
    enc.paper_text(
        "Entanglement entropy of black holes from the replica trick",
        "We compute the von Neumann entropy of Hawking radiation using replica wormholes in "
        "Jackiw-Teitelboim gravity and reproduce the Page curve of an evaporating black hole.",
    ),
    enc.paper_text(
        "Topological superconductivity in proximitized nanowires",
        "Majorana zero modes are predicted at the ends of semiconductor nanowires with strong spin-orbit "
        "coupling in contact with an s-wave superconductor. We study the effect of disorder on the "
        "topological gap and the zero-bias conductance peak.",
    ),
    enc.paper_text("Dark matter direct detection", "Limits on WIMP-nucleon cross sections from xenon."),
    enc.paper_text(
        "Quantum error correction with surface codes",
        "We report the threshold of the surface code under circuit-level depolarizing noise and estimate "
        "the number of physical qubits required for fault-tolerant quantum computation. " * 3,
    ),
    enc.paper_text(
        "Gravitational waves from binary neutron star mergers",
        "The tidal deformability inferred from GW170817 constrains the equation of state of dense matter.",
    ),
    enc.paper_text("Lattice QCD", "Hadron masses from first principles."),
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def int8(cache_dir: Path) -> enc.Encoder:
    return enc.get_encoder(backend="onnx-int8", cache_dir=cache_dir)


@pytest.fixture(scope="module")
def reference() -> enc.Encoder:
    return enc.get_encoder(backend="torch")


def test_paper_text_is_title_full_stop_abstract_with_whitespace_collapsed():
    assert (
        enc.paper_text("On  spin\n chains", "  We study\n  spin chains. ")
        == "On spin chains. We study spin chains."
    )
    assert enc.paper_text("Is it dark matter?", "No.") == "Is it dark matter? No."
    assert enc.paper_text("", "Only an abstract.") == "Only an abstract."


def test_importing_the_encoder_module_loads_no_ml_library():
    code = (
        "import sys, physlit.ml.encoder\n"
        "heavy = [m for m in ('torch', 'onnxruntime', 'transformers', 'sentence_transformers', 'faiss')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


@pytest.mark.slow
def test_encode_returns_unit_norm_float32_rows_of_the_model_dimension(int8):
    out = int8.encode(PHYSICS, batch_size=4)
    assert (int8.name, int8.backend, int8.dim) == (enc.DEFAULT_MODEL_NAME, "onnx-int8", 384)
    assert out.shape == (len(PHYSICS), 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert int8.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_encode_returns_rows_in_input_order_after_sorting_by_length(int8, cache_dir):
    fp32 = enc.get_encoder(backend="onnx", cache_dir=cache_dir)  # exact per row, unlike int8's batch scales
    texts = [PHYSICS[2], PHYSICS[3], PHYSICS[5], PHYSICS[0], PHYSICS[4], PHYSICS[1]]  # lengths shuffled
    together = fp32.encode(texts, batch_size=2)
    one_by_one = np.vstack([fp32.encode([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)


@pytest.mark.slow
def test_onnx_int8_agrees_with_sentence_transformers_fp32(int8, reference, cache_dir):
    expected = reference.encode(PHYSICS)
    assert np.min(np.sum(int8.encode(PHYSICS) * expected, axis=1)) >= 0.98
    fp32 = enc.get_encoder(backend="onnx", cache_dir=cache_dir)
    assert np.min(np.sum(fp32.encode(PHYSICS) * expected, axis=1)) >= 0.9999


@pytest.mark.slow
def test_torch_bf16_agrees_with_sentence_transformers_fp32(reference):
    bf16 = enc.get_encoder(backend="torch-bf16")
    assert (bf16.backend, bf16.dim, bf16.fingerprint) == ("torch-bf16", 384, reference.fingerprint)
    out = bf16.encode(PHYSICS, batch_size=4)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(out * reference.encode(PHYSICS), axis=1)) >= 0.999


def test_auto_backend_without_native_bf16_is_onnx_int8_unmeasured(tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setattr(enc, "bf16_native", lambda: False)
    assert enc.fast_backend(tmp_path / "cache", tiny_bert) == "onnx-int8"
    assert not (tmp_path / "cache" / "backend-choice.json").exists()
    with pytest.raises(ValueError, match="unknown encoder backend 'fp8'"):
        enc.get_encoder(tiny_bert, backend="fp8")


def test_auto_backend_is_measured_once_per_machine(tiny_bert, tmp_path, monkeypatch):
    # Where bf16 is native both candidates are timed (any CPU runs torch-bf16, emulated or not).
    monkeypatch.setattr(enc, "bf16_native", lambda: True)
    cache = tmp_path / "cache"
    auto = enc.get_encoder(tiny_bert, backend="auto", cache_dir=cache)
    record_path = cache / "backend-choice.json"
    record = json.loads(record_path.read_text())
    speeds = record["papers_per_s"]
    assert set(speeds) == {"onnx-int8", "torch-bf16"} and min(speeds.values()) > 0
    assert auto.backend == record["backend"] == max(speeds, key=speeds.get)
    # Remembered: the recorded choice is reused without timing again ...
    other = "onnx-int8" if record["backend"] == "torch-bf16" else "torch-bf16"
    record_path.write_text(json.dumps({**record, "backend": other}))
    assert enc.fast_backend(cache, tiny_bert) == other
    # ... until the machine (CPU, cores or library versions) is another one.
    record_path.write_text(json.dumps({**record, "key": "another machine", "backend": other}))
    assert enc.fast_backend(cache, tiny_bert) in speeds
    assert json.loads(record_path.read_text())["key"] != "another machine"


def test_bf16_batches_hold_a_bounded_number_of_tokens(tiny_bert, tmp_path):
    # A copy: the loaded encoder is cached by path and this test changes its token budget.
    model_dir = shutil.copytree(tiny_bert, tmp_path / "tiny-bert")
    bf16 = enc.get_encoder(model_dir, backend="torch-bf16")
    lengths = np.array([10, 200, 40, 256, 40, 12, 12, 12])
    bf16._max_batch_tokens = 512
    batches = list(bf16._batches(lengths, batch_size=4))
    assert [lengths[b].tolist() for b in batches] == [[256, 200], [40, 40, 12, 12], [12, 10]]
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))


@pytest.mark.slow
def test_second_load_reuses_the_exported_files(int8, cache_dir):
    files = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in int8.artifact.parent.iterdir()}
    assert {p.name for p in files} == {"model.onnx", "model-int8.onnx", "meta.json"}  # no temp files left
    name = int8.artifact.parent.name
    assert name.startswith(f"sentence-transformers--all-MiniLM-L6-v2-{int8.fingerprint}-")
    # A faster export recipe writes new files but keeps the fingerprint, so built indexes stay current.
    assert int8.fingerprint == "3071e683fc86"
    enc.get_encoder.cache_clear()
    again = enc.get_encoder(backend="onnx-int8", cache_dir=cache_dir)
    assert again is not int8 and again.artifact == int8.artifact
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in int8.artifact.parent.iterdir()} == files


def test_a_tiny_bert_exports_to_onnx_and_encodes_like_torch(tiny_bert, tmp_path):
    import onnx
    import torch
    from transformers import AutoModel, AutoTokenizer

    model_dir = tiny_bert
    texts = ["black hole entropy", "the mass of a gauge field in quantum theory is", "spin"]
    tiny = enc.get_encoder(model_dir, backend="onnx", cache_dir=tmp_path / "cache")
    assert (tiny.name, tiny.dim, tiny.max_seq_length) == (tiny_bert.name, 32, 256)  # MiniLM's sentence config
    assert tiny.artifact.parent.parent == tmp_path / "cache"
    ops = {node.op_type for node in onnx.load(tiny.artifact).graph.node}
    assert "LayerNormalization" in ops and "SkipLayerNormalization" not in ops  # slow on CPU: EXPORT_RECIPE

    tokenizer, model = AutoTokenizer.from_pretrained(model_dir), AutoModel.from_pretrained(model_dir)
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"][..., None].float()
    expected = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
    np.testing.assert_allclose(tiny.encode(texts, batch_size=2), expected, atol=1e-5)

    quantized = enc.get_encoder(model_dir, backend="onnx-int8", cache_dir=tmp_path / "cache")
    assert quantized.artifact.parent == tiny.artifact.parent
    assert quantized.encode(texts).shape == (3, 32)

    bf16 = enc.get_encoder(model_dir, backend="torch-bf16")  # the same weights in bfloat16, same pooling
    assert bf16.fingerprint == tiny.fingerprint
    assert np.min(np.sum(bf16.encode(texts, batch_size=2) * expected, axis=1)) >= 0.99


def test_quantizing_writes_nothing_beside_its_source(tiny_bert, tmp_path):
    # Web workers starting together may quantize the same export at once: onnxruntime's shape inference
    # would write (and remove) <source>-inferred.onnx, which another process may be using.
    fp32 = enc.get_encoder(tiny_bert, backend="onnx", cache_dir=tmp_path / "cache").artifact
    (fp32.parent / "model-inferred.onnx").mkdir()  # in the way of a write beside the source
    enc._quantize_int8(fp32, tmp_path / "model-int8.onnx")
    assert (tmp_path / "model-int8.onnx").is_file()
    assert not list((fp32.parent / "model-inferred.onnx").iterdir())


def test_pooling_and_length_come_from_the_sentence_transformers_config(tmp_path):
    root = tmp_path / "st-model"
    (root / "1_Pooling").mkdir(parents=True)
    (root / "modules.json").write_text(
        '[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},'
        ' {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]'
    )
    (root / "1_Pooling" / "config.json").write_text(
        '{"word_embedding_dimension": 48, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}'
    )
    (root / "sentence_bert_config.json").write_text('{"max_seq_length": 128, "do_lower_case": true}')
    (root / "config.json").write_text('{"hidden_size": 48, "max_position_embeddings": 512}')
    spec = enc.model_spec(root, max_seq_length=100)
    assert (spec.pooling, spec.dim, spec.max_seq_length, spec.do_lower_case) == ("cls", 48, 100, True)
    assert enc.model_spec(root).max_seq_length == 128

    packaged = enc.model_spec()
    assert (packaged.name, packaged.pooling, packaged.max_seq_length) == (enc.DEFAULT_MODEL_NAME, "mean", 256)


def _real_texts(shared: Path, n: int = 300) -> list[str]:
    """Abstracts (title. abstract, some longer than max_seq_length) and questions (English, Chinese)."""
    import json

    texts = []
    with (shared / "data" / "arxiv-physics-3k.jsonl").open(encoding="utf-8") as f:
        for line, _ in zip(f, range(n)):
            row = json.loads(line)
            texts.append(enc.paper_text(row["title"], row["abstract"]))
    for name in ("dev-questions.jsonl", "dev-questions-zh.jsonl"):
        path = shared / "eval" / name
        if path.is_file():
            texts += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines()]
    return texts + ["", "   ", "Schrödinger’s cat at 10^{-6} K: ΛCDM vs. MOND?", "x" * 3000]


def test_the_onnx_tokenizer_gives_the_token_ids_of_transformers_autotokenizer(shared_dir):
    # Serving tokenizes with `tokenizers` alone (no transformers import); it must be the same tokenization.
    from transformers import AutoTokenizer

    spec = enc.model_spec()
    texts = _real_texts(shared_dir)
    expected = AutoTokenizer.from_pretrained(spec.transformer_dir)(
        texts, truncation=True, max_length=spec.max_seq_length
    )
    got = enc.fast_tokenizer(spec).encode_batch(texts)
    assert [e.ids for e in got] == expected["input_ids"]
    assert [e.type_ids for e in got] == expected["token_type_ids"]
    assert [e.attention_mask for e in got] == expected["attention_mask"]
    assert max(len(e.ids) for e in got) == spec.max_seq_length  # long abstracts are truncated


@pytest.mark.slow
def test_onnx_embeddings_are_those_of_autotokenizer_ids(shared_dir, cache_dir):
    from transformers import AutoTokenizer

    fp32 = enc.get_encoder(backend="onnx", cache_dir=cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(enc.model_spec().transformer_dir)
    texts = _real_texts(shared_dir, n=12)[:16]
    for text in texts:  # one by one: the same padding on both sides, so the same floats
        tokens = tokenizer([text], truncation=True, max_length=fp32.max_seq_length, return_tensors="np")
        feeds = {k: v.astype(np.int64) for k, v in tokens.items()}
        expected = enc._pool_normalize(fp32._forward(feeds), feeds["attention_mask"], "mean")
        np.testing.assert_array_equal(fp32.encode([text]), expected)
