"""Train, promote and roll back model versions (layer: training, above tasks). Input: a model kind or a
version id. Output: ModelVersion rows (physlit.registry) and, once a model becomes current, the background
work it needs (physlit.tasks): an index rebuild for an encoder, re-summarizing for a summarizer.

Each kind's trainer is a plain function `(*, max_minutes, current, log) -> TrainResult` (TRAINERS); it
writes an immutable artifact (physlit.ml.training.artifact_write) and scores both the new model and
`current` on the same validation data, so "better" compares like with like.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from physlit.registry.models import ModelVersion
from physlit.registry.services import (
    RegistryError,
    version_current,
    version_get,
    version_promote,
    version_register,
    version_rollback,
)
from physlit.tasks import (
    extract_results_pending,
    promote_encoder,
    reindex_current_encoder,
    summarize_pending,
)
from physlit.training.classifier import classifier_train
from physlit.training.encoder import encoder_train, query_encoder_train
from physlit.training.reader import reader_train
from physlit.training.result import TrainResult
from physlit.training.summarizer import summarizer_train
from physlit.training.tagger import tagger_train


def trained_already(kind: str) -> bool:
    """Whether `train <kind> --if-none` has nothing to do: a version of this kind exists, and, for the reader,
    the current one is of the format this code reads. A reader of an older format is not served (the chat
    falls back to word overlap), so an upgraded install's `make run` trains a new one."""
    if not ModelVersion.objects.filter(kind=kind).exclude(status="failed").exists():
        return False
    if kind == "reader":
        from physlit.ml.reader import reader_format_readable

        current = version_current("reader")
        return current is None or reader_format_readable(current.path)
    return True


TRAINERS: dict[str, Callable[..., TrainResult]] = {
    "encoder": encoder_train,
    "summarizer": summarizer_train,
    "reader": reader_train,
    "query-encoder": query_encoder_train,
    "classifier": classifier_train,
    "tagger": tagger_train,
}
# Kinds made current by `train` when they beat the current version. A new encoder needs a full index
# rebuild first, so it is promoted on purpose (`models promote ID`); so is a query encoder, which trades
# some retrieval quality for speed (docs/benchmarks.md, "/api/search latency").
AUTO_PROMOTE = {"summarizer", "reader", "classifier", "tagger"}


def trainer_for(kind: str) -> Callable[..., TrainResult]:
    if kind not in TRAINERS:
        raise RegistryError(f"unknown model kind {kind!r}; choose from {sorted(TRAINERS)}")
    return TRAINERS[kind]


def summaries_refresh_on_commit(kind: str) -> None:
    """A summarizer made current (or rolled back from) re-summarizes in the background once the change is
    committed; the old summaries keep showing until each paper's new one is written. A tagger likewise
    re-extracts every paper's reported results."""
    if kind == ModelVersion.Kind.SUMMARIZER:
        transaction.on_commit(lambda: summarize_pending.delay())
    if kind == ModelVersion.Kind.TAGGER:
        transaction.on_commit(lambda: extract_results_pending.delay())


def model_train(*, kind: str, max_minutes: float, log: Callable[[str], None] = print) -> ModelVersion:
    """Train a new `kind` within the budget, register it, and make it current if it beats the current one."""
    trainer = trainer_for(kind)
    result = trainer(max_minutes=max_minutes, current=version_current(kind), log=log)
    version = version_register(kind=kind, result=result)
    if kind in AUTO_PROMOTE:
        if result.baseline_score is None or result.score > result.baseline_score:
            with transaction.atomic():
                version = version_promote(version.pk)
                summaries_refresh_on_commit(kind)
            log(f"{version.label} is now current (score {result.score:.4f} vs {result.baseline_score})")
        else:
            log(f"{version.label} kept as candidate: {result.score:.4f} <= {result.baseline_score:.4f}")
    return version


def promotion_request(version_id: int) -> ModelVersion:
    """`models promote ID`: a summarizer or reader becomes current now; an encoder is marked "promoting"
    and its index rebuild is queued (physlit.tasks.promote_encoder): it becomes current, and search
    switches to it, when the new index is complete."""
    version = version_get(version_id)
    if version.kind != ModelVersion.Kind.ENCODER:
        with transaction.atomic():
            version = version_promote(version_id)
            summaries_refresh_on_commit(version.kind)
        return version
    if version.status == ModelVersion.Status.CURRENT:
        raise RegistryError(f"{version.label} is already current")
    if not Path(version.path).is_dir():
        raise RegistryError(f"{version.label}: artifact folder {version.path} is missing")
    with transaction.atomic():
        version.status = ModelVersion.Status.PROMOTING
        version.error = ""
        version.save(update_fields=["status", "error"])
        transaction.on_commit(lambda: promote_encoder.delay(version.pk))
    version.refresh_from_db()
    return version


def rollback_request(kind: str) -> ModelVersion | None:
    """`models rollback KIND`: the previous version becomes current; for the encoder the index is then
    rebuilt with it in the background (the rolled-back encoder's index serves until that is done); for the
    summarizer every paper is re-summarized in the background."""
    with transaction.atomic():
        version = version_rollback(kind)
        if kind == ModelVersion.Kind.ENCODER:
            transaction.on_commit(lambda: reindex_current_encoder.delay())
        summaries_refresh_on_commit(kind)
    return version
