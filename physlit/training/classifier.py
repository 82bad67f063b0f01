"""`train classifier`: fine-tune the category classifier (physlit.ml.classifier) on the corpus's own labels.

Input: the papers in the database with their categories (primary first), the current classifier version.
Split by a hash of the arXiv id: papers in the held-out tenth (`held_out`) are never trained on; the bench
(bench/classify.py) scores on the same split. Output: an immutable folder under
PHYSLIT_MODELS_DIR/classifier/ (the fine-tuned encoder, the head, the labels) and validation metrics of the
new and the current classifier on the same held-out papers, both scored as they serve (onnxruntime).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from physlit.corpus.models import Paper
from physlit.registry.models import ModelVersion
from physlit.registry.services import RegistryError
from physlit.search.encoding import encoder_base_model
from physlit.training.result import TrainResult

HELD_OUT_PERCENT = 10
SCORING_MARGIN_SECONDS = 90  # the export to ONNX and the scoring of the new (and current) classifier


def held_out(arxiv_id: str) -> bool:
    """The fixed validation slice: a tenth of the papers by a hash of the arXiv id."""
    return int(hashlib.sha1(f"classifier:{arxiv_id}".encode()).hexdigest()[:8], 16) % 100 < HELD_OUT_PERCENT


def corpus_labelled() -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """(train, held-out) lists of (paper text, categories primary first), arXiv categories only."""
    from physlit.ml.classifier import categories_clean
    from physlit.ml.encoder import paper_text

    train: list[tuple[str, list[str]]] = []
    validation: list[tuple[str, list[str]]] = []
    rows = (
        Paper.objects.exclude(abstract="")
        .order_by("pk")
        .values_list("arxiv_id", "title", "abstract", "categories")
    )
    for arxiv_id, title, abstract, categories in rows.iterator(chunk_size=5000):
        cats = categories_clean(categories or [])
        if cats:
            (validation if held_out(arxiv_id) else train).append((paper_text(title, abstract), cats))
    return train, validation


def classifier_score(folder: Path, validation: list[tuple[str, list[str]]]) -> dict:
    """Metrics of the classifier saved in `folder`, run as it serves, on the held-out papers."""
    from physlit.ml.classifier import classification_metrics, classifier_load

    classifier = classifier_load(
        folder, backend=settings.PHYSLIT_CLASSIFIER_BACKEND, cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx"
    )
    texts, gold = [text for text, _ in validation], [cats for _, cats in validation]
    started = time.monotonic()
    alone = classifier.transformer_predict(texts)
    probabilities = classifier.fuse(texts, alone)
    metrics: dict[str, Any] = dict(classification_metrics(probabilities, classifier.labels, gold))
    metrics["papers_per_second"] = len(validation) / max(time.monotonic() - started, 1e-9)
    metrics["score"] = (metrics["archive_top1"] + metrics["category_macro_f1"]) / 2
    if classifier.lexical is not None:  # the transformer alone, for the record
        metrics["transformer_alone"] = classification_metrics(alone, classifier.labels, gold)
    return metrics


def classifier_train(
    *, max_minutes: float, current: ModelVersion | None, log: Callable[[str], None] = print
) -> TrainResult:
    """Fine-tune the base encoder with a category head for at most `max_minutes` (scoring included).

    score = mean of archive top-1 accuracy and sub-category macro-F1 on the held-out papers (see
    physlit.ml.classifier.classification_metrics); baseline_score = the current version's on the same papers.
    """
    from physlit.ml import classifier as cl
    from physlit.ml.encoder_training import model_load
    from physlit.ml.training import artifact_write, deadline_after, device_pick, seed_everything

    started = time.monotonic()
    deadline = deadline_after(max_minutes)
    train, validation = corpus_labelled()
    validation = validation[: settings.PHYSLIT_CLASSIFIER_VALIDATION]
    labels = cl.labels_make([cats for _, cats in train], settings.PHYSLIT_CLASSIFIER_MIN_COUNT)
    if len(labels) < 2 or not validation:
        raise RegistryError(
            f"not enough labelled papers to train a classifier ({len(train)} for training, {len(labels)} "
            f"categories with at least {settings.PHYSLIT_CLASSIFIER_MIN_COUNT} papers, "
            f"{len(validation)} held out)"
        )
    # The lexical model first (minutes on every training paper of the 83k corpus), so the transformer gets
    # what is left of the budget.
    lexical_started = time.monotonic()
    lexical = cl.lexical_fit([t for t, _ in train], [cats[0] for _, cats in train], labels)
    seconds = time.monotonic() - lexical_started
    log(f"classifier: lexical model (TF-IDF + logistic regression) fitted in {seconds:.0f} s")
    config = cl.ClassifierConfig(per_primary_cap=settings.PHYSLIT_CLASSIFIER_PER_PRIMARY)
    sample = cl.training_sample(train, config)
    device = device_pick()
    seed_everything(config.seed)
    base = Path(settings.PHYSLIT_CLASSIFIER_BASE or encoder_base_model())
    log(
        f"classifier: {len(sample):,} training papers (of {len(train):,}), {len(labels)} categories, "
        f"{len(validation)} held out, on {device}, base {base}"
    )
    model, tokenizer = model_load(base, device, attention_dropout=0.0)
    train_deadline = None if deadline is None else deadline - SCORING_MARGIN_SECONDS
    head, stats = cl.classifier_fit(
        model,
        tokenizer,
        sample,
        labels,
        device=device,
        config=config,
        deadline=train_deadline,
        log=log,
        corpus_primaries=[cats[0] for _, cats in train],
    )
    metadata = {
        "base": str(base),
        "max_length": config.max_length,
        "train": stats,
        "prior_shift": True,
        "lexical": {"papers": len(train), "features": len(lexical.vocabulary)},
    }
    path = artifact_write(
        settings.PHYSLIT_MODELS_DIR,
        "classifier",
        lambda folder: cl.classifier_save(
            folder, model, tokenizer, base, head, labels, metadata=metadata, lexical=lexical
        ),
    )
    metrics: dict = {"new": classifier_score(path, validation), "train": stats, "labels": len(labels)}
    if current is not None and Path(current.path).is_dir():
        metrics["current"] = classifier_score(Path(current.path), validation)
    new, old = metrics["new"], metrics.get("current")
    log(
        f"classifier: archive top-1 {new['archive_top1']:.3f}, top-3 {new['archive_top3_recall']:.3f}, "
        f"macro-F1 {new['category_macro_f1']:.3f} after {stats['steps']} steps in "
        f"{time.monotonic() - started:.0f} s; saved to {path}"
    )
    return TrainResult(
        path=path,
        base=str(base),
        score=new["score"],
        baseline_score=None if old is None else old["score"],
        metrics=metrics,
        train_examples=stats["examples"],
        train_seconds=stats["seconds"],
        device=stats["device"],
    )
