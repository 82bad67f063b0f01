"""Category classifier (stage: classify): a paper's title and abstract in, arXiv categories with
probabilities out, most probable first (the primary category, then likely cross-lists).

Model: a sentence encoder (by default the packaged MiniLM the search starts from) whose transformer is
fine-tuned end to end together with a linear head over its mean-pooled, L2-normalised embedding e:
logits = W e + b, one logit per category. Loss: softmax cross-entropy on the primary category (so the first
suggestion is the primary) plus binary cross-entropy on every listed category (primary and cross-lists), so
that sigmoid(logit) reads as "this paper belongs in this category".

The data's two traps:
- Records listing quant-ph alone (38,347 of 38,451 quant-ph papers in the shared 83k slice: its quant-ph
  records carry no cross-lists) say nothing about other categories, so for them the binary loss covers
  quant-ph only; the cross-entropy still teaches quant-ph as their primary.
- Category fields also hold stray tokens (MSC codes such as "85A40,", ACM codes, words): only tokens of the
  form archive[.SUB] with a known arXiv archive count (`categories_clean`).

Beside it, a lexical model reads the same text: TF-IDF over words and word pairs with a multinomial
logistic regression on the primary category, fitted on every training paper in a couple of minutes
(`lexical_fit`, scikit-learn) and served in numpy (`Lexical`, lexical.npz). The two are combined per category
as a product of experts: the mean of their logits (`fuse_probabilities`). On 2 CPU cores the transformer sees
only part of the corpus within its budget and the lexical model all of it; they err differently
(docs/benchmarks.md, "Category suggestion").

Serving needs no torch: the fine-tuned encoder runs through physlit.ml.encoder (ONNX, tokenizers) and the
head is a numpy matrix (head.npz). Training (`classifier_fit`) imports torch. No Django here.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

# arXiv archives, current and retired (https://arxiv.org/category_taxonomy); a category is ARCHIVE or
# ARCHIVE.SUB.
ARCHIVES = frozenset(
    "astro-ph cond-mat gr-qc hep-ex hep-lat hep-ph hep-th math-ph nlin nucl-ex nucl-th physics quant-ph "
    "math cs q-bio q-fin stat eess econ acc-phys adap-org alg-geom ao-sci atom-ph bayes-an chao-dyn "
    "chem-ph cmp-lg comp-gas dg-ga funct-an mtrl-th patt-sol plasm-ph q-alg solv-int supr-con".split()
)
_CATEGORY = re.compile(r"([a-z][a-z\-]*)(?:\.[A-Za-z][A-Za-z\-]*)?")
HEAD_FILE = "head.npz"
LABELS_FILE = "classifier.json"
ENCODER_FOLDER = "encoder"
LEXICAL_FILE = "lexical.npz"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def categories_clean(tokens: Sequence[str]) -> list[str]:
    """The arXiv categories among a record's category tokens, in order, without MSC/ACM codes or words."""
    kept: list[str] = []
    for token in tokens:
        match = _CATEGORY.fullmatch(token)
        if match and match.group(1) in ARCHIVES and token not in kept:
            kept.append(token)
    return kept


def archive_of(category: str) -> str:
    return category.split(".", 1)[0]


def labels_make(category_lists: Sequence[Sequence[str]], min_count: int) -> list[str]:
    """The categories the classifier predicts: those listed (primary or cross-list) on at least `min_count`
    of the papers, sorted."""
    counts = Counter(c for cats in category_lists for c in cats)
    return sorted(c for c, n in counts.items() if n >= min_count)


# --- scoring: what the bench and the trainer report ---------------------------------------------------------


