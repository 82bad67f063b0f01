"""`train reader`: fit the reader (physlit.ml.reader) on pseudo-questions made from the corpus (qa.pseudo).

Input: the papers in the database (a sample of PHYSLIT_READER_TRAIN_PAPERS chosen by a hash of the arXiv
id), the current reader version. Output: an immutable folder under PHYSLIT_MODELS_DIR/reader/ with the
scorers, the IDF table, the abstention threshold calibrated on held-out pseudo-questions and off-topic
questions, and validation metrics of the new and the current reader on the same validation groups.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from django.conf import settings

from physlit.corpus.models import Paper
from physlit.ml.reader import SPAN_FOLDER
from physlit.qa.pseudo import OFF_TOPIC, Group, PaperText, groups_make, is_validation, paper_seed
from physlit.registry.models import ModelVersion
from physlit.search.encoding import encoder_base_model
from physlit.text.scoring import token_f1
from physlit.training.result import TrainResult

VALIDATION_GROUPS = 300
ABSTAIN_QUANTILE = 0.95
SEED = 1234


def corpus_papers(limit: int) -> list[PaperText]:
    """Up to `limit` papers with an abstract, chosen by a hash of the arXiv id (same sample every run)."""
    rows = Paper.objects.exclude(abstract="").values_list("arxiv_id", "title", "abstract")
    papers = [PaperText(a, " ".join(t.split()), ab) for a, t, ab in rows.iterator(chunk_size=5000)]
    papers.sort(key=lambda p: paper_seed(p.arxiv_id, "reader-sample"))
    return papers[:limit]


class CachedEncoder:
    """The search encoder with a memo, so each sentence is embedded once per training run."""

    def __init__(self, encode: Callable[[Sequence[str]], np.ndarray]) -> None:
        self._encode = encode
        self._memo: dict[str, np.ndarray] = {}

    def warm(self, texts: Sequence[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if todo:
            for text, vec in zip(todo, self._encode(todo)):
                self._memo[text] = vec

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.warm(texts)
        return np.stack([self._memo[t] for t in texts])


def _reader_candidates(group: Group):
    from physlit.ml.reader import Candidate

    return [Candidate(c.text, c.title, c.position, c.count) for c in group.candidates]


def validation_evaluate(reader, groups: Sequence[Group], encode) -> dict:
    """Score a reader on validation groups (answerable, unanswerable, off-topic).

    sentence_accuracy: the answering sentence ranks first in its group; span_exact: the short answer the
    reader picks in that sentence is the pseudo-answer; span_f1: its SQuAD token F1 against the pseudo-answer
    (partial credit: a span model not bound to the pseudo-answers' own candidate generator is judged fairly);
    threshold: the probability that only 1 - ABSTAIN_QUANTILE of the unanswerable and off-topic groups
    reach; abstention_accuracy: the balanced accuracy of answering right vs abstaining there. Readers with
    an answer-span model also get span_threshold, the span score that only as few of those groups reach in
    any of their sentences, and span_confident, the share of answerable groups whose answering sentence
    reaches it.
    score = mean of sentence_accuracy, span_f1 and abstention_accuracy.
    """
    pos_conf: list[float] = []
    neg_conf: list[float] = []
    right, exact, f1, unanswerable_conf = [], [], [], []
    gold_span_scores: list[float] = []
    unanswerable_span_scores: list[float] = []
    for group in groups:
        readings = reader.read(group.question, _reader_candidates(group), encode)
        best = int(np.argmax([r.probability for r in readings]))
        confidence = readings[best].probability
        if group.answerable:
            ok = group.candidates[best].label == 1
            right.append(ok)
            (pos_conf if ok else neg_conf).append(confidence)
            gold = group.candidates[0]
            exact.append(readings[0].span == tuple(gold.answer) if gold.answer else False)
            if readings[0].span_score is not None:
                gold_span_scores.append(readings[0].span_score)
            if gold.answer:
                span = readings[0].span
                picked = gold.text[span[0] : span[1]] if span else ""
                f1.append(token_f1(picked, [gold.text[gold.answer[0] : gold.answer[1]]]))
        else:
            neg_conf.append(confidence)
            unanswerable_conf.append(confidence)
            span_scores = [r.span_score for r in readings if r.span_score is not None]
            if span_scores:
                unanswerable_span_scores.append(max(span_scores))
    pos, neg = np.asarray(pos_conf), np.asarray(neg_conf)
    # Abstain below what all but ABSTAIN_QUANTILE of the unanswerable and off-topic questions reach: real
    # questions reword more than pseudo-questions, so a threshold that merely separates the two pseudo
    # classes sits too high for them; fixing the false-answer rate does not depend on that.
    unanswerable = np.asarray(unanswerable_conf)
    best_t = float(np.quantile(unanswerable, ABSTAIN_QUANTILE)) if len(unanswerable) else 0.5
    best_bal = ((pos >= best_t).mean() if len(pos) else 0.0) / 2 + (
        (neg < best_t).mean() if len(neg) else 0.0
    ) / 2
    metrics = {
        "sentence_accuracy": float(np.mean(right)) if right else 0.0,
        "span_exact": float(np.mean(exact)) if exact else 0.0,
        "span_f1": float(np.mean(f1)) if f1 else 0.0,
        "abstention_accuracy": best_bal,
        "threshold": best_t,
        "answerable_groups": len(right),
        "unanswerable_groups": len(unanswerable_conf),
    }
    if unanswerable_span_scores and gold_span_scores:
        span_t = float(np.quantile(unanswerable_span_scores, ABSTAIN_QUANTILE))
        metrics["span_threshold"] = span_t
        metrics["span_confident"] = float(np.mean(np.asarray(gold_span_scores) >= span_t))
    metrics["score"] = (
        metrics["sentence_accuracy"] + metrics["span_f1"] + metrics["abstention_accuracy"]
    ) / 3
    return metrics


def _off_topic_groups(validation: Sequence[Group]) -> list[Group]:
    pool = [c for g in validation if not g.answerable for c in g.candidates]
    rng = random.Random(SEED)
    return [Group(q, rng.sample(pool, min(8, len(pool))), False) for q in OFF_TOPIC if pool]


def _design(reader, groups: Sequence[Group], encode):
    """Feature matrices for the sentence scorer and the span scorer, with labels and group ids, and the
    (question, sentence) of each sentence row (reader_fit fills in the span scorer's confidence from them)."""
    from physlit.ml.reader import (
        SENTENCE_FEATURES,
        SPAN_FEATURES,
        sentence_features,
        span_candidates,
        span_features,
    )

    ys: list[int] = []
    xs, gs, span_x, span_y, span_g = [], [], [], [], []
    pairs: list[tuple[str, str]] = []
    for gi, group in enumerate(groups):
        cands = _reader_candidates(group)
        vecs = encode([group.question, *[c.text for c in cands]])
        xs.append(sentence_features(group.question, vecs[0], cands, vecs[1:], reader.idf))
        ys.extend(c.label for c in group.candidates)
        pairs.extend((group.question, c.text) for c in cands)
        gs.extend([gi] * len(cands))
        gold = group.candidates[0]
        if group.answerable and gold.answer:
            spans = span_candidates(gold.text)
            labels = [(s, e) == tuple(gold.answer) for _, s, e in spans]
            if any(labels):
                span_x.append(span_features(group.question, gold.text, spans, reader.idf))
                span_y.extend(labels)
                span_g.extend([gi] * len(spans))
    return (
        np.concatenate(xs) if xs else np.zeros((0, SENTENCE_FEATURES), np.float32),
        np.asarray(ys, np.float32),
        np.asarray(gs),
        np.concatenate(span_x) if span_x else np.zeros((0, SPAN_FEATURES), np.float32),
        np.asarray(span_y, np.float32),
        np.asarray(span_g),
        pairs,
    )


def answer_span_examples(groups: Sequence[Group], *, negatives: int = 1) -> list:
    """(question, sentence, answer span or None) examples for the answer-span model: each answerable
    group's answering sentence with its span, and `negatives` other sentences of the same abstract without."""
    examples: list = []
    for group in groups:
        if not group.answerable:
            continue
        gold, *others = group.candidates
        if gold.answer is None:
            continue
        examples.append((group.question, gold.text, tuple(gold.answer)))
        same = [c for c in others if c.paper == gold.paper][:negatives]
        examples.extend((group.question, c.text, None) for c in same)
    return examples


def _answer_span_train(reader, groups, validation, encode, deadline, log, mlp_f1: float):
    """Fine-tune the answer-span model on the training groups until `deadline`, serve it as physlit would
    (onnxruntime), and keep it on the reader when its short answers reach a higher token F1 against the
    pseudo-answers than the span MLP's did (`mlp_f1`) on the validation groups. Returns (its folder or None,
    its metrics, the reader's validation metrics with it when kept, else None)."""
    import tempfile

    from physlit.ml import answer_span as asp
    from physlit.ml.encoder_training import model_load
    from physlit.ml.training import device_pick

    examples = answer_span_examples(groups)
    if not examples:
        return None, {"examples": 0}, None
    random.Random(SEED).shuffle(examples)
    base = Path(settings.PHYSLIT_READER_SPAN_BASE or encoder_base_model())
    device = device_pick()
    model, tokenizer = model_load(base, device, attention_dropout=0.0)
    log(f"answer span: {len(examples)} examples available, base {base}")
    head, stats = asp.answer_span_fit(
        model, tokenizer, examples, device=device, config=asp.AnswerSpanConfig(), deadline=deadline, log=log
    )
    root = Path(tempfile.mkdtemp(prefix=".answer-span-", dir=settings.PHYSLIT_MODELS_DIR))
    folder = root / SPAN_FOLDER
    asp.answer_span_save(folder, model, tokenizer, base, head, metadata={"base": str(base), "train": stats})
    served = asp.answer_span_load(
        folder, backend=settings.PHYSLIT_READER_BACKEND, cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx"
    )
    reader.span_model = served
    with_model = validation_evaluate(reader, validation, encode)
    model_f1 = with_model["span_f1"]
    metrics = {
        "examples": stats["examples"],
        "seconds": stats["seconds"],
        "span_exact": with_model["span_exact"],
        "span_f1": model_f1,
    }
    log(f"answer span: pseudo-answer token F1 {model_f1:.3f} (span MLP {mlp_f1:.3f})")
    if model_f1 <= mlp_f1:
        reader.span_model = None
        shutil.rmtree(root, ignore_errors=True)
        return None, {**metrics, "kept": 0}, None
    return folder, {**metrics, "kept": 1}, with_model


def reader_train(
    *,
    max_minutes: float,
    current: ModelVersion | None,
    log: Callable[[str], None] = print,
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> TrainResult:
    """Fit a reader within `max_minutes` (embedding the pseudo-questions' sentences takes most of it)."""
    from physlit.ml.reader import Idf, Reader, ReaderConfig, reader_fit, reader_load
    from physlit.ml.training import TrainProgress, artifact_write, deadline_after, seed_everything

    started = time.monotonic()
    seed_everything(SEED)
    deadline = deadline_after(max_minutes)
    if encode is None:
        from physlit.qa.services import reader_encoder

        encode = reader_encoder().encode
    encoder = CachedEncoder(encode)
    papers = corpus_papers(settings.PHYSLIT_READER_TRAIN_PAPERS)
    if len(papers) < 3:
        raise ValueError("not enough papers with abstracts to make reader training data")
    reader = Reader(ReaderConfig(), Idf.fit([p.abstract for p in papers]))
    # Tiny libraries (tests, a fresh install) may have no validation paper by hash: then the first one.
    held_out = {p.arxiv_id for p in papers if is_validation(p.arxiv_id)} or {papers[0].arxiv_id}
    validation = list(groups_make(papers, per_paper=1, only=held_out.__contains__))[:VALIDATION_GROUPS]
    validation += _off_topic_groups(validation)
    groups = list(groups_make(papers, only=lambda arxiv_id: arxiv_id not in held_out))
    random.Random(SEED).shuffle(groups)
    log(
        f"reader data: {len(papers)} papers -> {len(groups)} training groups, "
        f"{len(validation)} validation groups"
    )

    # Embed the validation groups, then training groups in chunks until 70% of the budget is spent (less the
    # answer-span model's share, which trains next).
    share = min(max(settings.PHYSLIT_READER_SPAN_SHARE, 0.0), 0.9)
    encoder.warm([t for g in validation for t in [g.question, *(c.text for c in g.candidates)]])
    budget_end = None if deadline is None else started + max_minutes * 60 * 0.7 * (1 - share)
    progress = TrainProgress(
        total_steps=max(1, (len(groups) + 99) // 100),
        deadline=budget_end,
        log=log,
        every=5,
        label="reader: embed",
    )
    used = 0
    for start in range(0, len(groups), 100):
        chunk = groups[start : start + 100]
        encoder.warm([t for g in chunk for t in [g.question, *(c.text for c in g.candidates)]])
        used = start + len(chunk)
        progress.update(loss=0.0, examples=len(chunk))
        if progress.out_of_time:
            break
    train_groups = groups[:used]
    x, y, g, sx, sy, sg, pairs = _design(reader, train_groups, encoder)
    log(f"fitting on {len(train_groups)} groups: {len(y)} sentence pairs, {len(sy)} span candidates")
    reader_fit(reader, (x, y, g), (sx, sy, sg), pairs)
    metrics = validation_evaluate(reader, validation, encoder)
    span_folder = None
    if share > 0:
        span_end = None if deadline is None else started + max_minutes * 60 * 0.75
        span_folder, span_metrics, with_model = _answer_span_train(
            reader, groups, validation, encoder, span_end, log, metrics["span_f1"]
        )
        metrics["span_exact_mlp"] = metrics["span_exact"]
        metrics["span_f1_mlp"] = metrics["span_f1"]
        metrics.update({f"answer_span_{k}": v for k, v in span_metrics.items()})
        if with_model is not None:  # the reader as it will serve, its span model picking short answers
            metrics.update(with_model)
    reader.threshold = metrics["threshold"]
    if reader.span_model is not None:
        reader.span_threshold = metrics.get("span_threshold")
    baseline = None
    if current is not None:
        try:
            served = reader_load(  # as it serves: with its answer-span model, if it has one
                str(current.path),
                span_backend=settings.PHYSLIT_READER_BACKEND,
                cache_dir=str(settings.PHYSLIT_MODELS_DIR / "onnx"),
            )
            baseline = validation_evaluate(served, validation, encoder)["score"]
        except (OSError, ValueError, KeyError, RuntimeError) as exc:  # missing or older-format artifact
            log(f"current {current.label} could not be scored ({exc}); it counts as 0")
            baseline = 0.0
    log(f"validation: {json.dumps({k: round(v, 4) for k, v in metrics.items()})}; current reader: {baseline}")
    train_seconds = time.monotonic() - started
    base = "features over all-MiniLM-L6-v2 (the search encoder)"
    meta = {
        "base": base,
        "metrics": metrics,
        "train_groups": len(train_groups),
        "data": "cloze pseudo-questions from abstract sentences (physlit.qa.pseudo) with same-abstract and "
        "other-paper negatives, unanswerable groups, off-topic questions",
    }

    def write(folder: Path) -> None:
        reader.save(folder, meta)
        if span_folder is not None:
            shutil.copytree(span_folder, folder / SPAN_FOLDER)

    try:
        path = artifact_write(settings.PHYSLIT_MODELS_DIR, "reader", write)
    finally:
        if span_folder is not None:
            shutil.rmtree(span_folder.parent, ignore_errors=True)
    return TrainResult(
        path=path,
        base=base,
        score=metrics["score"],
        baseline_score=baseline,
        metrics={**metrics, "papers": len(papers), "groups_available": len(groups)},
        train_examples=len(y),
        train_seconds=train_seconds,
        device="cpu",
    )
