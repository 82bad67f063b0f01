"""Encoder adaptation (stage: train): contrastive fine-tuning of a sentence-transformers encoder on corpus
pairs (a paper's title or one abstract sentence -> the rest of the paper), with in-batch negatives.

Input: (query, document) text pairs and a base model folder. Output: a sentence-transformers folder that
physlit.ml.encoder.get_encoder(model=folder) loads, plus held-out retrieval metrics. No Django here; the
GPU benchmark (bench/gpu_encoder_adapt.py) runs this very module on a machine without Django.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from physlit.ml.training import TrainProgress

# sentence-transformers files that describe pooling/normalisation; copied unchanged from the base.
_ST_FILES = ("modules.json", "config_sentence_transformers.json", "sentence_bert_config.json")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z$(\\])")


# Papers held out of training for validation: a fixed slice by a hash of the arXiv id, so every run (and
# every version being compared) is scored on the same papers and never trained on them.
VALIDATION_PERCENT = 2


def held_out(arxiv_id: str) -> bool:
    return int(hashlib.sha1(arxiv_id.encode()).hexdigest()[:8], 16) % 100 < VALIDATION_PERCENT


@dataclass
class ContrastiveConfig:
    batch_size: int = 32
    learning_rate: float = 2e-5
    warmup_steps: int = 50
    weight_decay: float = 0.01
    scale: float = 20.0  # cosine similarities are multiplied by this before the softmax (as MNRL does)
    query_max_length: int = 64
    doc_max_length: int = 128  # training truncation; the saved model keeps the base's serving length
    symmetric: bool = True  # also match each document to its query among the batch's queries
    sentence_queries: float = 0.5  # share of pairs whose query is an abstract sentence instead of the title
    word_gap: float = 0.0  # share of pairs whose document loses every word it shares with the query
    epochs: int = 1  # passes over the pairs (each in a new order) at most, if the budget allows
    seed: int = 0


@dataclass
class TrainStats:
    steps: int = 0
    examples: int = 0
    seconds: float = 0.0
    final_loss: float | None = None
    device: str = ""
    config: dict = field(default_factory=dict)


def paper_pairs(
    papers: Sequence[tuple[str, str]], *, sentence_queries: float = 0.5, word_gap: float = 0.0, seed: int = 0
) -> list[tuple[str, str]]:
    """(title, abstract) per paper -> one (query, document) pair per paper.

    The query is the title, or (with probability `sentence_queries`, when the abstract has 3+ sentences)
    one abstract sentence, the document then being the title and the other sentences. Sentence queries
    teach the encoder to match a statement in other words to the paper, as a user's question does.
    With probability `word_gap` the document then loses every word of 4+ letters it shares with the query
    (without_words_of): query and document share no content word, as when a user asks in words the paper
    does not use, so only meaning can match them.
    """
    rng = random.Random(seed)
    pairs = []
    for title, abstract in papers:
        title, abstract = " ".join(title.split()), " ".join(abstract.split())
        if not title or not abstract:
            continue
        sentences = _SENTENCE_END.split(abstract)
        if len(sentences) >= 3 and rng.random() < sentence_queries:
            i = rng.randrange(len(sentences))
            rest = " ".join(sentences[:i] + sentences[i + 1 :])
            query, document = sentences[i], f"{title}. {rest}"
        else:
            query, document = title, abstract
        if word_gap and rng.random() < word_gap:
            document = without_words_of(document, query)
        pairs.append((query, document))
    return pairs


_WORD = re.compile(r"[A-Za-z][A-Za-z\-]{3,}")


def without_words_of(text: str, query: str) -> str:
    """`text` without its words of 4+ letters that share their first five letters (a crude stem) with a
    word of `query`: "Entangled states" loses "entanglement" and "states" from "entanglement of states"."""
    stems = {w.lower()[:5] for w in _WORD.findall(query)}
    kept = _WORD.sub(lambda m: "" if m.group(0).lower()[:5] in stems else m.group(0), text)
    return " ".join(kept.split())


def _transformer_dir(root: Path) -> Path:
    modules = root / "modules.json"
    if modules.is_file():
        for module in json.loads(modules.read_text()):
            if module["type"].endswith("Transformer"):
                return root / module.get("path", "")
    return root


def model_load(root: Path, device, *, attention_dropout: float | None = None):
    """(model, tokenizer) of the transformer inside a sentence-transformers folder, fp32 on `device`.

    attention_dropout: replaces the config's attention dropout for training. On CPU, PyTorch's fused
    attention (SDPA) has no kernel for dropout inside attention and falls back to a slow one: 0.0 made
    MiniLM's training steps 2.15x faster at 384 tokens on 2 cores (bench/train_speed.py)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = _transformer_dir(Path(root))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    extra = {} if attention_dropout is None else {"attention_probs_dropout_prob": attention_dropout}
    model = AutoModel.from_pretrained(folder, dtype=torch.float32, **extra).to(device)
    return model, tokenizer


