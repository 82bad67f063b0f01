"""Extractive summarizer (stage: summaries): abstracts in, 15-35-word summaries made of the abstract's own
clauses (less parentheticals and reporting openers) out. Each clause gets a salience score, trained on the
corpus against a pseudo-summary drawn from the paper's title, the rest of its abstract and the findings its
authors mark, by one of two models:
- the fine-tuned clause scorer (BERTSum-style): the encoder (by default the packaged MiniLM) reads the whole
  abstract and is fine-tuned end to end; a clause's score is a linear head over the mean of its tokens'
  states. Serves through physlit.ml.encoder (ONNX, no torch);
- the salience head: a small MLP over frozen sentence-encoder embeddings of each clause.
No Django here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from physlit.text import sentences as sentences_split
from physlit.text.rouge import gram_counts, rouge_tokens

FORMAT_VERSION = 1
MIN_WORDS, MAX_WORDS = 15, 35
MAX_UNITS = 48  # clauses scored per abstract; the rest are very long abstracts' tails
N_SCALAR = 9
# The training signal's pseudo-summary (summary_target): a one-sentence summary of SUMMARY_WORDS words (the
# middle of the 15-35 range) that draws its words in equal shares (set a priori) from the sources a paper
# offers: its title (what it is about), the other clauses of its abstract (what it keeps saying) and, where
# the authors mark them ("we show that ..."), its stated findings.
SUMMARY_WORDS = 25

# --- sentences and clauses ---------------------------------------------------------------------------------

# A unit that opens with a pronoun, a demonstrative or a conjunction points back at text a one-sentence
# summary does not carry ("This provides a systematic study of ...", "These general methods ...", "And
# angular decomposition ..."): it is not chosen (compose_pick) while another unit is. "This paper ..." names
# its own referent and stays.
_POINTS_BACK = re.compile(
    r"^(?:this|these|those|that|it|its|they|their|them|such|both|and|but|or|yet|so|which|whether|while|"
    r"the latter|the former)\b(?! (?:paper|work|letter|article|study|thesis|note|review|report|chapter|"
    r"contribution|talk|proceedings|manuscript|lecture)\b)",
    re.I,
)

# Clauses end after , ; or : followed by a space, outside $...$ and brackets.
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
# Openings that say nothing about the paper's content ("In this paper, we ...").
_BOILERPLATE = re.compile(
    r"^(?:(?:in|within) (?:this|the present|our) (?:paper|work|article|letter|note|study|thesis|review|"
    r"contribution|talk|report|manuscript)|here|herein)\s*,?\s+",
    re.I,
)
# Spans a one-sentence summary does without, deleted (never rewritten) so a summary stays the abstract's own
# words: a parenthetical outside $...$ (acronym definitions, asides, years, enumerators) that stands as a word
# of its own ("(2+1)-dimensional" keeps its brackets); an opening discourse connective; and an opening
# "we show that" / "it is found that", whose clause states the finding itself. Verbs that hedge a claim
# (argue, suggest, propose, ...) are kept: deleting them would turn a suggestion into a result.
_MATH = re.compile(r"(\$[^$]*\$)")
_PARENTHETICAL = re.compile(r"\s+\([^()\[\]$]{1,80}\)(?=[\s,.;:]|$)")
_CONNECTIVE = re.compile(
    r"^(?:moreover|furthermore|in addition|additionally|however|finally|in particular|also|first(?:ly)?|"
    r"second(?:ly)?|then|thus|therefore|hence|consequently|to this end|specifically|interestingly|"
    r"remarkably|surprisingly|notably|importantly|on the other hand|in contrast|as a result|in fact|"
    r"indeed|nevertheless|nonetheless|besides)\s*,\s+",
    re.I,
)
_REPORTING = re.compile(
    r"^(?:we|it (?:is|was|has been)|our (?:results?|analysis|calculations?|simulations?|data|observations?)|"
    r"th(?:is|ese|e) results?)(?: also| further| then| clearly| explicitly| finally| thus)?\s+"
    r"(?:have |has )?(?:show|find|found|demonstrate|prove|establish|observe|confirm|reveal|verify)"
    r"(?:s|ed|n)?\s+that\s+",
    re.I,
)


@dataclass(frozen=True)
class Unit:
    """A clause of an abstract: its text (verbatim), its sentence's index and its place in the sentence."""

    text: str
    sentence: int
    first: bool  # opens its sentence
    last: bool  # closes its sentence
    finding: bool = False  # its sentence opened with "we show that" (deleted): the authors mark a finding