def archive_scores(probabilities: np.ndarray, labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """(archives, (n, archives) scores): an archive scores the highest probability of its categories."""
    archives = sorted({archive_of(c) for c in labels})
    column = {a: i for i, a in enumerate(archives)}
    scores = np.zeros((len(probabilities), len(archives)), dtype=np.float32)
    for j, category in enumerate(labels):
        a = column[archive_of(category)]
        scores[:, a] = np.maximum(scores[:, a], probabilities[:, j])
    return archives, scores


def classification_metrics(
    probabilities: np.ndarray, labels: Sequence[str], gold: Sequence[Sequence[str]]
) -> dict[str, float]:
    """Scores of (n, labels) probabilities against each paper's categories (primary first).

    archive_top1: the top archive is the primary's archive; archive_top3_recall: the primary's archive is
    among the top three archives; category_top1: the top category is the primary; category_macro_f1: F1 of
    the top category as a prediction of the primary, averaged over the primary categories present (rare
    categories weigh as much as quant-ph); cross_list_f1: micro-F1 of categories above 0.5 against all
    listed ones, on the papers listing more than quant-ph alone (elsewhere the cross-lists are unknown).
    """
    archives, a_scores = archive_scores(probabilities, labels)
    a_rank = np.argsort(-a_scores, axis=1)
    top = np.argmax(probabilities, axis=1)
    primaries = [cats[0] for cats in gold]
    predicted = [labels[i] for i in top]
    a_top1 = [archives[a_rank[i, 0]] == archive_of(p) for i, p in enumerate(primaries)]
    a_top3 = [archive_of(p) in {archives[j] for j in a_rank[i, :3]} for i, p in enumerate(primaries)]
    f1s = []
    for category in sorted(set(primaries)):
        tp = sum(1 for p, q in zip(primaries, predicted) if p == q == category)
        fp = sum(1 for p, q in zip(primaries, predicted) if q == category and p != category)
        fn = sum(1 for p, q in zip(primaries, predicted) if p == category and q != category)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    tp = fp = fn = 0
    index = {c: j for j, c in enumerate(labels)}
    for i, cats in enumerate(gold):
        if list(cats) == ["quant-ph"]:
            continue
        said = {labels[int(j)] for j in np.flatnonzero(probabilities[i] >= 0.5)}
        listed = {c for c in cats if c in index}
        tp, fp, fn = tp + len(said & listed), fp + len(said - listed), fn + len(listed - said)
    return {
        "archive_top1": float(np.mean(a_top1)),
        "archive_top3_recall": float(np.mean(a_top3)),
        "category_top1": float(np.mean([p == q for p, q in zip(primaries, predicted)])),
        "category_macro_f1": float(np.mean(f1s)) if f1s else 0.0,
        "cross_list_f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
        "papers": len(gold),
    }


# --- serving ------------------------------------------------------------------------------------------------


class Lexical:
    """TF-IDF (lower-cased words of 2+ characters and word pairs, sublinear term frequency, L2-normalised
    rows, as scikit-learn's TfidfVectorizer computes them) and a multinomial logistic regression over the
    classifier's labels, in numpy. proba(texts) -> (n, labels) probabilities summing to 1 per row."""

    def __init__(self, terms: Sequence[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray):
        self.vocabulary = {t: i for i, t in enumerate(terms)}
        self.idf = idf.astype(np.float32)  # (features,)
        self.coef = coef.astype(np.float32)  # (labels, features)
        self.intercept = intercept.astype(np.float32)  # (labels,)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of the text's non-zero TF-IDF features."""
        words = _TOKEN.findall(text.lower())
        counts = Counter(words)
        counts.update(f"{a} {b}" for a, b in zip(words, words[1:]))
        pairs = [(self.vocabulary[t], n) for t, n in counts.items() if t in self.vocabulary]
        if not pairs:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        cols = np.array([c for c, _ in pairs], np.int64)
        values = (1.0 + np.log(np.array([n for _, n in pairs], np.float32))) * self.idf[cols]
        return cols, values / max(float(np.linalg.norm(values)), 1e-12)

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        logits = np.tile(self.intercept, (len(texts), 1))
        for row, text in enumerate(texts):
            cols, values = self.features(text)
            logits[row] += self.coef[:, cols] @ values
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)

    def save(self, folder: Path) -> None:
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(
            Path(folder) / LEXICAL_FILE,
            terms=np.array(terms, dtype=str),
            idf=self.idf,
            coef=self.coef,
            intercept=self.intercept,
        )

    @classmethod
    def load(cls, folder: Path) -> Lexical | None:
        """The lexical model saved in `folder`, or None (a classifier trained before it had one)."""
        path = Path(folder) / LEXICAL_FILE
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            return cls(data["terms"].tolist(), data["idf"], data["coef"], data["intercept"])


def fuse_probabilities(transformer: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """The product of experts of the transformer head's per-category probabilities (sigmoids) and the
    lexical model's: sigmoid of the mean of their logits, (n, labels)."""

    def logit(p: np.ndarray) -> np.ndarray:
        p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
        return np.log(p) - np.log1p(-p)

    fused = (logit(transformer) + logit(lexical)) / 2
    return (1.0 / (1.0 + np.exp(-fused))).astype(np.float32)


class Classifier:
    """A trained classifier: `encode` (texts -> unit embeddings, e.g. an ONNX physlit.ml.encoder Encoder),
    the head's weights and, when the folder has one, the lexical model it is fused with.
    predict(texts) -> (n, labels) probabilities."""

    def __init__(
        self,
        encode: Callable[[Sequence[str]], np.ndarray],
        head: dict[str, np.ndarray],
        labels,
        lexical: Lexical | None = None,
    ):
        self.encode = encode
        self.weight = head["weight"].astype(np.float32)  # (labels, dim)
        self.bias = head["bias"].astype(np.float32)  # (labels,)
        self.labels = list(labels)
        self.lexical = lexical

    def transformer_predict(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, each label's probability from the fine-tuned transformer's head alone."""
        logits = self.encode(texts) @ self.weight.T + self.bias
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, each label's probability, as served: the transformer's fused with the lexical model's
        where the classifier has one."""
        return self.fuse(texts, self.transformer_predict(texts))

    def fuse(self, texts: Sequence[str], transformer: np.ndarray) -> np.ndarray:
        """`transformer_predict(texts)`'s probabilities fused with the lexical model's (unchanged without
        one), so that a caller holding both reads the transformer once."""
        if self.lexical is None:
            return transformer
        return fuse_probabilities(transformer, self.lexical.proba(texts))

    def suggest(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        """The `top` most probable categories of one paper's text, most probable first."""
        probabilities = self.predict([text])[0]
        order = np.argsort(-probabilities)[:top]
        return [(self.labels[i], float(probabilities[i])) for i in order]


def classifier_read(folder: Path) -> tuple[dict[str, np.ndarray], list[str], dict[str, Any]]:
    """(head arrays, labels, metadata) of a saved classifier folder; its encoder is folder/ENCODER_FOLDER."""
    meta = json.loads((Path(folder) / LABELS_FILE).read_text())
    with np.load(Path(folder) / HEAD_FILE) as data:
        head = {k: data[k] for k in data.files}
    return head, list(meta["labels"]), meta


def classifier_load(folder: Path, *, backend: str, cache_dir: Path, threads: int | None = None) -> Classifier:
    """A saved classifier as it serves: its encoder through physlit.ml.encoder with `backend` (ONNX ones
    need no torch), its head in numpy."""
    from physlit.ml.encoder import get_encoder

    head, labels, _ = classifier_read(folder)
    encoder = get_encoder(
        Path(folder) / ENCODER_FOLDER, backend=backend, cache_dir=cache_dir, threads=threads
    )
    return Classifier(encoder.encode, head, labels, Lexical.load(folder))


# --- training (torch) ---------------------------------------------------------------------------------------


@dataclass
class ClassifierConfig:
    batch_size: int = 32
    learning_rate: float = 5e-5  # the transformer's
    head_learning_rate: float = 5e-3
    warmup_steps: int = 50
    weight_decay: float = 0.01
    max_length: int = 128  # title and the abstract's opening: enough for the category, 2x faster than 256
    epochs: int = 1
    per_primary_cap: int = 1500  # at most this many training papers per primary category (quant-ph, hep-th)
    seed: int = 0


def training_sample(
    papers: Sequence[tuple[str, list[str]]], config: ClassifierConfig
) -> list[tuple[str, list[str]]]:
    """Papers (text, categories) to train on: at most `per_primary_cap` per primary category, so that the
    two big archives (quant-ph, hep-th) do not drown the rest; seeded."""
    rng = random.Random(config.seed)
    shuffled = list(papers)
    rng.shuffle(shuffled)
    seen: Counter[str] = Counter()
    sample = []
    for text, cats in shuffled:
        if seen[cats[0]] < config.per_primary_cap:
            seen[cats[0]] += 1
            sample.append((text, cats))
    return sample


def classifier_fit(
    model,
    tokenizer,
    papers: Sequence[tuple[str, list[str]]],
    labels: Sequence[str],
    *,
    device,
    config: ClassifierConfig,
    deadline: float | None = None,
    log: Callable[[str], None] = print,
    corpus_primaries: Sequence[str] = (),
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fine-tune `model` (a transformers encoder, in place) and a linear head on `papers` (text, categories
    with the primary first); returns the head's arrays and training statistics. Stops at the deadline.

    `papers` is a sample capped per primary category (training_sample), so the head learns the categories
    as if they were equally common. `corpus_primaries` (every training paper's primary category) restores
    the corpus's own frequencies: each bias gains log(corpus share / sample share) of its category, the
    logit adjustment for a known prior shift, so that quant-ph and hep-th stay the likely first guesses they
    are."""
    import torch

    from physlit.ml.encoder_training import _embed, head_fit

    index = {c: j for j, c in enumerate(labels)}
    # Papers whose primary category is too rare to be a label are left out (else a cross-list would pass
    # for their primary).
    rows = [(t, [c for c in cats if c in index]) for t, cats in papers if cats and cats[0] in index]
    head = torch.nn.Linear(model.config.hidden_size, len(labels)).to(device)
    torch.nn.init.zeros_(head.bias)

    def batch_loss(batch: list[int]):
        texts = [rows[i][0] for i in batch]
        primary = torch.tensor([index[rows[i][1][0]] for i in batch], device=device)
        targets = torch.zeros(len(batch), len(labels), device=device)
        known = torch.ones(len(batch), len(labels), device=device)
        for r, i in enumerate(batch):
            cats = rows[i][1]
            targets[r, [index[c] for c in cats]] = 1.0
            if cats == ["quant-ph"]:  # cross-lists unknown: only the quant-ph logit is supervised
                known[r] = 0.0
                known[r, index["quant-ph"]] = 1.0
        embeddings = _embed(model, tokenizer, texts, config.max_length, device, amp=True)
        logits = head(embeddings.float())
        ce = torch.nn.functional.cross_entropy(logits, primary)
        bce = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, targets, weight=known, reduction="sum"
        )
        return ce + bce / known.sum()

    stats = head_fit(
        model,
        head,
        len(rows),
        batch_loss,
        device=device,
        config=config,
        deadline=deadline,
        log=log,
        label="classifier",
    )
    bias = head.bias.detach().float().cpu().numpy()
    if corpus_primaries:
        bias = bias + prior_shift(corpus_primaries, [cats[0] for _, cats in rows], labels)
    arrays = {"weight": head.weight.detach().float().cpu().numpy(), "bias": bias.astype(np.float32)}
    return arrays, asdict(stats)


def prior_shift(corpus: Sequence[str], sample: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """(labels,) log(share among `corpus` / share among `sample`) of each label as a primary category (add-one
    smoothed): what a head trained on `sample` adds to its biases to predict at the corpus's frequencies."""
    full, seen = Counter(corpus), Counter(sample)
    n_full, n_seen, k = len(corpus), len(sample), len(labels)
    return np.asarray(
        [np.log((full[c] + 1) / (n_full + k)) - np.log((seen[c] + 1) / (n_seen + k)) for c in labels],
        dtype=np.float32,
    )


def lexical_fit(texts: Sequence[str], primaries: Sequence[str], labels: Sequence[str]) -> Lexical:
    """Fit the lexical model (scikit-learn: TF-IDF over words and word pairs seen in 3+ papers, the 100,000
    most frequent, sublinear tf; multinomial logistic regression, C=10) on papers whose primary category is
    among `labels`; its classes in `labels`' order (a label without papers gets no probability)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    wanted = set(labels)
    kept = [(t, p) for t, p in zip(texts, primaries) if p in wanted]
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=min(3, max(1, len(kept) // 100)),
        max_features=100_000,
        sublinear_tf=True,
        dtype=np.float32,
    )
    x = vectorizer.fit_transform([t for t, _ in kept])
    model = LogisticRegression(C=10.0, max_iter=100)
    model.fit(x, [p for _, p in kept])
    coef = np.zeros((len(labels), x.shape[1]), np.float32)
    intercept = np.full(len(labels), -30.0, np.float32)
    column = {c: j for j, c in enumerate(labels)}
    for k, c in enumerate(model.classes_):
        if len(model.classes_) == 2:  # scikit-learn keeps one row for two classes: the second's logit
            coef[column[c]] = model.coef_[0] * (1 if k else -1) / 2
            intercept[column[c]] = model.intercept_[0] * (1 if k else -1) / 2
        else:
            coef[column[c]], intercept[column[c]] = model.coef_[k], model.intercept_[k]
    terms = vectorizer.get_feature_names_out().tolist()
    return Lexical(terms, vectorizer.idf_, coef, intercept)


def classifier_save(
    folder: Path,
    model,
    tokenizer,
    base: Path,
    head: dict[str, np.ndarray],
    labels,
    *,
    metadata: dict,
    lexical: Lexical | None = None,
) -> None:
    """Write a classifier folder: the fine-tuned encoder (a sentence-transformers folder that
    physlit.ml.encoder loads, serving at the training length), head.npz, classifier.json and, when given,
    the lexical model (lexical.npz)."""
    from physlit.ml.encoder_training import model_save

    folder = Path(folder)
    (folder / ENCODER_FOLDER).mkdir()
    length = metadata.get("max_length")  # the training length; else the base's
    model_save(model, tokenizer, base, folder / ENCODER_FOLDER, metadata=metadata, max_seq_length=length)
    np.savez(folder / HEAD_FILE, weight=head["weight"], bias=head["bias"])
    if lexical is not None:
        lexical.save(folder)
    (folder / LABELS_FILE).write_text(json.dumps({"labels": list(labels), **metadata}, indent=2, default=str))
