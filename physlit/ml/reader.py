"""Question-answering reader (stage: qa): scores (question, abstract sentence) pairs and picks answer spans.

A light reader made to train and serve on two CPU cores: the MiniLM bi-encoder (the search encoder, passed
in as `encode`) embeds the question and the candidate sentences; a small MLP over 15 features (bi-encoder
cosines, IDF-weighted word overlaps with the sentence and the paper's title, bigram overlap, length,
position) gives the probability that a sentence answers the question. A second small MLP ranks candidate
answer spans inside the chosen sentence (numbers with units, acronyms and symbols, names, short noun
phrases). Both are fitted (in torch, `fit_mlp`) by the reader's trainer on pseudo-questions made from the
corpus. Where the trainer also fine-tuned a transformer answer-span model (physlit.ml.answer_span, in the
folder's span/) and it beat the span MLP on held-out pseudo-questions, that model picks the short answers
instead. Saved as an immutable folder (reader.npz with the weights, reader.json with
the calibrated abstention threshold, idf.json, span/), loaded lazily once per process (`reader_load`) and
served in numpy and onnxruntime: a web worker imports no torch. No Django.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from physlit.text import STOP_WORDS, content_stems, stem

# 4: weights in reader.npz (numpy inference) instead of reader.pt, and physlit.text's stems and stop words in
# the features. 5: answer-type features (a span, and a sentence holding such a span), the span scorer's
# confidence in a sentence's best span, and terms extended by the nouns after them. A folder of
# another format is refused (ReaderFormatError): its features were computed differently.
READER_FORMAT = 5
Encode = Callable[[Sequence[str]], np.ndarray]  # texts (n,) -> (n, dim) float32 unit rows

# physlit.text's word pattern, here with character offsets (span features measure distances in the sentence)
_WORD = re.compile(r"[^\W_][\w\-]*", re.U)
SENTENCE_FEATURES = 17
SPAN_FEATURES = 14
# Sentence features read from the span MLP's pass over the sentence's candidate spans (SpanRead): filled in
# by `reader_fit` once the span MLP is fitted, and by `Reader.read` when serving.
SPAN_TYPED, SPAN_CONFIDENCE = 15, 16
# Span features `SpanRead.typed` combines: the share of the span's words in the question, and whether the
# span holds or neighbours a word naming what the question asks for.
_IN_QUESTION, _TYPE_IN, _TYPE_NEAR = 5, 12, 13

_NUMBER = re.compile(
    r"(?<![\w.])[~<>≈]?\$?[-−]?\d+(?:[.,]\d+)?(?:[eE][-−+]?\d+|\s*\\times\s*10\^\{?[-−]?\d+\}?)?"
    r"(?:\s*\$?(?:\\pm|±|-|to)\$?\s*\d+(?:\.\d+)?)?\$?"
    r"(?:\s?(?:%|σ\$?|\\sigma\$?|[a-zA-Zμµ]{1,4}(?:\^?\{?-?\d\}?)?)(?![a-z]{2}))?"
)
_ACRONYM = re.compile(r"\b[A-Za-z]*[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9\-/]*\b|\$[^$]{1,30}\$")
_NAME = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)*")
_PHRASE_LEAD = re.compile(r"\b(?:the|a|an|of|by|for|with|from|in|on|as|is|are|be|to)\s+", re.I)
_NUMERIC_QUESTION = re.compile(
    r"\b(how (?:much|many|large|long|big|small|high|low|fast)|what (?:value|temperature|mass|energy|age|"
    r"fraction|percentage|number|distance|size|rate|time|period|scale|limit|bound|order|redshift|"
    r"frequency|density|temperature|ratio|precision|accuracy|level|range|dimension)|at what|how)\b",
    re.I,
)
SPAN_KINDS = ("number", "term", "name", "phrase")
# The words naming what a question asks for come after its first "which", "what" or "whose" ("which
# relativistic wave equation", "at what temperature"); "kind of", "type of" and leading counts are skipped.
_WH_WORD = re.compile(r"\b(?:which|what|whose)\b", re.I)
_TYPE_FILLERS = frozenset({"kind", "kinds", "type", "types", "sort", "sorts", "class", "form"})
# A term or name and the lower-case words that complete it ("Killing-Yano tensors", "Jeffrey's prior").
_TERM_TAIL = re.compile(r"(?:'s)?(?: [a-z][a-z\-]+){1,2}")
SPAN_FOLDER = "span"  # the transformer answer-span model, when the trainer kept one


class ReaderFormatError(ValueError):
    """A reader folder written by an older (or newer) format than this code reads."""


def reader_format_readable(folder: str | Path) -> bool:
    """Whether this code can read the reader saved in `folder` (its reader.json names READER_FORMAT)."""
    try:
        return json.loads((Path(folder) / "reader.json").read_text()).get("format") == READER_FORMAT
    except (OSError, ValueError):
        return False


class Idf:
    """Inverse document frequencies of stems over a set of documents (abstracts); unknown stems get the
    largest value (they are rare)."""

    def __init__(self, table: dict[str, float], default: float) -> None:
        self.table, self.default = table, default

    @classmethod
    def fit(cls, documents: Sequence[str], *, keep: int = 200_000) -> Idf:
        counts: dict[str, int] = {}
        for doc in documents:
            for s in set(content_stems(doc)):
                counts[s] = counts.get(s, 0) + 1
        n = max(len(documents), 1)
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:keep]
        table = {s: math.log((n + 1) / (c + 0.5)) for s, c in top}
        return cls(table, math.log((n + 1) / 0.5))

    def __call__(self, s: str) -> float:
        return self.table.get(s, self.default)


@dataclass
class Candidate:
    """A sentence to read: its text, its paper's title, its position in the abstract (0 first) and the
    number of sentences there."""

    text: str
    title: str = ""
    position: int = 0
    count: int = 1


@dataclass
class Reading:
    probability: float
    span: tuple[int, int] | None  # character span of the short answer in the sentence, if any
    # The answer-span model's confidence in that span (its start + end logit less the "no answer" one);
    # None when the span MLP picked it.
    span_score: float | None = None


def _weighted_recall(q: list[str], other: set[str], idf: Idf) -> float:
    total = sum(idf(s) for s in set(q))
    return sum(idf(s) for s in set(q) if s in other) / total if total else 0.0


def _bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:]))


class SpanRead(NamedTuple):
    """What the span MLP's pass over a sentence's candidate spans (Reader.span_read) gives."""

    span: tuple[int, int] | None  # the best short answer (None: no candidate span)
    score: float  # its score (0.0 without a candidate)
    # The sentence holds a span, not wholly the question's words, that holds or neighbours a word naming
    # what the question asks for ("which W algebra" -> "... the $W\\!B_2$ algebra ..."): it can answer,
    # not only repeat the question's topic.
    typed: bool


def _span_read_columns(read: SpanRead) -> list[float]:
    """The SPAN_TYPED and SPAN_CONFIDENCE sentence features of a SpanRead."""
    return [float(read.typed), math.tanh(read.score / 4)]


def sentence_features(
    question: str,
    q_vec: np.ndarray,
    candidates: Sequence[Candidate],
    s_vecs: np.ndarray,
    idf: Idf,
    reads: Sequence[SpanRead] | None = None,
) -> np.ndarray:
    """(n, SENTENCE_FEATURES) float32 for the candidates; q_vec (dim,), s_vecs (n, dim) unit rows;
    `reads` (n,): the span MLP's pass over each sentence (Reader.span_read), which says whether it holds
    something that answers rather than only the question's topic (columns SPAN_TYPED, SPAN_CONFIDENCE; 0
    without reads, as in training before the span MLP is fitted)."""
    if reads is None:
        reads = [SpanRead(None, 0.0, False)] * len(candidates)
    q = content_stems(question)
    q_set, q_bi = set(q), _bigrams(q)
    q_idf = sum(idf(s) for s in q_set) or 1.0
    numeric = bool(_NUMERIC_QUESTION.search(question))
    cos = s_vecs @ q_vec if len(candidates) else np.zeros(0, np.float32)
    rows = []
    for c, cosine, read in zip(candidates, cos, reads):
        s = content_stems(c.text)
        s_set = set(s)
        t_set = set(content_stems(c.title))
        shared = q_set & s_set
        rows.append(
            [
                float(cosine),
                len(shared) / max(len(q_set), 1),
                _weighted_recall(q, s_set, idf),
                len(shared) / max(len(s_set), 1),
                len(q_bi & _bigrams(s)) / max(len(q_bi), 1),
                _weighted_recall(q, t_set, idf),
                _weighted_recall(q, s_set | t_set, idf),
                max((idf(x) for x in shared), default=0.0) / 10,
                math.log1p(len(s)) / 4,
                float(c.position == 0),
                float(c.position == c.count - 1),
                len(q_set - s_set - t_set) / max(len(q_set), 1),
                math.log1p(q_idf) / 4,
                float(cosine) * _weighted_recall(q, s_set, idf),
                float(numeric and bool(_NUMBER.search(c.text))),
                *_span_read_columns(read),
            ]
        )
    return np.asarray(rows, dtype=np.float32).reshape(-1, SENTENCE_FEATURES)


def answer_type_stems(question: str) -> set[str]:
    """Stems of the up to 3 content words after the question's first "which", "what" or "whose": the kind
    of thing it asks for ("Into which two types ..." -> {"type"}, "what kind of equations" -> {"equat"})."""
    m = _WH_WORD.search(question)
    if m is None:
        return set()
    tokens = [w.lower() for w in _WORD.findall(question[m.end() :])][:6]
    found: list[str] = []
    for i, word in enumerate(tokens):
        if word in _TYPE_FILLERS and i + 1 < len(tokens) and tokens[i + 1] == "of" and not found:
            continue
        if len(word) < 2:  # the "s" of "country's"
            continue
        if word in STOP_WORDS:
            if found:
                break
            continue
        found.append(word)
        if len(found) == 3:
            break
    return {stem(w) for w in found}


def _term_tail(sentence: str, end: int) -> int | None:
    """The end of the lower-case content words that complete the term ending at `end`, if any."""
    m = _TERM_TAIL.match(sentence, end)
    if m is None:
        return None
    tail_end = None
    for w in re.finditer(r"[a-z][a-z\-]+", m.group(0)):
        if w.group(0) in STOP_WORDS:
            break
        tail_end = end + w.end()
    return tail_end


def span_candidates(sentence: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) character spans in `sentence` that could be a short answer."""
    found: dict[tuple[int, int], str] = {}
    for kind, pattern in (("number", _NUMBER), ("term", _ACRONYM), ("name", _NAME)):
        for m in pattern.finditer(sentence):
            text = m.group(0)
            start = m.start() + len(text) - len(text.lstrip())
            end = m.start() + len(text.rstrip())
            if end - start >= 2:
                found.setdefault((start, end), kind)
                tail = _term_tail(sentence, end) if kind != "number" else None
                if tail is not None:
                    found.setdefault((start, tail), kind)
    for m in _PHRASE_LEAD.finditer(sentence):
        words: list[tuple[int, int]] = []
        for w in re.finditer(r"[A-Za-z$][A-Za-z0-9\-$^{}_\\]*", sentence[m.end() :]):
            if (words and w.start() > words[-1][1] + 1) or w.group(0).lower() in STOP_WORDS:
                break
            words.append((w.start(), w.end()))
            if len(words) >= 2:
                found.setdefault((m.end() + words[0][0], m.end() + words[-1][1]), "phrase")
            if len(words) == 4:
                break
        if words:
            found.setdefault((m.end() + words[0][0], m.end() + words[-1][1]), "phrase")
    return [(kind, s, e) for (s, e), kind in sorted(found.items())]


