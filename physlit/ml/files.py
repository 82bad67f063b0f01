"""Immutable files and folders: written under a temporary name beside the destination, then renamed, so a
reader never sees half of one and an interrupted writer leaves only a `.tmp` behind. No Django."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _temporary(dst: Path) -> Path:
    return dst.with_name(f".{dst.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


@contextmanager
def atomic_path(dst: Path) -> Iterator[Path]:
    """Yield a temporary path beside `dst` to write one file to; it becomes `dst` when the block ends
    without an error (replacing any older `dst`), and is removed otherwise."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(dst)
    try:
        yield tmp
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_folder(dst: Path) -> Iterator[Path]:
    """Yield a new temporary folder beside `dst` to fill; it is renamed to `dst` (which must not exist yet)
    when the block ends without an error, and removed otherwise."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(dst)
    tmp.mkdir()
    try:
        yield tmp
        tmp.rename(dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def stale_temporaries_remove(folder: Path) -> int:
    """Remove what interrupted writers left in `folder` (`*.tmp` files and folders); returns how many."""
    removed = 0
    for path in folder.glob("*.tmp") if folder.is_dir() else ():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed
