"""One typed "current artifact" slot per served artifact (index, encoder, summarizer, reader).

A slot asks `find()` which artifact is current (a key: a pointer row's path or pk, or None for "none yet"),
rechecks at most every `check_seconds` so a promotion reaches running workers within seconds, and loads
the artifact (`load(key)`) only when the key changes. `slots_reset()` forgets every slot at once (tests; a
process that must reload now).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

_SLOTS: list[CurrentSlot] = []


class CurrentSlot(Generic[K, T]):
    """The current artifact of one kind, loaded lazily once per process and swapped when the key changes."""

    def __init__(self, find: Callable[[], K | None], load: Callable[[K], T], *, check_seconds: float = 5.0):
        self._find, self._load, self._check = find, load, check_seconds
        self._lock = threading.Lock()
        self._key: K | None = None
        self._value: T | None = None
        self._checked = 0.0
        _SLOTS.append(self)

    def get(self) -> tuple[K | None, T | None]:
        """(key, artifact) now current; (None, None) when there is none."""
        if self._checked and time.monotonic() - self._checked < self._check:
            return self._key, self._value
        with self._lock:
            key = self._find()
            if key != self._key or (key is not None and self._value is None):
                self._value = None if key is None else self._load(key)
                self._key = key
            self._checked = time.monotonic()
            return self._key, self._value

    def reset(self) -> None:
        with self._lock:
            self._key, self._value, self._checked = None, None, 0.0


def slots_reset() -> None:
    """Forget every loaded artifact; the next `get` of each slot finds and loads again."""
    for slot in _SLOTS:
        slot.reset()