def span_features(
    question: str, sentence: str, spans: Sequence[tuple[str, int, int]], idf: Idf
) -> np.ndarray:
    """(n, SPAN_FEATURES) float32: kind, overlap with the question, distance to the question's words, and
    whether the span holds or neighbours the words naming what the question asks for (answer_type_stems)."""
    q_set = set(content_stems(question))
    wanted = answer_type_stems(question)
    numeric = bool(_NUMERIC_QUESTION.search(question))
    words = [(m.start(), m.group(0).lower()) for m in _WORD.finditer(sentence)]
    tokens = [(pos, w, stem(w)) for pos, w in words]
    anchors = [pos for pos, _, s in tokens if s in q_set]
    rows = []
    for kind, start, end in spans:
        inside = [s for pos, w, s in tokens if start <= pos < end and w not in STOP_WORDS]
        in_q = sum(1 for s in inside if s in q_set) / max(len(inside), 1)
        distance = min((abs(a - start) for a in anchors if not start <= a < end), default=len(sentence))
        before = [s for pos, _, s in tokens if pos < start][-4:]
        after = [s for pos, _, s in tokens if pos >= end][:3]
        rows.append(
            [
                *(float(kind == k) for k in SPAN_KINDS),
                float(numeric) * float(kind == "number"),
                in_q,
                float(in_q == 0),
                math.log1p(distance) / 5,
                math.log1p(end - start) / 4,
                start / max(len(sentence), 1),
                max((idf(s) for s in inside), default=0.0) / 10,
                float(any(s in q_set for s in inside)) * float(kind != "phrase"),
                float(any(s in wanted for s in inside)),
                float(any(s in wanted for s in before + after)),
            ]
        )
    return np.asarray(rows, dtype=np.float32).reshape(-1, SPAN_FEATURES)


