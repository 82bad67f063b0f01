"""Model versions, a plain store (base layer). Input: artifacts that training wrote. Output: ModelVersion
rows and which one is current per kind (current / register / promote / rollback).

Orchestration (train, then promote; enqueue the work a new current model needs) is physlit.training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from physlit.registry.models import ModelVersion


class RegistryError(Exception):
    """A request the registry cannot honour (unknown id, nothing to roll back to, ...)."""


class TrainedArtifact(Protocol):
    """What a trainer reports about its artifact (physlit.training.result.TrainResult has these fields);
    a protocol because the store sits below training and must not import it."""

    path: Path
    base: str
    score: float
    baseline_score: float | None
    metrics: dict
    train_examples: int
    train_seconds: float
    device: str


def version_current(kind: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.CURRENT).first()


def version_register(*, kind: str, result: TrainedArtifact) -> ModelVersion:
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


def version_get(version_id: int) -> ModelVersion:
    try:
        return ModelVersion.objects.get(pk=version_id)
    except ModelVersion.DoesNotExist:
        raise RegistryError(f"no model version {version_id}") from None


@transaction.atomic
def version_promote(version_id: int) -> ModelVersion:
    """Make the version current for its kind; the previous current one becomes retired."""
    version = version_get(version_id)
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
