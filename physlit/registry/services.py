"""Model versions: train a kind, register the artifact, promote the better one, roll back.

Each kind's trainer is a plain function `(*, max_minutes, current, log) -> TrainResult` in its own stage
(TRAINERS); it writes an immutable artifact (physlit.ml.training.artifact_write) and scores both the new
model and `current` on the same validation data, so "better" compares like with like.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from physlit.registry.models import ModelVersion

TRAINERS = {
    "encoder": "physlit.search.adapt:encoder_train",
    "summarizer": "physlit.summaries.training:summarizer_train",
    "reader": "physlit.qa.training:reader_train",
    "query-encoder": "physlit.search.adapt:query_encoder_train",
}
# Kinds made current by `train` when they beat the current version. A new encoder needs a full index
# rebuild first, so it is promoted on purpose (`models promote ID`); so is a query encoder, which trades
# some retrieval quality for speed (docs/benchmarks.md, "/api/search latency").
AUTO_PROMOTE = {"summarizer", "reader"}


class RegistryError(Exception):
    """A request the registry cannot honour (unknown id, nothing to roll back to, ...)."""


@dataclass
class TrainResult:
    path: Path
    base: str
    score: float
    baseline_score: float | None = None  # the current version's score on the same validation data
    metrics: dict = field(default_factory=dict)
    train_examples: int = 0
    train_seconds: float = 0.0
    device: str = ""


def version_current(kind: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.CURRENT).first()


def version_register(*, kind: str, result: TrainResult) -> ModelVersion:
    return ModelVersion.objects.create(
        kind=kind,
        base=result.base,
        path=str(result.path),
        score=result.score,
        baseline_score=result.baseline_score,
        metrics=result.metrics,
        train_examples=result.train_examples,
        train_seconds=result.train_seconds,
        device=result.device,
    )


def _version_get(version_id: int) -> ModelVersion:
    try:
        return ModelVersion.objects.get(pk=version_id)
    except ModelVersion.DoesNotExist:
        raise RegistryError(f"no model version {version_id}") from None


@transaction.atomic
def version_promote(version_id: int) -> ModelVersion:
    """Make the version current for its kind; the previous current one becomes retired."""
    version = _version_get(version_id)
    list(ModelVersion.objects.select_for_update().filter(kind=version.kind))  # one promotion at a time
    if not Path(version.path).is_dir():
        raise RegistryError(f"{version.label}: artifact folder {version.path} is missing")
    ModelVersion.objects.filter(kind=version.kind, status=ModelVersion.Status.CURRENT).exclude(
        pk=version.pk
    ).update(status=ModelVersion.Status.RETIRED)
    version.status = ModelVersion.Status.CURRENT
    version.promoted_at = timezone.now()
    version.save(update_fields=["status", "promoted_at"])
    return version


@transaction.atomic
def version_rollback(kind: str) -> ModelVersion | None:
    """Retire the current version and make the previously promoted one current again.

    Returns the version now current, or None when the kind falls back to its untrained default.
    """
    current = version_current(kind)
    if current is None:
        raise RegistryError(f"no current {kind} to roll back")
    previous = (
        ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.RETIRED, promoted_at__isnull=False)
        .exclude(pk=current.pk)
        .order_by("-promoted_at")
        .first()
    )
    current.status = ModelVersion.Status.CANDIDATE
    current.save(update_fields=["status"])
    if previous is None:
        return None
    previous.status = ModelVersion.Status.CURRENT
    previous.promoted_at = timezone.now()
    previous.save(update_fields=["status", "promoted_at"])
    return previous


def trainer_for(kind: str) -> Callable[..., TrainResult]:
    if kind not in TRAINERS:
        raise RegistryError(f"unknown model kind {kind!r}; choose from {sorted(TRAINERS)}")
    module, name = TRAINERS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def model_train(*, kind: str, max_minutes: float, log: Callable[[str], None] = print) -> ModelVersion:
    """Train a new `kind` within the budget, register it, and make it current if it beats the current one."""
    trainer = trainer_for(kind)
    result = trainer(max_minutes=max_minutes, current=version_current(kind), log=log)
    version = version_register(kind=kind, result=result)
    if kind in AUTO_PROMOTE:
        if result.baseline_score is None or result.score > result.baseline_score:
            version = version_promote(version.pk)
            log(f"{version.label} is now current (score {result.score:.4f} vs {result.baseline_score})")
        else:
            log(f"{version.label} kept as candidate: {result.score:.4f} <= {result.baseline_score:.4f}")
    return version


def promotion_request(version_id: int) -> ModelVersion:
    """`models promote ID`: a summarizer or reader becomes current now; an encoder is marked "promoting"
    and its index rebuild is queued (physlit.tasks.promote_encoder): it becomes current, and search
    switches to it, when the new index is complete."""
    version = _version_get(version_id)
    if version.kind != ModelVersion.Kind.ENCODER:
        return version_promote(version_id)
    if version.status == ModelVersion.Status.CURRENT:
        raise RegistryError(f"{version.label} is already current")
    if not Path(version.path).is_dir():
        raise RegistryError(f"{version.label}: artifact folder {version.path} is missing")
    from physlit.tasks import promote_encoder

    with transaction.atomic():
        version.status = ModelVersion.Status.PROMOTING
        version.error = ""
        version.save(update_fields=["status", "error"])
        transaction.on_commit(lambda: promote_encoder.delay(version.pk))
    version.refresh_from_db()
    return version


def rollback_request(kind: str) -> ModelVersion | None:
    """`models rollback KIND`: the previous version becomes current; for the encoder the index is then
    rebuilt with it in the background (the rolled-back encoder's index serves until that is done)."""
    with transaction.atomic():
        version = version_rollback(kind)
        if kind == ModelVersion.Kind.ENCODER:
            from physlit.tasks import reindex_current_encoder

            transaction.on_commit(lambda: reindex_current_encoder.delay())
    return version
