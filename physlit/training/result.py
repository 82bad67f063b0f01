"""What every trainer returns (layer: training): its immutable artifact folder and the scores that decide
promotion. Its own module so that the trainers and physlit.training.services can both import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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