def mlp_module(inputs: int, hidden: int):
    """The torch module a scorer is trained as: Linear -> GELU (exact) -> Linear."""
    import torch

    return torch.nn.Sequential(torch.nn.Linear(inputs, hidden), torch.nn.GELU(), torch.nn.Linear(hidden, 1))


_erf = np.frompyfunc(math.erf, 1, 1)  # exact GELU without scipy (~1 s to import) in each web worker


@dataclass
class Mlp:
    """A trained scorer in numpy: the same arithmetic as _mlp's module, within ~1e-6."""

    w1: np.ndarray  # (hidden, inputs) float32
    b1: np.ndarray  # (hidden,) float32
    w2: np.ndarray  # (1, hidden) float32
    b2: np.ndarray  # (1,) float32

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Mlp:
        """From a torch Sequential's state dict (tensors or arrays) with keys 0.weight ... 2.bias."""
        get = [np.asarray(state[k], dtype=np.float32) for k in ("0.weight", "0.bias", "2.weight", "2.bias")]
        return cls(*get)

    @classmethod
    def from_module(cls, module: Any) -> Mlp:
        """From a trained torch module made by `mlp_module`."""
        return cls.from_state({k: v.detach().cpu().numpy() for k, v in module.state_dict().items()})

    def state(self) -> dict[str, np.ndarray]:
        return {"0.weight": self.w1, "0.bias": self.b1, "2.weight": self.w2, "2.bias": self.b2}

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """x (n, inputs) float32 -> logits (n,) float32."""
        h = x @ self.w1.T + self.b1
        h = (0.5 * h * (1.0 + _erf(h.astype(np.float64) / math.sqrt(2.0)).astype(np.float64))).astype(
            np.float32
        )
        return (h @ self.w2.T + self.b2)[:, 0].astype(np.float32, copy=False)


@dataclass
class ReaderConfig:
    hidden: int = 32
    span_hidden: int = 16


class Reader:
    """The two scorers (numpy `Mlp`s, fitted in torch by `reader_fit`), the IDF table and the abstention
    threshold; `read` answers on a question."""

    def __init__(
        self,
        config: ReaderConfig,
        idf: Idf,
        threshold: float = 0.5,
        *,
        sentence: Mlp | None = None,
        span: Mlp | None = None,
    ) -> None:
        self.config, self.idf, self.threshold = config, idf, threshold
        self.sentence_scorer, self.span_scorer = sentence, span
        self.span_model: Any = None  # physlit.ml.answer_span.AnswerSpanModel, when the folder has one
        # The span model's score above which a sentence holds an answer whatever the sentence scorer says,
        # calibrated like `threshold` on held-out unanswerable questions (None: no span model).
        self.span_threshold: float | None = None
        self.meta: dict[str, Any] = {}

    def _scorer(self, name: str) -> Mlp:
        scorer = self.sentence_scorer if name == "sentence" else self.span_scorer
        if scorer is None:
            raise ValueError(f"the reader's {name} scorer is not trained yet (reader_fit)")
        return scorer

    def _scores(self, name: str, x: np.ndarray) -> np.ndarray:
        if not len(x):
            return np.zeros(0, np.float32)
        return self._scorer(name)(x)

    def read(self, question: str, candidates: Sequence[Candidate], encode: Encode) -> list[Reading]:
        """[Reading] in candidate order: probability that the sentence answers, and the short answer span
        (for every candidate: the span model's when the reader has one, else the span MLP's)."""
        if not candidates:
            return []
        vecs = encode([question, *[c.text for c in candidates]])
        reads = [self.span_read(question, c.text) for c in candidates]
        x = sentence_features(question, vecs[0], candidates, vecs[1:], self.idf, reads)
        probs = 1 / (1 + np.exp(-self._scores("sentence", x)))
        picks = []
        if self.span_model is not None:
            picks = self.span_model.spans(question, [c.text for c in candidates])
        readings = []
        for i, p in enumerate(probs):
            pick = picks[i] if picks else None
            if pick is None:
                readings.append(Reading(float(p), reads[i].span))
            else:
                readings.append(Reading(float(p), (pick.start, pick.end), pick.score))
        return readings

    def span_read(self, question: str, sentence: str) -> SpanRead:
        """One pass of the span MLP over the candidate spans of `sentence`."""
        spans = span_candidates(sentence)
        if not spans:
            return SpanRead(None, 0.0, False)
        x = span_features(question, sentence, spans, self.idf)
        scores = self._scores("span", x)
        best = int(np.argmax(scores))
        _, start, end = spans[best]
        typed = (x[:, _IN_QUESTION] < 1) & ((x[:, _TYPE_IN] > 0) | (x[:, _TYPE_NEAR] > 0))
        return SpanRead((start, end), float(scores[best]), bool(typed.any()))

    def save(self, folder: Path, meta: dict[str, Any]) -> None:
        """Write reader.npz, reader.json and idf.json into `folder` (a new artifact folder)."""
        weights = {
            f"{name}.{k}": v for name in ("sentence", "span") for k, v in self._scorer(name).state().items()
        }
        # Float arrays only: saying so also keeps `weights` from reading as the allow_pickle flag.
        np.savez(folder / "reader.npz", allow_pickle=False, **weights)
        doc = {
            "format": READER_FORMAT,
            "config": self.config.__dict__,
            "threshold": self.threshold,
            "span_threshold": self.span_threshold,
            "idf_default": self.idf.default,
            **meta,
        }
        (folder / "reader.json").write_text(json.dumps(doc, indent=2) + "\n")
        (folder / "idf.json").write_text(json.dumps(self.idf.table))

    @classmethod
    def load(cls, folder: Path) -> Reader:
        """The reader saved in `folder`; ReaderFormatError for a folder of another format."""
        folder = Path(folder)
        meta = json.loads((folder / "reader.json").read_text())
        if meta.get("format") != READER_FORMAT:
            raise ReaderFormatError(
                f"{folder}: reader format {meta.get('format')}, this code reads format {READER_FORMAT} "
                "(answer-type features); train a new one: "
                "python manage.py train reader"
            )
        idf = Idf(json.loads((folder / "idf.json").read_text()), float(meta["idf_default"]))
        with np.load(folder / "reader.npz") as weights:
            sentence, span = (
                Mlp.from_state(
                    {k[len(name) + 1 :]: weights[k] for k in weights.files if k.startswith(name + ".")}
                )
                for name in ("sentence", "span")
            )
        reader = cls(
            ReaderConfig(**meta["config"]), idf, float(meta["threshold"]), sentence=sentence, span=span
        )
        reader.span_threshold = meta.get("span_threshold")
        reader.meta = meta
        return reader


def fit_mlp(
    model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    epochs: int = 300,
    lr: float = 0.01,
    on_epoch: Callable[[float], bool] | None = None,
) -> int:
    """Full-batch Adam on x (n, f) float32, y (n,) in {0, 1}: binary cross-entropy, plus, when `groups`
    (n,) int labels the candidates of one question, a softmax loss that ranks each group's positive first.
    `on_epoch(loss)` may return True to stop. Returns the epochs run."""
    import torch

    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.float32))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    group_index = None
    if groups is not None:
        group_index = torch.from_numpy(groups.astype(np.int64))
        n_groups = int(groups.max()) + 1 if len(groups) else 0
    positives = float(yt.sum())
    pos_weight = torch.tensor(max(1.0, (len(yt) - positives) / max(positives, 1.0)))
    model.train()
    done = 0
    for _ in range(epochs):
        done += 1
        logits = model(xt).squeeze(-1)
        # Positives weighted up to balance the classes, so 0.5 means "as likely answering as not".
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt, pos_weight=pos_weight)
        if group_index is not None and n_groups:
            # log-sum-exp per group minus the positive's logit (groups without a positive add nothing)
            m = torch.full((n_groups,), -1e9).scatter_reduce(0, group_index, logits, "amax")
            z = torch.zeros(n_groups).index_add(0, group_index, torch.exp(logits - m[group_index]))
            lse = m + torch.log(z)
            pos = torch.zeros(n_groups).index_add(0, group_index, logits * yt)
            has = torch.zeros(n_groups).index_add(0, group_index, yt) > 0
            if has.any():
                loss = loss + (lse - pos)[has].mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if on_epoch is not None and on_epoch(float(loss.detach())):
            break
    model.eval()
    return done


