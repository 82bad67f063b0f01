"""Results tagger (stage: results): an abstract in, labelled character spans out — the values a paper reports
(with their kind), their units and the quantities they measure (token classification, BIO tags).

Model: a sentence encoder's transformer (by default the packaged MiniLM) fine-tuned end to end with a linear
head over each token's hidden state. Training data: abstracts with spans (the hand-written patterns' labels,
physlit.results.patterns, on corpus papers): the tagger learns from the patterns' context and may reach
values they miss. Serving needs no torch: the encoder runs through physlit.ml.encoder (ONNX, tokenizers,
per-token states with character offsets) and the head is a numpy matrix (head.npz). No Django here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("measurement", "upper_bound", "lower_bound", "prediction")
# Span types; a value's type carries its kind ("value:upper_bound").
TYPES = ("quantity", "unit", *(f"value:{k}" for k in KINDS))
LABELS = ("O", *(f"{p}-{t}" for t in TYPES for p in ("B", "I")))
META_FILE = "tagger.json"

Span = tuple[str, int, int]  # (type, start, end): text[start:end] is the span


def token_labels(offsets: Sequence[tuple[int, int]], spans: Sequence[Span]) -> list[int]:
    """Label ids (len(offsets),) of tokens with character `offsets` ((0, 0) for special tokens, which get
    -100, the loss's ignore index): B- on a span's first token, I- on the others, O elsewhere."""
    index = {label: i for i, label in enumerate(LABELS)}
    labels = [-100 if s == e == 0 else 0 for s, e in offsets]
    for kind, start, end in spans:
        first = True
        for t, (s, e) in enumerate(offsets):
            if s == e or e <= start or s >= end:
                continue
            labels[t] = index[f"{'B' if first else 'I'}-{kind}"]
            first = False
    return labels


def spans_decode(offsets: Sequence[tuple[int, int]], label_ids: Sequence[int], text: str) -> list[Span]:
    """Character spans from per-token label ids: a B- starts a span, I- of the same type continues it (an
    I- without one starts it), words split into word pieces are joined; spans are trimmed of spaces."""
    spans: list[list[Any]] = []
    for (s, e), label_id in zip(offsets, label_ids):
        if s == e:
            continue
        label = LABELS[int(label_id)]
        if label == "O":
            continue
        prefix, kind = label.split("-", 1)
        last = spans[-1] if spans else None
        if (
            last
            and last[0] == kind
            and (prefix == "I" or s == last[2])
            and _between_is_blank(text, last[2], s)
        ):
            last[2] = e
        else:
            spans.append([kind, s, e])
    return [(k, s, e) for k, s, e in spans if text[s:e].strip()]


def _between_is_blank(text: str, end: int, start: int) -> bool:
    return start - end <= 3 and not text[end:start].strip(" ")


# --- serving ------------------------------------------------------------------------------------------------


class Tagger:
    """A trained tagger: `encode_tokens` (texts -> per text (tokens, hidden) states and character offsets,
    e.g. an ONNX physlit.ml.encoder Encoder's) and the head's weights."""

    def __init__(self, encode_tokens: Callable[..., list], head: dict[str, np.ndarray]):
        self.encode_tokens = encode_tokens
        self.weight = head["weight"].astype(np.float32)  # (labels, hidden)
        self.bias = head["bias"].astype(np.float32)  # (labels,)

    def spans(self, texts: Sequence[str], *, min_value_probability: float = 0.0) -> list[list[Span]]:
        """Per text, its labelled spans in order. min_value_probability: drop value spans whose tokens'
        mean probability of being part of a value is below it (0: every argmax span; the bench's
        precision/recall curve raises it)."""
        value_labels = [i for i, label in enumerate(LABELS) if "value:" in label]
        out = []
        for text, (hidden, offsets) in zip(texts, self.encode_tokens(list(texts))):
            logits = hidden @ self.weight.T + self.bias
            spans = spans_decode(offsets, np.argmax(logits, axis=1), text)
            if min_value_probability > 0:
                z = np.exp(logits - logits.max(axis=1, keepdims=True))
                p_value = z[:, value_labels].sum(axis=1) / z.sum(axis=1)  # (tokens,)
                spans = [
                    sp
                    for sp in spans
                    if not sp[0].startswith("value:")
                    or _span_probability(sp, offsets, p_value) >= min_value_probability
                ]
            out.append(spans)
        return out


def _span_probability(span: Span, offsets: Sequence[tuple[int, int]], p_value: np.ndarray) -> float:
    """Mean of p_value (tokens,) over the tokens inside `span` (1.0 when none is)."""
    inside = [t for t, (s, e) in enumerate(offsets) if s < e and s < span[2] and span[1] < e]
    return float(np.mean(p_value[inside])) if inside else 1.0


def tagger_load(folder: Path, *, backend: str, cache_dir: Path, threads: int | None = None) -> Tagger:
    """A saved tagger as it serves: its encoder through physlit.ml.encoder with `backend` (an ONNX one needs
    no torch), its head in numpy."""
    from physlit.ml.encoder import token_model_load

    return Tagger(*token_model_load(folder, backend=backend, cache_dir=cache_dir, threads=threads))


# --- scoring ------------------------------------------------------------------------------------------------


def span_scores(predicted: Sequence[Sequence[Span]], gold: Sequence[Sequence[Span]], kind: str) -> dict:
    """Precision, recall and F1 of spans whose type starts with `kind` ("value", "quantity", "unit"), a
    predicted span counting when it overlaps an unmatched gold span of that type."""
    tp = n_pred = n_gold = 0
    for pred, gold_spans in zip(predicted, gold):
        p = [(s, e) for t, s, e in pred if t.startswith(kind)]
        g = [(s, e) for t, s, e in gold_spans if t.startswith(kind)]
        n_pred, n_gold = n_pred + len(p), n_gold + len(g)
        unmatched = list(g)
        for s, e in p:
            hit = next((x for x in unmatched if s < x[1] and x[0] < e), None)
            if hit:
                unmatched.remove(hit)
                tp += 1
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "predicted": n_pred, "gold": n_gold}


# --- training (torch) ---------------------------------------------------------------------------------------


@dataclass
class TaggerConfig:
    batch_size: int = 16
    learning_rate: float = 5e-5  # the transformer's
    head_learning_rate: float = 1e-3
    warmup_steps: int = 50
    weight_decay: float = 0.01
    max_length: int = 384  # most abstracts fit; serving reads up to the encoder's 512 tokens
    epochs: int = 1
    seed: int = 0


def tagger_fit(
    model,
    tokenizer,
    examples: Sequence[tuple[str, Sequence[Span]]],
    *,
    device,
    config: TaggerConfig,
    deadline: float | None = None,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fine-tune `model` (a transformers encoder, in place) and a linear token head on (text, spans)
    examples; returns the head's arrays and training statistics. Stops at the deadline."""
    import torch

    from physlit.ml.encoder_training import _bf16_autocast, head_arrays, head_fit

    head = torch.nn.Linear(model.config.hidden_size, len(LABELS)).to(device)
    mixed = _bf16_autocast(device)

    def batch_loss(batch: list[int]):
        texts = [examples[i][0] for i in batch]
        encoded = tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=config.max_length,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").tolist()
        special = encoded.pop("special_tokens_mask").tolist()
        targets = torch.tensor(
            [
                token_labels([(0, 0) if sp else tuple(o) for o, sp in zip(offs, sps)], examples[i][1])
                for offs, sps, i in zip(offsets, special, batch)
            ],
            device=device,
        )
        inputs = {k: v.to(device) for k, v in encoded.items()}
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=mixed):
            hidden = model(**inputs).last_hidden_state
        logits = head(hidden.float())
        return torch.nn.functional.cross_entropy(logits.reshape(-1, len(LABELS)), targets.reshape(-1))

    stats = head_fit(
        model,
        head,
        len(examples),
        batch_loss,
        device=device,
        config=config,
        deadline=deadline,
        log=log,
        label="tagger",
    )
    return head_arrays(head), asdict(stats)


def tagger_save(
    folder: Path, model, tokenizer, base: Path, head: dict[str, np.ndarray], *, metadata: dict
) -> None:
    """Write a tagger folder: the fine-tuned encoder (a sentence-transformers folder that physlit.ml.encoder
    loads, serving up to 512 tokens), head.npz and tagger.json."""
    from physlit.ml.encoder_training import token_model_save

    folder = Path(folder)
    token_model_save(folder, model, tokenizer, base, head, metadata=metadata)
    (folder / META_FILE).write_text(json.dumps({"labels": list(LABELS), **metadata}, indent=2, default=str))