def _balanced(text: str) -> bool:
    return (
        text.count("$") % 2 == 0 and text.count("(") <= text.count(")") and text.count("{") <= text.count("}")
    )


def _compress(sentence: str) -> tuple[str, bool]:
    """(sentence_compress(sentence), whether a reporting clause was deleted)."""
    parts = _MATH.split(sentence)
    text = "".join(p if i % 2 else _PARENTHETICAL.sub("", p) for i, p in enumerate(parts)).strip()
    text = text if len(text.split()) >= 3 else sentence
    finding = False
    for pattern in (_BOILERPLATE, _CONNECTIVE, _BOILERPLATE, _REPORTING):
        shorter = pattern.sub("", text, count=1)
        if shorter != text and len(shorter.split()) >= 3:  # a deletion leaves a sentence, not a stub
            text, finding = shorter, pattern is _REPORTING
    return text[:1].upper() + text[1:], finding


def sentence_compress(sentence: str) -> str:
    """The sentence less its parentheticals (outside formulas), its opening boilerplate ("In this paper,"),
    discourse connective ("Moreover,") and reporting clause ("we show that"); capitalised. Only deletes."""
    return _compress(sentence)[0]


def units_split(abstract: str, *, level: str = "clause") -> list[Unit]:
    """Clauses (or whole sentences, level="sentence") of an abstract, each sentence compressed first
    (sentence_compress); a clause has at least 5 words and never splits a formula or a bracket."""
    units: list[Unit] = []
    for index, sentence in enumerate(sentences_split(abstract)):
        sentence, finding = _compress(sentence)
        parts = [sentence] if level == "sentence" else _CLAUSE_END.split(sentence)
        pieces: list[str] = []
        for part in parts:
            if pieces and (len(part.split()) < 5 or len(pieces[-1].split()) < 5 or not _balanced(pieces[-1])):
                pieces[-1] += " " + part
            else:
                pieces.append(part)
        if len(pieces) > 1 and len(pieces[-1].split()) < 5:
            pieces[-2] += " " + pieces.pop()
        units += [Unit(p, index, i == 0, i == len(pieces) - 1, finding) for i, p in enumerate(pieces)]
    return units[:MAX_UNITS]


# --- composing a summary from scored units -----------------------------------------------------------------


def _words(text: str) -> int:
    return len(text.split())


def _cut(text: str, max_words: int) -> str:
    """At most max_words words, cut at the last clause boundary when there is one in the second half."""
    words = text.split()
    if len(words) <= max_words:
        return text
    head = " ".join(words[:max_words])
    k = max(head.rfind(", "), head.rfind("; "))
    return head[:k] if k > len(head) // 2 else head + " …"


