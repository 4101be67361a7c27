"""The collector's full passes run while the desk is quiet, not inside a keystroke.

Python's cycle collector has three generations. Passes over the young ones
are frequent and short (a few milliseconds); a full pass walks every object
the program keeps and, on a desk showing thousands of rows, took 30–130 ms,
started whenever enough objects had survived, so now and then in the middle
of a key press. Here the automatic full pass is off; the desk's 1 Hz tick
calls :meth:`IdleCollector.poll`, which runs one when no key or click came
for a moment and the last one is a minute old. If input never stops, a full
pass runs anyway once enough young passes have piled up, so memory stays
bounded. What start-up built (libraries, screens, the first snapshot) stays
for the whole session and is left out of every pass.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Protocol

#: A threshold the full pass never reaches by itself.
_NEVER = 2**30


class _Collector(Protocol):
    """The part of the ``gc`` module used here (tests pass a fake)."""

    def get_count(self) -> tuple[int, int, int]: ...
    def get_threshold(self) -> tuple[int, int, int]: ...
    def set_threshold(self, threshold0: int, threshold1: int = ...,
                      threshold2: int = ...) -> None: ...
    def collect(self, generation: int = 2) -> int: ...
    def freeze(self) -> None: ...


class IdleCollector:
    """Decides when the full collection runs."""

    def __init__(self, *, quiet_s: float = 1.0, every_s: float = 60.0,
                 overdue_passes: int = 2000, clock: Callable[[], float] = time.monotonic,
                 collector: _Collector | None = None) -> None:
        self.quiet_s = quiet_s  # no input for this long: the desk is quiet
        self.every_s = every_s  # full passes at most this often when quiet
        self.overdue_passes = overdue_passes  # young passes that force one, quiet or not
        self._clock = clock
        self._gc: _Collector = collector if collector is not None else gc
        self._last_input = float("-inf")
        self._last_full = clock()
        self._saved: tuple[int, int, int] | None = None
        self.full_passes = 0

    @property
    def started(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        """Leave start-up objects out of later passes; take the full pass over."""
        if self._saved is not None:
            return
        self._gc.freeze()
        self._saved = self._gc.get_threshold()
        young, middle, _full = self._saved
        self._gc.set_threshold(young, middle, _NEVER)
        self._last_full = self._clock()

    def stop(self) -> None:
        if self._saved is not None:
            self._gc.set_threshold(*self._saved)
            self._saved = None

    def input_seen(self) -> None:
        self._last_input = self._clock()

    def poll(self) -> bool:
        """Run the full pass if it is due and the desk is quiet, or if it is overdue."""
        if self._saved is None:
            return False
        passes = self._gc.get_count()[2]  # passes of the middle generation since the last
        if passes == 0:
            return False
        now = self._clock()
        overdue = passes >= self.overdue_passes
        if not overdue and (now - self._last_full < self.every_s
                            or now - self._last_input < self.quiet_s):
            return False
        self._gc.collect(2)
        self._last_full = now
        self.full_passes += 1
        return True