def _bf16_autocast(device) -> bool:
    """Mixed precision pays where bf16 runs in hardware: CUDA, or a CPU with AMX / AVX512-BF16."""
    from physlit.ml.encoder import bf16_native

    return device.type == "cuda" or (device.type == "cpu" and bf16_native())


def _embed(model, tokenizer, texts: Sequence[str], max_length: int, device, *, amp: bool = False):
    """texts (n,) -> (n, dim) float32 torch tensor of unit rows (mean pooling over real tokens); `amp`:
    bf16 autocast where the hardware has it (training only: scoring here stays fp32)."""
    import torch

    batch = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    batch = {k: v.to(device) for k, v in batch.items()}
    mixed = amp and _bf16_autocast(device)
    with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=mixed):
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled.float(), dim=-1)


def texts_embed(
    model, tokenizer, texts: Sequence[str], *, device, max_length: int = 256, batch_size: int = 64
) -> np.ndarray:
    """texts (n,) -> (n, dim) float32 numpy, unit rows; inference mode, in input order."""
    import torch

    model.eval()
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # similar lengths share a batch
    out = np.empty((len(texts), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = _embed(model, tokenizer, [texts[i] for i in rows], max_length, device).cpu().numpy()
    return out


def retrieval_metrics(
    model, tokenizer, pairs: Sequence[tuple[str, str]], *, device, doc_max_length: int = 256
) -> dict[str, float]:
    """Each query's own document among all the pairs' documents: Recall@1, Recall@10 and MRR@10."""
    queries = texts_embed(model, tokenizer, [q for q, _ in pairs], device=device, max_length=64)
    docs = texts_embed(model, tokenizer, [d for _, d in pairs], device=device, max_length=doc_max_length)
    return rank_metrics(queries, docs)


def rank_metrics(queries: np.ndarray, docs: np.ndarray) -> dict[str, float]:
    """Row i of `queries` should find row i of `docs` (unit rows): Recall@1, Recall@10, MRR@10."""
    scores = queries @ docs.T
    gold = scores[np.arange(len(queries)), np.arange(len(queries))]
    ranks = (scores > gold[:, None]).sum(axis=1) + 1  # 1-based rank of the gold document
    return {
        "R@1": float(np.mean(ranks <= 1)),
        "R@10": float(np.mean(ranks <= 10)),
        "MRR@10": float(np.mean(np.where(ranks <= 10, 1.0 / ranks, 0.0))),
        "pairs": len(queries),
    }


def _batches(n: int, config) -> list[list[int]]:
    """Row numbers of each training batch: `config.epochs` passes over n rows, each in a new seeded order."""
    rng = random.Random(config.seed)
    batches = []
    for _ in range(max(1, config.epochs)):
        order = list(range(n))
        rng.shuffle(order)
        batches += [order[i : i + config.batch_size] for i in range(0, n, config.batch_size)]
    return batches


def _optimizer(model, config, total: int, extra_groups: Sequence[dict] = ()):
    """(AdamW, schedule): linear warm-up over config.warmup_steps (at most a tenth of `total`), then a
    square-root decay to zero at `total` steps. `extra_groups`: more parameter groups (e.g. a new head with
    its own learning rate) on the same schedule."""
    import torch

    optimizer = torch.optim.AdamW(
        [{"params": model.parameters()}, *extra_groups],
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
    )
    warmup = max(1, min(config.warmup_steps, total // 10 or 1))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 1 - s / max(total, 1)) ** 0.5
    )
    return optimizer, schedule


def _step(model, loss, optimizer, schedule) -> None:
    import torch

    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    schedule.step()


def contrastive_train(
    model,
    tokenizer,
    pairs: Sequence[tuple[str, str]],
    *,
    device,
    config: ContrastiveConfig,
    max_steps: int | None = None,
    stop_after: int | None = None,
    deadline: float | None = None,
    log: Callable[[str], None] = print,
    label: str = "encoder",
    checkpoints: Sequence[float] = (),
    on_checkpoint: Callable[[TrainStats], None] | None = None,
) -> TrainStats:
    """Fine-tune `model` in place with in-batch negatives until `max_steps`, the deadline (time.monotonic)
    or `config.epochs` passes over `pairs`, whichever comes first; `stop_after` steps end it the way the
    deadline does, the learning-rate schedule still planned over the whole run. Loss: cross-entropy of each
    query against the batch's documents (and, if symmetric, each document against the batch's queries) on
    scaled cosine scores.

    `on_checkpoint(stats)` is called (model in train mode; it may save it) when training time first
    passes each of `checkpoints` (seconds): one run then shows the effect of several budgets."""
    import torch

    batches = _batches(len(pairs), config)
    batches = [b for b in batches if len(b) > 1]  # one pair has no negatives
    total = min(len(batches), max_steps) if max_steps else len(batches)
    optimizer, schedule = _optimizer(model, config, total)
    progress = TrainProgress(
        total_steps=total, deadline=deadline, log=log, every=max(1, min(20, total // 10 or 1)), label=label
    )
    labels_cache: dict[int, torch.Tensor] = {}
    pending = sorted(checkpoints)
    model.train()
    for batch in batches[:total]:
        if progress.out_of_time or (stop_after and progress.step >= stop_after):
            log(f"[{label}] budget spent after {progress.step} of {total} steps")
            break
        q = _embed(model, tokenizer, [pairs[i][0] for i in batch], config.query_max_length, device, amp=True)
        d = _embed(model, tokenizer, [pairs[i][1] for i in batch], config.doc_max_length, device, amp=True)
        scores = q @ d.T * config.scale
        n = len(batch)
        labels = labels_cache.setdefault(n, torch.arange(n, device=device))
        loss = torch.nn.functional.cross_entropy(scores, labels)
        if config.symmetric:
            loss = (loss + torch.nn.functional.cross_entropy(scores.T, labels)) / 2
        _step(model, loss, optimizer, schedule)
        progress.update(loss=float(loss.detach()), examples=n)
        while pending and progress.seconds >= pending[0]:
            pending.pop(0)
            if on_checkpoint is not None:
                on_checkpoint(_stats(progress, device, config))
    model.eval()
    return _stats(progress, device, config)


def _stats(progress: TrainProgress, device, config) -> TrainStats:
    """What a training run reports: its steps, examples, time, loss, device and `config` (a dataclass)."""
    return TrainStats(
        steps=progress.step,
        examples=progress.examples,
        seconds=progress.seconds,
        final_loss=progress.loss,
        device=str(device),
        config=asdict(config),
    )


def head_fit(
    model,
    head,
    n: int,
    batch_loss: Callable[[list[int]], Any],
    *,
    device,
    config,
    deadline: float | None = None,
    log: Callable[[str], None] = print,
    label: str,
) -> TrainStats:
    """Fine-tune `model` (a transformers encoder) and a new `head` together, in place: `config.epochs`
    seeded passes over `n` examples in batches of `config.batch_size`, `batch_loss(rows)` giving each
    batch's loss; the head at its own learning rate (config.head_learning_rate, no weight decay), both on
    _optimizer's schedule, gradients clipped to norm 1. Stops at the deadline (time.monotonic)."""
    import torch

    batches = _batches(n, config)
    head_group = {"params": list(head.parameters()), "lr": config.head_learning_rate, "weight_decay": 0.0}
    optimizer, schedule = _optimizer(model, config, len(batches), [head_group])
    progress = TrainProgress(
        total_steps=len(batches),
        deadline=deadline,
        log=log,
        every=max(1, min(20, len(batches) // 10 or 1)),
        label=label,
    )
    model.train()
    for batch in batches:
        if progress.out_of_time:
            log(f"[{label}] budget spent after {progress.step} of {len(batches)} steps")
            break
        loss = batch_loss(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([*model.parameters(), *head.parameters()], 1.0)
        optimizer.step()
        schedule.step()
        progress.update(loss=float(loss.detach()), examples=len(batch))
    model.eval()
    return _stats(progress, device, config)


def head_arrays(head) -> dict[str, np.ndarray]:
    """A trained linear head's weight and bias as float32 numpy arrays, as serving reads them."""
    return {
        "weight": head.weight.detach().float().cpu().numpy(),
        "bias": head.bias.detach().float().cpu().numpy(),
    }


def token_model_save(
    folder: Path,
    model,
    tokenizer,
    base: Path,
    head: dict[str, np.ndarray],
    *,
    metadata: dict,
    max_seq_length: int | None = None,
) -> None:
    """Write a fine-tuned encoder with a linear head over its token states into `folder` (created if
    missing): encoder/ (model_save; served at `max_seq_length` tokens, default the model's up to 512) and
    head.npz. physlit.ml.encoder.token_model_load reads it back."""
    folder = Path(folder)
    (folder / "encoder").mkdir(parents=True)
    if max_seq_length is None:
        max_seq_length = min(512, int(getattr(model.config, "max_position_embeddings", 512)))
    model_save(model, tokenizer, base, folder / "encoder", metadata=metadata, max_seq_length=max_seq_length)
    np.savez(folder / "head.npz", weight=head["weight"], bias=head["bias"])


def model_save(
    model,
    tokenizer,
    base: Path,
    folder: Path,
    *,
    metadata: dict | None = None,
    max_seq_length: int | None = None,
) -> None:
    """Write a sentence-transformers folder at `folder` (existing, empty): the base's module files and
    pooling config unchanged, the tuned transformer weights (safetensors) and tokenizer, and
    physlit_training.json with `metadata`. `max_seq_length`: the length physlit.ml.encoder serves it at
    (sentence_bert_config.json), when not the base's."""
    base, folder = Path(base), Path(folder)
    for name in _ST_FILES:
        if (base / name).is_file():
            shutil.copy2(base / name, folder / name)
    for sub in base.iterdir():
        if sub.is_dir() and re.fullmatch(r"\d+_\w+", sub.name):  # 1_Pooling, 2_Normalize
            shutil.copytree(sub, folder / sub.name)
    target = folder / _transformer_dir(base).relative_to(base)
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target, safe_serialization=True)
    tokenizer.save_pretrained(target)
    if metadata is not None:
        (folder / "physlit_training.json").write_text(json.dumps(metadata, indent=2, default=str) + "\n")
    if max_seq_length is not None:
        config_path = folder / "sentence_bert_config.json"
        config = json.loads(config_path.read_text()) if config_path.is_file() else {}
        config["max_seq_length"] = max_seq_length
        config_path.write_text(json.dumps(config, indent=2) + "\n")


# --- query encoder: a shallower copy distilled to embed queries where the full encoder does --------------


@dataclass
class DistillConfig:
    layers: int = 3  # transformer layers the student keeps (evenly spaced, first and last included)
    batch_size: int = 64
    learning_rate: float = 1e-4
    warmup_steps: int = 100
    weight_decay: float = 0.01
    max_length: int = 64  # queries are short; the saved model keeps the base's serving length
    epochs: int = 1
    seed: int = 0


def student_from(model, layers: int):
    """(student, kept): a copy of the BERT-style `model` keeping `layers` of its transformer layers, evenly
    spaced with the first and the last; `kept` lists their indices in the teacher."""
    import copy

    import torch

    stack = getattr(getattr(model, "encoder", None), "layer", None)
    if not isinstance(stack, torch.nn.ModuleList):
        raise ValueError(f"cannot take layers from a {type(model).__name__}: a BERT-style encoder is needed")
    n = len(stack)
    kept = (
        list(range(n))
        if layers >= n
        else sorted({round(i * (n - 1) / max(layers - 1, 1)) for i in range(layers)})
    )
    student = copy.deepcopy(model)
    student.encoder.layer = torch.nn.ModuleList([student.encoder.layer[i] for i in kept])
    student.config.num_hidden_layers = len(kept)
    return student, kept


# Openings of the questions users type into search and chat ("Which ...", "At what temperature ..."):
# question_framed puts one before a title or a statement so the query encoder also learns questions.
_QUESTION_OPENINGS = (
    "What is known about",
    "What determines",
    "What is",
    "Which",
    "How does",
    "How do",
    "How can",
    "Why does",
    "Why is",
    "In which systems",
    "At what",
    "What happens to",
    "How large is",
    "Is there",
    "What limits",
    "Can",
    "Does",
    "Under what conditions does",
    "What mechanism explains",
    "Into which",
)


def question_framed(text: str, rng: random.Random) -> str:
    """`text` (a title or a statement) as a question: a question opening, the text without its final
    full stop and with a lower-case first word unless it looks like a name or symbol, and "?". Not
    grammatical; it gives a query encoder questions' openings and "?" around corpus wording."""
    body = " ".join(text.split()).rstrip(" .")
    first, _, rest = body.partition(" ")
    if first[:1].isupper() and first[1:].islower():  # "We", "Quantum", not "QCD", "LaAlO3", "N-body"
        body = first.lower() + (" " + rest if rest else "")
    return f"{rng.choice(_QUESTION_OPENINGS)} {body}?"


def query_texts(papers: Sequence[tuple[str, str]], *, seed: int = 0) -> list[str]:
    """Query-like texts from (title, abstract) pairs: each paper's title, one abstract sentence and a third
    text, the title or a sentence framed as a question (question_framed)."""
    rng = random.Random(seed)
    texts = []
    for title, abstract in papers:
        title = " ".join(title.split())
        sentences = [s for s in _SENTENCE_END.split(" ".join(abstract.split())) if s]
        chosen = [t for t in (title, rng.choice(sentences) if sentences else "") if t]
        texts += chosen
        if chosen:
            texts.append(question_framed(rng.choice([title, *sentences] if title else sentences), rng))
    return texts


def distill_train(
    student,
    tokenizer,
    texts: Sequence[str],
    targets: np.ndarray,
    *,
    device,
    config: DistillConfig,
    max_steps: int | None = None,
    deadline: float | None = None,
    log: Callable[[str], None] = print,
    label: str = "query-encoder",
) -> TrainStats:
    """Train `student` in place so that its embedding of texts[i] matches targets[i] (the teacher's, unit
    rows): loss = 1 - cosine, mean over the batch. Stops at `max_steps`, the deadline or `config.epochs`."""
    import torch

    batches = _batches(len(texts), config)
    total = min(len(batches), max_steps) if max_steps else len(batches)
    optimizer, schedule = _optimizer(student, config, total)
    progress = TrainProgress(
        total_steps=total, deadline=deadline, log=log, every=max(1, min(50, total // 10 or 1)), label=label
    )
    goal = torch.from_numpy(np.ascontiguousarray(targets, dtype=np.float32)).to(device)
    student.train()
    for batch in batches[:total]:
        if progress.out_of_time:
            log(f"[{label}] budget spent after {progress.step} of {total} steps")
            break
        out = _embed(student, tokenizer, [texts[i] for i in batch], config.max_length, device, amp=True)
        loss = (1 - (out * goal[batch]).sum(dim=-1)).mean()
        _step(student, loss, optimizer, schedule)
        progress.update(loss=float(loss.detach()), examples=len(batch))
    student.eval()
    return _stats(progress, device, config)


def query_metrics(
    student,
    tokenizer,
    pairs: Sequence[tuple[str, str]],
    docs: np.ndarray,
    teacher_queries: np.ndarray,
    *,
    device,
) -> dict[str, float]:
    """The student's queries against the teacher's documents of the same pairs: Recall@1/@10, MRR@10 (as
    retrieval_metrics) and the mean cosine of its query embeddings to the teacher's."""
    queries = texts_embed(student, tokenizer, [q for q, _ in pairs], device=device, max_length=64)
    cosine = float(np.mean(np.sum(queries * teacher_queries, axis=1)))
    return {**rank_metrics(queries, docs), "cosine_to_teacher": cosine}
