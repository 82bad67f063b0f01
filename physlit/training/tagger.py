"""`train tagger`: fine-tune the results tagger (physlit.ml.tagger) on hand-labelled abstracts of the corpus.

Input: the papers in the database; the hand labels physlit ships (physlit/results/data/train-labels.jsonl:
arXiv ids and character spans, labelled under docs/results-labelling.md, none of them in the benchmark's
gold sample); optionally PHYSLIT_TAGGER_TRAIN_PAPERS more papers labelled by the hand-written patterns
(physlit.results.patterns), whose labels are precise but miss most results. The hand-labelled papers are
split by a hash of the arXiv id: the held-out tenth is never trained on and scores the new tagger, as it
serves (onnxruntime), against the patterns on the same papers (value-span F1): a tagger is made current
only when it beats both the patterns and the current tagger there.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from physlit.corpus.models import Paper
from physlit.registry.models import ModelVersion
from physlit.registry.services import RegistryError
from physlit.results.patterns import results_find
from physlit.results.services import abstract_hash, found_spans
from physlit.search.encoding import encoder_base_model
from physlit.training.result import TrainResult

HELD_OUT_PERCENT = 10
SCORING_MARGIN_SECONDS = 90  # the export to ONNX and the scoring of the new (and current) tagger
HAND_LABELS = Path(__file__).resolve().parents[1] / "results" / "data" / "train-labels.jsonl"
# Share of weakly labelled papers without any result: enough for the tagger to learn that most numbers are
# not results, few enough that it sees many results.
WITHOUT_RESULTS_SHARE = 0.3


def held_out(arxiv_id: str) -> bool:
    return int(hashlib.sha1(f"tagger:{arxiv_id}".encode()).hexdigest()[:8], 16) % 100 < HELD_OUT_PERCENT


def hand_labelled() -> tuple[list, list]:
    """(train, held-out) lists of (arXiv id, abstract, spans) of the hand-labelled papers in the database
    whose abstract is the one labelled (a later version's abstract is skipped)."""
    rows = [json.loads(line) for line in HAND_LABELS.read_text().splitlines() if line.strip()]
    abstracts = dict(
        Paper.objects.filter(arxiv_id__in=[r["id"] for r in rows]).values_list("arxiv_id", "abstract")
    )
    train: list = []
    validation: list = []
    for row in rows:
        abstract = abstracts.get(row["id"])
        if abstract is None or abstract_hash(abstract) != row["abstract_sha1"]:
            continue
        spans = [(kind, start, end) for kind, start, end in row["spans"]]
        (validation if held_out(row["id"]) else train).append((row["id"], abstract, spans))
    return train, validation


def corpus_weakly_labelled(limit: int, *, exclude: set[str], seed: int = 0) -> list:
    """Up to `limit` (abstract, spans) labelled by the patterns, papers drawn at random outside `exclude`
    and the held-out tenth, WITHOUT_RESULTS_SHARE of them without results."""
    if limit <= 0:
        return []
    ids = list(Paper.objects.exclude(abstract="").values_list("pk", "arxiv_id"))
    random.Random(seed).shuffle(ids)
    n_with = round(limit * (1 - WITHOUT_RESULTS_SHARE))
    with_results: list = []
    without: list = []
    for start in range(0, len(ids), 2000):
        if len(with_results) >= n_with and len(without) >= limit - n_with:
            break
        chunk = dict(ids[start : start + 2000])
        abstracts = dict(Paper.objects.filter(pk__in=chunk).values_list("pk", "abstract"))
        for pk, arxiv_id in chunk.items():
            if arxiv_id in exclude or held_out(arxiv_id):
                continue
            spans = found_spans(abstracts[pk], results_find(abstracts[pk]))
            (with_results if spans else without).append((abstracts[pk], spans))
    chosen = with_results[:n_with]
    share = WITHOUT_RESULTS_SHARE / (1 - WITHOUT_RESULTS_SHARE)
    return chosen + without[: round(len(chosen) * share)]


def patterns_score(validation: list) -> dict:
    """The patterns' value-span scores on the held-out hand-labelled papers."""
    from physlit.ml.tagger import span_scores

    predicted = [found_spans(text, results_find(text)) for _, text, _ in validation]
    return span_scores(predicted, [spans for _, _, spans in validation], "value")


def tagger_score(folder: Path, validation: list) -> dict:
    """Scores of the tagger saved in `folder`, run as it serves, on the held-out hand-labelled papers."""
    from physlit.ml.tagger import span_scores, tagger_load

    tagger = tagger_load(
        folder, backend=settings.PHYSLIT_TAGGER_BACKEND, cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx"
    )
    started = time.monotonic()
    predicted = tagger.spans([text for _, text, _ in validation])
    seconds = time.monotonic() - started
    gold = [spans for _, _, spans in validation]
    metrics: dict = {kind: span_scores(predicted, gold, kind) for kind in ("value", "quantity", "unit")}
    metrics["papers_per_second"] = len(validation) / max(seconds, 1e-9)
    metrics["score"] = metrics["value"]["f1"]
    return metrics


def tagger_train(
    *, max_minutes: float, current: ModelVersion | None, log: Callable[[str], None] = print
) -> TrainResult:
    """Fine-tune the base encoder with a token head for at most `max_minutes` (scoring included).

    score = value-span F1 on the held-out hand-labelled papers; baseline_score = the current tagger's there,
    or the patterns' when no tagger is current (so a tagger serves only where it beats them)."""
    from physlit.ml import tagger as tg
    from physlit.ml.encoder_training import model_load
    from physlit.ml.training import artifact_write, deadline_after, device_pick, seed_everything

    started = time.monotonic()
    deadline = deadline_after(max_minutes)
    config = tg.TaggerConfig(epochs=settings.PHYSLIT_TAGGER_EPOCHS)
    hand, validation = hand_labelled()
    weak = corpus_weakly_labelled(
        settings.PHYSLIT_TAGGER_TRAIN_PAPERS, exclude={i for i, _, _ in hand + validation}, seed=config.seed
    )
    train = [(text, spans) for _, text, spans in hand] + weak
    if not any(spans for _, spans in train) or not any(spans for _, _, spans in validation):
        raise RegistryError(
            f"not enough labelled papers to train a tagger: {len(hand)} hand-labelled papers of "
            f"{HAND_LABELS.name} in the database for training, {len(validation)} held out, {len(weak)} "
            "labelled by the patterns (PHYSLIT_TAGGER_TRAIN_PAPERS); the hand-labelled papers come from the "
            "shared 83k corpus"
        )
    device = device_pick()
    seed_everything(config.seed)
    base = Path(settings.PHYSLIT_TAGGER_BASE or encoder_base_model())
    log(
        f"tagger: {len(hand)} hand-labelled + {len(weak):,} pattern-labelled training papers, "
        f"{len(validation)} held out, {config.epochs} epochs, on {device}, base {base}"
    )
    model, tokenizer = model_load(base, device, attention_dropout=0.0)
    train_deadline = None if deadline is None else deadline - SCORING_MARGIN_SECONDS
    head, stats = tg.tagger_fit(
        model, tokenizer, train, device=device, config=config, deadline=train_deadline, log=log
    )
    metadata = {"base": str(base), "train": stats, "hand_labelled": len(hand), "pattern_labelled": len(weak)}
    path = artifact_write(
        settings.PHYSLIT_MODELS_DIR,
        "tagger",
        lambda folder: tg.tagger_save(folder, model, tokenizer, base, head, metadata=metadata),
    )
    metrics: dict = {"new": tagger_score(path, validation), "patterns": patterns_score(validation)}
    metrics["train"] = stats
    if current is not None and Path(current.path).is_dir():
        metrics["current"] = tagger_score(Path(current.path), validation)
    new = metrics["new"]
    baseline = metrics["current"]["score"] if "current" in metrics else metrics["patterns"]["f1"]
    log(
        f"tagger: value F1 {new['value']['f1']:.3f} (P {new['value']['precision']:.3f}, "
        f"R {new['value']['recall']:.3f}) on {len(validation)} held-out hand-labelled papers, baseline "
        f"{baseline:.3f}; {stats['steps']} steps in {time.monotonic() - started:.0f} s; saved to {path}"
    )
    return TrainResult(
        path=path,
        base=str(base),
        score=new["score"],
        baseline_score=baseline,
        metrics=metrics,
        train_examples=stats["examples"],
        train_seconds=stats["seconds"],
        device=stats["device"],
    )