def reader_fit(
    reader: Reader,
    sentences: tuple[np.ndarray, np.ndarray, np.ndarray],
    spans: tuple[np.ndarray, np.ndarray, np.ndarray],
    pairs: Sequence[tuple[str, str]],
) -> None:
    """Fit both scorers in torch on (x, y, groups) design matrices (fit_mlp), then keep their weights as
    numpy scorers: the span scorer first, because the sentence scorer reads its pass over each sentence
    (columns SPAN_TYPED and SPAN_CONFIDENCE of the sentence design), which `pairs` ((question, sentence) per
    row of it) fill in. A span scorer without data stays at its initial weights."""
    span = mlp_module(SPAN_FEATURES, reader.config.span_hidden)
    if len(spans[1]):
        fit_mlp(span, *spans[:2], groups=spans[2])
    reader.span_scorer = Mlp.from_module(span)
    x = sentences[0].copy()
    columns = [_span_read_columns(reader.span_read(q, s)) for q, s in pairs]
    x[:, [SPAN_TYPED, SPAN_CONFIDENCE]] = np.asarray(columns, np.float32).reshape(-1, 2)
    sentence = mlp_module(SENTENCE_FEATURES, reader.config.hidden)
    fit_mlp(sentence, x, sentences[1], groups=sentences[2])
    reader.sentence_scorer = Mlp.from_module(sentence)


@functools.lru_cache(maxsize=4)
def reader_load(
    folder: str, *, span_backend: str = "onnx-int8", cache_dir: str = "", threads: int | None = None
) -> Reader:
    """The reader saved at `folder`, loaded once per process, with its answer-span model (served by
    `span_backend`, ONNX files cached under `cache_dir`) when the folder has one and `cache_dir` is given."""
    reader = Reader.load(Path(folder))
    span = Path(folder) / SPAN_FOLDER
    if span.is_dir() and cache_dir:
        from physlit.ml.answer_span import answer_span_load

        reader.span_model = answer_span_load(
            span, backend=span_backend, cache_dir=Path(cache_dir), threads=threads
        )
    return reader
