"""Shared training plumbing for every model physlit fine-tunes: device choice, seeding, progress logs
with throughput and ETA under a time budget, and immutable artifact folders. No Django here."""

from __future__ import annotations

import os
import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from physlit.ml.files import atomic_folder


def device_pick(preferred: str | None = None):
    """torch.device: `preferred` (or PHYSLIT_TRAIN_DEVICE) if given, else CUDA when present, else CPU."""
    import torch

    name = (
        preferred
        or os.environ.get("PHYSLIT_TRAIN_DEVICE")
        or ("cuda" if torch.cuda.is_available() else "cpu")
    )
    return torch.device(name)


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


class TrainProgress:
    """Logs steps, smoothed loss, examples/s and ETA every `every` steps; knows when the budget is spent.

    total_steps may be None (then the ETA is the time left in the budget). deadline is a time.monotonic()
    value or None for no budget.
    """

    def __init__(
        self,
        *,
        total_steps: int | None,
        deadline: float | None,
        log: Callable[[str], None] = print,
        every: int = 20,
        label: str = "train",
    ):
        self.total_steps, self.deadline, self.log, self.every, self.label = (
            total_steps,
            deadline,
            log,
            every,
            label,
        )
        self.step = 0
        self.examples = 0
        self.loss: float | None = None
        self.started = time.monotonic()

    def update(self, *, loss: float, examples: int) -> None:
        self.step += 1
        self.examples += examples
        self.loss = loss if self.loss is None else 0.9 * self.loss + 0.1 * loss
        if self.step % self.every == 0 or self.step == self.total_steps:
            self.log(self.line())

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.examples / elapsed if elapsed > 0 else 0.0
        etas = []
        if self.total_steps:
            etas.append(elapsed / self.step * (self.total_steps - self.step))
        if self.deadline is not None:
            etas.append(self.deadline - time.monotonic())
        eta = _duration(min(etas)) if etas else "?"
        steps = f"{self.step}/{self.total_steps}" if self.total_steps else str(self.step)
        loss = f"{self.loss:.4f}" if self.loss is not None else "-"
        return (
            f"[{self.label}] step {steps} loss {loss} {rate:.1f} ex/s elapsed {_duration(elapsed)} ETA {eta}"
        )

    @property
    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


def deadline_after(max_minutes: float | None) -> float | None:
    """A time.monotonic() deadline `max_minutes` from now (None: no budget)."""
    return None if max_minutes is None else time.monotonic() + max_minutes * 60


def artifact_write(root: Path, kind: str, write: Callable[[Path], None]) -> Path:
    """Create root/kind/<UTC time>-<random>/ through a .tmp folder and a rename, so a reader never sees a
    half-written artifact; `write(folder)` fills it. Returns the final folder."""
    name = datetime.now(UTC).strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
    final = Path(root) / kind / name
    with atomic_folder(final) as tmp:
        write(tmp)
    return final