def compose_pick(
    units: Sequence[Unit], scores: Sequence[float] | np.ndarray, *, min_words=MIN_WORDS, max_words=MAX_WORDS
) -> list[int]:
    """Indices (in the abstract's order) of the best unit plus the next best ones while the summary is
    under min_words and they fit in max_words. Units that point back (_POINTS_BACK) are chosen only when
    every unit does, and one longer than max_words (which compose_text would cut, ending in "…") only when
    none is shorter."""
    if not units:
        return []
    order = [int(i) for i in np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")]
    order = [i for i in order if not _POINTS_BACK.match(units[i].text)] or order
    order = [i for i in order if _words(units[i].text) <= max_words] or order
    chosen = [order[0]]
    total = _words(units[order[0]].text)
    for i in order[1:]:
        if total >= min_words:
            break
        if total + _words(units[i].text) <= max_words:
            chosen.append(i)
            total += _words(units[i].text)
    return sorted(chosen)


def compose_text(units: Sequence[Unit], chosen: Sequence[int], *, max_words=MAX_WORDS) -> str:
    """The chosen units joined as written (a clause that does not run on into the next chosen one ends
    with "." before a sentence opening, else ";"), at most max_words words, starting with a capital and
    ending with a full stop."""
    if not chosen:
        return ""
    parts: list[str] = []
    for n, i in enumerate(chosen):
        text = units[i].text
        if n + 1 < len(chosen) and not (
            chosen[n + 1] == i + 1 and units[i + 1].sentence == units[i].sentence
        ):
            text = text.rstrip(",;: ")  # the next chosen clause does not follow this one
            if not text.endswith((".", "!", "?")):
                text += "." if units[chosen[n + 1]].first else ";"
        parts.append(text)
    summary = _cut(" ".join(parts).strip(), max_words).rstrip(",;: ")
    summary = summary[:1].upper() + summary[1:]
    return summary if summary.endswith((".", "!", "?", "…")) else summary + "."


def compose(
    units: Sequence[Unit], scores: Sequence[float], *, min_words=MIN_WORDS, max_words=MAX_WORDS
) -> str:
    """The summary of scored units: compose_text of compose_pick."""
    chosen = compose_pick(units, scores, min_words=min_words, max_words=max_words)
    return compose_text(units, chosen, max_words=max_words)


def lead_scores(units: Sequence[Unit]) -> list[float]:
    """Scores that make compose() take the opening units: the untrained fallback."""
    return [-float(i) for i in range(len(units))]


def lead_summary(abstract: str) -> str:
    """The untrained fallback: the first sentence (with the next clauses while under 15 words)."""
    units = units_split(abstract)
    return compose(units, lead_scores(units))


# --- features, labels and the salience head ----------------------------------------------------------------


def unit_features(units: Sequence[Unit], embeddings: np.ndarray) -> np.ndarray:
    """units (n,), embeddings (n, d) float32 unit-norm -> features (n, 2d + N_SCALAR) float32: the unit's
    embedding, its product with the abstract's centroid, and position/length/centrality scalars."""
    n = len(units)
    centroid = embeddings.mean(axis=0)
    centroid = centroid / max(float(np.linalg.norm(centroid)), 1e-9)
    n_sent = max(u.sentence for u in units) + 1
    scalars = np.array(
        [
            [
                u.sentence / max(n_sent - 1, 1),
                float(u.sentence == 0),
                float(u.sentence == n_sent - 1),
                float(u.first),
                float(u.last),
                min(_words(u.text), 60) / 30.0,
                float(embeddings[i] @ centroid),
                float(any(c.isdigit() for c in u.text)),
                min(n, 40) / 20.0,
            ]
            for i, u in enumerate(units)
        ],
        dtype=np.float32,
    )
    return np.concatenate([embeddings, embeddings * centroid, scalars], axis=1).astype(np.float32)


def _expected_f(mine: Counter, sources: Sequence[tuple[Counter, Counter]], n: int) -> float:
    """ROUGE-n F of `mine` against the expected n-gram counts of the pseudo-summary (summary_target) drawn
    in equal shares from `sources`, each (counts, counts to leave out of them); an empty source gives its
    share to the others."""
    length = SUMMARY_WORDS - n + 1
    totals = [sum(c.values()) - sum(out.values()) for c, out in sources]
    active = [(c, out, t) for (c, out), t in zip(sources, totals, strict=True) if t > 0]
    if not mine or not active:
        return 0.0
    matched = sum(
        min(count, sum(length * (c[g] - out[g]) / t for c, out, t in active) / len(active))
        for g, count in mine.items()
    )
    return 2 * matched / (sum(mine.values()) + length)


def summary_target(
    text: str, title_tokens: list[str], rest: Sequence[str], findings: Sequence[str] = ()
) -> float:
    """The training signal for a unit (or the validation score of a whole summary): ROUGE-1 F + ROUGE-2 F
    (as rouge-score counts them) of `text` against the expected n-gram counts of a SUMMARY_WORDS-word
    pseudo-summary drawn in equal shares from the title, from `rest` (the abstract's other units, in
    proportion to how often each n-gram occurs there) and from `findings` (the units the authors mark as
    findings, this one included; none in most abstracts).

    Why: a one-sentence summary says what the paper is about, what its abstract keeps saying and what it
    found, in about 25 words. Scoring against that length (rather than against the whole title or abstract)
    rewards dense clauses: ROUGE F against the ~150-word rest alone grows with a clause's length, against
    the ~10-word title alone with its shortness. Findings are marked in about a quarter of the abstracts;
    the head never sees the mark (it is deleted from the text it encodes), so it learns what a stated
    finding reads like and looks for one in every abstract."""
    tokens = rouge_tokens(text)
    value = 0.0
    for n in (1, 2):
        rest_counts: Counter = Counter()
        for r in rest:
            rest_counts.update(gram_counts(rouge_tokens(r), n))
        finding_counts: Counter = Counter()
        for f in findings:
            finding_counts.update(gram_counts(rouge_tokens(f), n))
        sources: list[tuple[Counter, Counter]] = [
            (gram_counts(title_tokens, n), Counter()),
            (rest_counts, Counter()),
        ]
        value += _expected_f(gram_counts(tokens, n), sources + [(finding_counts, Counter())], n)
    return value


def unit_labels(units: Sequence[Unit], title: str) -> np.ndarray:
    """(n,) float32 summary_target of each unit against the title, the other units and the findings."""
    reference = rouge_tokens(title)
    tokens = [rouge_tokens(u.text) for u in units]
    labels = np.zeros(len(units), dtype=np.float32)
    for n in (1, 2):
        title_counts = gram_counts(reference, n)
        counts = [gram_counts(t, n) for t in tokens]
        total: Counter = Counter()
        findings: Counter = Counter()
        for c, u in zip(counts, units, strict=True):
            total.update(c)
            if u.finding:
                findings.update(c)
        for j, c in enumerate(counts):
            sources = [(title_counts, Counter()), (total, c), (findings, Counter())]
            labels[j] += _expected_f(c, sources, n)
    return labels


def _head(dim_in: int, hidden: int):
    import torch

    return torch.nn.Sequential(
        torch.nn.Linear(dim_in, hidden), torch.nn.GELU(), torch.nn.Dropout(0.1), torch.nn.Linear(hidden, 1)
    )


@dataclass
class TrainedHead:
    state: dict[str, Any]
    config: dict[str, Any]
    steps: int
    examples: int
    loss: float


def head_train(
    features: Sequence[np.ndarray],
    labels: Sequence[np.ndarray],
    *,
    hidden: int = 64,
    epochs: int = 8,
    batch_size: int = 64,
    lr: float = 2e-3,
    temperature: float = 0.1,
    seed: int = 0,
    device: Any = "cpu",
    should_stop: Callable[[], bool] = lambda: False,
    on_step: Callable[[float, int], None] = lambda loss, examples: None,
) -> TrainedHead:
    """Fit the salience head with a listwise loss: per abstract, cross-entropy between softmax(scores) and
    softmax(labels / temperature). features[i]: (n_i, F) float32, labels[i]: (n_i,) float32."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    dim = features[0].shape[1]
    head = _head(dim, hidden).to(device)
    optimizer = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=0.01)
    width = max(len(f) for f in features)
    x = torch.zeros(len(features), width, dim)
    y = torch.full((len(features), width), -1e4)
    mask = torch.zeros(len(features), width, dtype=torch.bool)
    for i, (f, lab) in enumerate(zip(features, labels, strict=True)):
        x[i, : len(f)] = torch.from_numpy(f)
        y[i, : len(f)] = torch.from_numpy(lab / temperature)
        mask[i, : len(f)] = True
    total = epochs * ((len(features) + batch_size - 1) // batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=max(total, 1))
    steps, loss_value = 0, 0.0
    head.train()
    for _ in range(epochs):
        for rows in torch.randperm(len(features), generator=generator).split(batch_size):
            xb, yb, mb = x[rows].to(device), y[rows].to(device), mask[rows].to(device)
            scores = head(xb).squeeze(-1).masked_fill(~mb, -1e4)
            target = torch.softmax(yb, dim=-1)
            loss = -(target * torch.log_softmax(scores, dim=-1)).sum(-1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            steps += 1
            loss_value = float(loss.detach())
            on_step(loss_value, len(rows))
            if should_stop():
                break
        if should_stop():
            break
    head.eval()
    state = {k: v.detach().cpu() for k, v in head.state_dict().items()}
    return TrainedHead(state, {"dim_in": dim, "hidden": hidden}, steps, steps * batch_size, loss_value)


def head_build(trained: TrainedHead):
    """The torch module (eval mode) of a trained head."""
    head = _head(trained.config["dim_in"], trained.config["hidden"])
    head.load_state_dict(trained.state)
    return head.eval()


# --- the fine-tuned clause scorer (BERTSum-style): the encoder reads the whole abstract ---------------------

SCORER_FOLDER = "scorer"  # in a summarizer artifact: the fine-tuned encoder (encoder/) and its head.npz
UNREAD = -1e4  # the score of a unit past the encoder's length (never chosen while another unit is read)


def units_layout(units: Sequence[Unit]) -> tuple[str, list[tuple[int, int]]]:
    """What the fine-tuned scorer reads: the units' texts joined by single spaces, and each unit's character
    span in that text."""
    spans, at = [], 0
    for u in units:
        spans.append((at, at + len(u.text)))
        at += len(u.text) + 1
    return " ".join(u.text for u in units), spans


def pooling_weights(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """(units, tokens) float32: row u averages the tokens inside unit u's character span; (0, 0) offsets
    (special tokens) are in none; a unit cut off by truncation gets a row of zeros."""
    weights = np.zeros((len(spans), len(offsets)), np.float32)
    for u, (a, b) in enumerate(spans):
        inside = [t for t, (s, e) in enumerate(offsets) if s < e and s < b and a < e]
        if inside:
            weights[u, inside] = 1.0 / len(inside)
    return weights


class ClauseScorer:
    """The fine-tuned scorer as it serves: `encode_tokens` (physlit.ml.encoder, ONNX, per-token states and
    character offsets) over the whole abstract, each unit's tokens averaged, a linear head in numpy."""

    def __init__(self, encode_tokens: Callable[..., list], head: dict[str, np.ndarray]):
        self.encode_tokens = encode_tokens
        self.weight = head["weight"].astype(np.float32)[0]  # (hidden,)
        self.bias = float(head["bias"][0])

    def scores(self, unit_lists: Sequence[Sequence[Unit]]) -> list[np.ndarray]:
        """Per abstract's units, their (n,) float32 salience (UNREAD past the encoder's length)."""
        out: list[np.ndarray] = [np.zeros(0, np.float32) for _ in unit_lists]
        todo = [i for i, units in enumerate(unit_lists) if units]
        layouts = [units_layout(unit_lists[i]) for i in todo]
        states = self.encode_tokens([text for text, _ in layouts]) if todo else []
        for i, (_, spans), (hidden, offsets) in zip(todo, layouts, states, strict=True):
            weights = pooling_weights(offsets, spans)
            scores = (weights @ hidden) @ self.weight + self.bias
            out[i] = np.where(weights.sum(axis=1) > 0, scores, UNREAD).astype(np.float32)
        return out


def clause_scorer_load(folder: Path, *, backend: str, cache_dir: Path, threads: int | None = None):
    """A saved fine-tuned scorer (encoder/ and head.npz in `folder`) as it serves: no torch with an ONNX
    backend."""
    from physlit.ml.encoder import token_model_load

    return ClauseScorer(*token_model_load(folder, backend=backend, cache_dir=cache_dir, threads=threads))


@dataclass
class ClauseScorerConfig:
    batch_size: int = 8
    learning_rate: float = 3e-5  # the transformer's
    head_learning_rate: float = 1e-3
    warmup_steps: int = 30
    weight_decay: float = 0.01
    max_length: int = 384  # most abstracts fit; serving reads up to 512 tokens
    epochs: int = 1
    temperature: float = 0.1  # of the listwise target, as the salience head's
    seed: int = 0


def clause_scorer_fit(
    model,
    tokenizer,
    examples: Sequence[tuple[Sequence[Unit], np.ndarray]],
    *,
    device,
    config: ClauseScorerConfig,
    deadline: float | None = None,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fine-tune `model` (a transformers encoder, in place) and a linear head on (units, labels) examples
    with the salience head's listwise loss: per abstract, cross-entropy between softmax(scores) and
    softmax(labels / temperature), a unit's score read off the mean of its tokens' states. Returns the
    head's arrays and training statistics; stops at the deadline."""
    from dataclasses import asdict

    import torch

    from physlit.ml.encoder_training import _bf16_autocast, head_arrays, head_fit

    head = torch.nn.Linear(model.config.hidden_size, 1).to(device)
    mixed = _bf16_autocast(device)

    def batch_loss(batch: list[int]):
        layouts = [units_layout(examples[i][0]) for i in batch]
        encoded = tokenizer(
            [text for text, _ in layouts],
            padding=True,
            truncation=True,
            max_length=config.max_length,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").tolist()
        special = encoded.pop("special_tokens_mask").tolist()
        width = max(len(examples[i][0]) for i in batch)
        pool = np.zeros((len(batch), width, len(offsets[0])), np.float32)
        target = np.full((len(batch), width), UNREAD, np.float32)
        for r, i in enumerate(batch):
            offs = [(0, 0) if sp else tuple(o) for o, sp in zip(offsets[r], special[r])]
            weights = pooling_weights(offs, layouts[r][1])
            pool[r, : len(weights)] = weights
            read = weights.sum(axis=1) > 0
            target[r, : len(weights)] = np.where(read, examples[i][1] / config.temperature, UNREAD)
        inputs = {k: v.to(device) for k, v in encoded.items()}
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=mixed):
            hidden = model(**inputs).last_hidden_state
        pooled = torch.bmm(torch.from_numpy(pool).to(device), hidden.float())
        read = torch.from_numpy(pool.sum(axis=2) > 0).to(device)
        scores = head(pooled).squeeze(-1).masked_fill(~read, UNREAD)
        wanted = torch.softmax(torch.from_numpy(target).to(device), dim=-1)
        return -(wanted * torch.log_softmax(scores, dim=-1)).sum(-1).mean()

    stats = head_fit(
        model,
        head,
        len(examples),
        batch_loss,
        device=device,
        config=config,
        deadline=deadline,
        log=log,
        label="summarizer",
    )
    return head_arrays(head), asdict(stats)


def clause_scorer_save(
    folder: Path, model, tokenizer, base: Path, head: dict[str, np.ndarray], *, metadata: dict
) -> None:
    """Write a scorer folder: the fine-tuned encoder (a sentence-transformers folder that physlit.ml.encoder
    loads, serving up to 512 tokens) and head.npz."""
    from physlit.ml.encoder_training import token_model_save

    token_model_save(folder, model, tokenizer, base, head, metadata=metadata)


# --- the summarizer: encoder + head, saved to and loaded from an artifact folder ----------------------------


@dataclass
class SummaryDraft:
    text: str
    method: str  # "salience" (a trained head) or "lead" (untrained fallback)


class Summarizer:
    """Summaries of abstracts. `encoder` is a physlit.ml.encoder.Encoder and `head` the trained salience head
    over its frozen embeddings; or `scorer`, the fine-tuned ClauseScorer; neither: the lead fallback."""

    def __init__(
        self, *, encoder=None, head=None, scorer=None, level: str = "clause", meta: dict | None = None
    ):
        self.encoder, self.head, self.scorer, self.level, self.meta = encoder, head, scorer, level, meta or {}
        self.method = "salience" if head is not None or scorer is not None else "lead"

    def embed_units(
        self, abstracts: Sequence[str], *, batch_size: int = 128
    ) -> list[tuple[list[Unit], np.ndarray]]:
        """Per abstract: its units and their embeddings (n_i, d) float32, in one encoder call."""
        split = [units_split(a, level=self.level) for a in abstracts]
        flat = [u.text for units in split for u in units]
        emb = self.encoder.encode(flat, batch_size=batch_size) if flat else np.zeros((0, 1), np.float32)
        out, start = [], 0
        for units in split:
            out.append((units, emb[start : start + len(units)]))
            start += len(units)
        return out

    def scores(self, units: Sequence[Unit], embeddings: np.ndarray) -> np.ndarray:
        """(n,) float32 salience of each unit."""
        import torch

        with torch.inference_mode():
            x = torch.from_numpy(unit_features(units, embeddings))
            return self.head(x).squeeze(-1).numpy()

    def picks(self, abstracts: Sequence[str], *, embedded=None) -> list[tuple[list[Unit], list[int]]]:
        """Per abstract: its units and the indices of those the summary keeps. `embedded` (from
        embed_units with the same encoder and level) saves encoding twice."""
        if self.scorer is not None:
            split = [units_split(a, level=self.level) for a in abstracts]
            scored = self.scorer.scores(split)
            return [
                (units, compose_pick(units, scores) if units else [])
                for units, scores in zip(split, scored, strict=True)
            ]
        if self.head is None:
            split = [units_split(a) for a in abstracts]
            return [(units, compose_pick(units, lead_scores(units))) for units in split]
        embedded = embedded if embedded is not None else self.embed_units(abstracts)
        return [
            (units, compose_pick(units, self.scores(units, emb)) if units else []) for units, emb in embedded
        ]

    def summarize(self, abstracts: Sequence[str], *, embedded=None) -> list[SummaryDraft]:
        """abstracts (n,) -> drafts (n,); an abstract without sentences gets an empty text."""
        return [
            SummaryDraft(compose_text(units, chosen), self.method)
            for units, chosen in self.picks(abstracts, embedded=embedded)
        ]

    def save(self, folder: Path, trained: TrainedHead | None, *, encoder_info: dict, metrics: dict) -> None:
        """Write summarizer.json and, for a salience head, head.pt; a fine-tuned scorer's folder
        (SCORER_FOLDER) is written by clause_scorer_save (`trained` is then None)."""
        meta: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "level": self.level,
            "encoder": encoder_info,
            "metrics": metrics,
        }
        if trained is None:
            meta["scorer"] = SCORER_FOLDER
        else:
            import torch

            torch.save(trained.state, folder / "head.pt")
            meta["head"] = trained.config
        (folder / "summarizer.json").write_text(json.dumps(meta, indent=2) + "\n")


def summarizer_load(
    folder: str | Path,
    *,
    encoder_for: Callable[[dict], Any],
    scorer_for: Callable[[Path], Any] | None = None,
) -> Summarizer:
    """The summarizer saved in `folder`: `encoder_for(meta["encoder"])` supplies a salience head's encoder,
    `scorer_for(scorer folder)` a fine-tuned scorer (clause_scorer_load; the caller knows the backend and
    where ONNX exports are cached). Raises ValueError for an artifact of another format."""
    folder = Path(folder)
    meta = json.loads((folder / "summarizer.json").read_text())
    if meta.get("format") != FORMAT_VERSION:
        raise ValueError(f"{folder}: summarizer format {meta.get('format')} (expected {FORMAT_VERSION})")
    if meta.get("scorer"):
        if scorer_for is None:
            raise ValueError(f"{folder}: a fine-tuned summarizer; no scorer_for given to load it")
        return Summarizer(scorer=scorer_for(folder / meta["scorer"]), level=meta["level"], meta=meta)
    import torch

    head = _head(meta["head"]["dim_in"], meta["head"]["hidden"])
    head.load_state_dict(torch.load(folder / "head.pt", weights_only=True))
    head.eval()
    encoder = encoder_for(meta["encoder"])
    if encoder.fingerprint != meta["encoder"].get("fingerprint"):
        raise ValueError(f"{folder}: trained on encoder {meta['encoder']}, got {encoder.fingerprint}")
    return Summarizer(encoder=encoder, head=head, level=meta["level"], meta=meta)


# --- TextRank, the unsupervised baseline -------------------------------------------------------------------


def textrank_pick(embeddings: np.ndarray, *, damping: float = 0.85, iterations: int = 50) -> int:
    """embeddings (n, d) unit-norm sentences -> index of the sentence with the highest PageRank over the
    cosine-similarity graph."""
    n = len(embeddings)
    if n <= 2:
        return 0
    sim = np.clip(embeddings @ embeddings.T, 0, None)
    np.fill_diagonal(sim, 0)
    sim = sim / np.maximum(sim.sum(axis=1, keepdims=True), 1e-9)
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        rank = (1 - damping) / n + damping * sim.T @ rank
    return int(np.argmax(rank))
