"""The reader's answer-span model (stage: qa): a question and one abstract sentence in, the span of the
sentence that answers the question out (extractive QA, SQuAD 2.0 style: start and end logits over the
sentence's tokens, the [CLS] token standing for "no answer here").

Model: a sentence encoder's transformer (by default the packaged MiniLM) fine-tuned end to end on the pair
"[CLS] question [SEP] sentence [SEP]", with a linear head (hidden -> 2) giving each token a start and an end
logit. Training data: the reader's pseudo-questions (physlit.qa.pseudo: a corpus sentence with an answer span
taken out and the rest reworded into a question), positives with their span and negatives (other sentences
of the same abstract) pointing at [CLS]. Serving needs no torch: the encoder runs through physlit.ml.encoder
(ONNX, tokenizers, per-token states with the sentence's character offsets) and the head is numpy (head.npz).
No Django here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

META_FILE = "span.json"
MAX_ANSWER_TOKENS = 24  # a short answer: a value with its uncertainty and unit, a name, a noun phrase

Example = tuple[str, str, tuple[int, int] | None]  # (question, sentence, answer's character span or None)


@dataclass
class SpanPick:
    start: int  # character span in the sentence
    end: int
    score: float  # best span's start + end logit minus the "no answer" ([CLS]) score


def best_span(
    start_logits: np.ndarray, end_logits: np.ndarray, offsets: Sequence[tuple[int, int]]
) -> tuple[int, int, float] | None:
    """(first token, last token, score minus the null score) of the best span over the tokens that have an
    offset (the sentence's), at most MAX_ANSWER_TOKENS long; None when the sentence has no token."""
    inside = np.array([s < e for s, e in offsets])
    if not inside.any():
        return None
    neg = np.float32(-1e9)
    s = np.where(inside, start_logits, neg)
    e = np.where(inside, end_logits, neg)
    n = len(offsets)
    # score[i, j] = s[i] + e[j] for i <= j < i + MAX_ANSWER_TOKENS
    scores = s[:, None] + e[None, :]
    i, j = np.indices((n, n))
    scores = np.where((j >= i) & (j - i < MAX_ANSWER_TOKENS), scores, neg)
    flat = int(np.argmax(scores))
    first, last = divmod(flat, n)
    null = float(start_logits[0] + end_logits[0])
    return first, last, float(scores[first, last]) - null


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to whole words (a word piece's neighbours up to a space)."""
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "([{\"'":
        start -= 1
    while end < len(text) and not text[end].isspace() and text[end] not in ",;:)]}\"'":
        end += 1
    text_span = text[start:end]
    stripped = text_span.rstrip(".")
    return start, start + len(stripped) if stripped else end


class AnswerSpanModel:
    """A trained answer-span model: `encode_tokens` (an physlit.ml.encoder Encoder's, taking pairs) and the
    head's weights."""

    def __init__(self, encode_tokens: Callable[..., list], head: dict[str, np.ndarray]):
        self.encode_tokens = encode_tokens
        self.weight = head["weight"].astype(np.float32)  # (2, hidden)
        self.bias = head["bias"].astype(np.float32)  # (2,)

    def spans(self, question: str, sentences: Sequence[str]) -> list[SpanPick | None]:
        """Per sentence, the span that best answers `question` (None for a sentence without tokens)."""
        if not sentences:
            return []
        states = self.encode_tokens([question] * len(sentences), pairs=list(sentences))
        out: list[SpanPick | None] = []
        for sentence, (hidden, offsets) in zip(sentences, states):
            logits = hidden @ self.weight.T + self.bias  # (tokens, 2)
            best = best_span(logits[:, 0], logits[:, 1], offsets)
            if best is None:
                out.append(None)
                continue
            first, last, score = best
            start, end = _word_bounds(sentence, offsets[first][0], offsets[last][1])
            out.append(SpanPick(start, end, score))
        return out


def answer_span_load(
    folder: Path, *, backend: str, cache_dir: Path, threads: int | None = None
) -> AnswerSpanModel:
    """A saved answer-span model as it serves: its encoder through physlit.ml.encoder with `backend` (an ONNX
    one needs no torch), its head in numpy."""
    from physlit.ml.encoder import token_model_load

    return AnswerSpanModel(*token_model_load(folder, backend=backend, cache_dir=cache_dir, threads=threads))


# --- training (torch) ---------------------------------------------------------------------------------------


@dataclass
class AnswerSpanConfig:
    batch_size: int = 32
    learning_rate: float = 5e-5  # the transformer's
    head_learning_rate: float = 1e-3
    warmup_steps: int = 50
    weight_decay: float = 0.01
    max_length: int = 160  # a question and one sentence
    epochs: int = 1
    seed: int = 0


def token_targets(
    offsets: Sequence[tuple[int, int]], sequence_ids: Sequence[int | None], answer: tuple[int, int] | None
) -> tuple[int, int]:
    """(start token, end token) of `answer` (a character span of the second sequence), or (0, 0) — the [CLS]
    token — when there is none or it was truncated away."""
    if answer is None:
        return 0, 0
    a, b = answer
    tokens = [
        t for t, ((s, e), q) in enumerate(zip(offsets, sequence_ids)) if q == 1 and s < e and s < b and a < e
    ]
    return (tokens[0], tokens[-1]) if tokens else (0, 0)


def answer_span_fit(
    model,
    tokenizer,
    examples: Sequence[Example],
    *,
    device,
    config: AnswerSpanConfig,
    deadline: float | None = None,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fine-tune `model` (a transformers encoder, in place) and the start/end head on (question, sentence,
    span or None) examples; returns the head's arrays and training statistics. Stops at the deadline."""
    import torch

    from physlit.ml.encoder_training import _bf16_autocast, head_arrays, head_fit

    head = torch.nn.Linear(model.config.hidden_size, 2).to(device)
    mixed = _bf16_autocast(device)

    def batch_loss(batch: list[int]):
        encoded = tokenizer(
            [examples[i][0] for i in batch],
            [examples[i][1] for i in batch],
            padding=True,
            truncation="longest_first",  # a question alone may exceed max_length (long formulas)
            max_length=config.max_length,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").tolist()
        targets = [
            token_targets([tuple(o) for o in offsets[r]], encoded.sequence_ids(r), examples[i][2])
            for r, i in enumerate(batch)
        ]
        starts = torch.tensor([t[0] for t in targets], device=device)
        ends = torch.tensor([t[1] for t in targets], device=device)
        # Only [CLS] and the sentence's tokens may be picked: the question's and padding are masked out.
        allowed = torch.tensor(
            [[t == 0 or q == 1 for t, q in enumerate(encoded.sequence_ids(r))] for r in range(len(batch))],
            device=device,
        )
        inputs = {k: v.to(device) for k, v in encoded.items()}
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=mixed):
            hidden = model(**inputs).last_hidden_state
        logits = head(hidden.float()).masked_fill(~allowed.unsqueeze(-1), -1e4)
        return (
            torch.nn.functional.cross_entropy(logits[..., 0], starts)
            + torch.nn.functional.cross_entropy(logits[..., 1], ends)
        ) / 2

    stats = head_fit(
        model,
        head,
        len(examples),
        batch_loss,
        device=device,
        config=config,
        deadline=deadline,
        log=log,
        label="answer span",
    )
    return head_arrays(head), asdict(stats)


def answer_span_save(
    folder: Path, model, tokenizer, base: Path, head: dict[str, np.ndarray], *, metadata: dict
) -> None:
    """Write an answer-span folder: the fine-tuned encoder (a sentence-transformers folder that
    physlit.ml.encoder loads), head.npz and span.json."""
    from physlit.ml.encoder_training import token_model_save

    folder = Path(folder)
    token_model_save(folder, model, tokenizer, base, head, metadata=metadata, max_seq_length=256)
    (folder / META_FILE).write_text(json.dumps(metadata, indent=2, default=str))
