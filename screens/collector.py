"""The cycle collector runs while the desk is quiet, not in the middle of a keystroke.

Python's collector starts whenever enough objects were made since the last
pass. A desk redrawing tables and reading snapshots makes them all the time, so
passes of 3–15 ms (the young objects) and 30–130 ms (everything) fell inside
key presses at random. Here the automatic collector is off; the desk's 1 Hz
tick calls :meth:`IdleCollector.poll`, which collects what is due once no key
or click came for a moment. If input never stops (a key held down), a pass
runs anyway once the young objects pass a hard limit, so memory stays bounded.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Protocol


class _Collector(Protocol):
    """The part of the ``gc`` module used here (tests pass a fake)."""

    def get_count(self) -> tuple[int, int, int]: ...
    def collect(self, generation: int = 2) -> int: ...
    def disable(self) -> None: ...
    def enable(self) -> None: ...
    def freeze(self) -> None: ...


class IdleCollector:
    """Decides when the cycle collector runs (generation 0, 1 or 2, as CPython would)."""

    def __init__(self, *, quiet_s: float = 0.4, young: int = 20_000, middle: int = 10,
                 full_every_s: float = 60.0, hard_limit: int = 400_000,
                 clock: Callable[[], float] = time.monotonic,
                 collector: _Collector | None = None) -> None:
        self.quiet_s = quiet_s  # no input for this long: the desk is quiet
        self.young = young  # young objects that make a pass due
        self.middle = middle  # young passes per pass of the middle generation
        self.full_every_s = full_every_s  # full passes at most this often
        self.hard_limit = hard_limit  # young objects that force a pass, quiet or not
        self._clock = clock
        self._gc: _Collector = collector if collector is not None else gc
        self._last_input = float("-inf")
        self._last_full = clock()
        self.started = False

    def start(self) -> None:
        """Leave start-up objects out of later passes, and take over from the automatic
        collector (the libraries, the screens and the first snapshot stay all session)."""
        if self.started:
            return
        self._gc.freeze()
        self._gc.disable()
        self._last_full = self._clock()
        self.started = True

    def stop(self) -> None:
        if self.started:
            self._gc.enable()
            self.started = False

    def input_seen(self) -> None:
        self._last_input = self._clock()

    def poll(self) -> int | None:
        """Collect if a pass is due and the desk is quiet (or the pass is overdue).

        Returns the generation collected, or None.
        """
        if not self.started:
            return None
        young, passes, _old = self._gc.get_count()
        if young < self.young:
            return None
        now = self._clock()
        if now - self._last_input < self.quiet_s and young < self.hard_limit:
            return None
        generation = 0
        if passes + 1 >= self.middle:
            generation = 1
            if now - self._last_full >= self.full_every_s:
                generation = 2
        self._gc.collect(generation)
        if generation == 2:
            self._last_full = now
        return generation
