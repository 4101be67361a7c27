"""Rings realistic demo calls into a desk: known contacts, strangers, hang-ups.

The simulator decides with a seeded random generator and takes its times
from the desk's clock; only its pacing (how often it looks) uses real sleep,
so a test can drive :meth:`DemoCaller.step` directly with a fake clock.
"""

from __future__ import annotations

import contextlib
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.desk.operations import Desk
from hotline.errors import Conflict, NotFound

#: How long the patient callers wait before they hang up (seconds, uniform).
LONG_PATIENCE_S = (60.0, 180.0)


@dataclass
class PendingHangUp:
    call_id: int
    at: datetime


class DemoCaller:
    """Rings calls at random gaps; each caller hangs up if not answered by their patience
    (``abandon_share`` of them within a minute, the others within three)."""

    def __init__(self, desk: Desk, known: list[str], unknown: list[str], service: list[str], *,
                 seed: int | None = None, mean_gap_s: float = 40.0,
                 abandon_share: float = 0.15, first_call_s: float = 3.0) -> None:
        if not (known or unknown or service):
            raise ValueError("the simulator needs at least one number")
        self.desk = desk
        self.rng = random.Random(seed)
        self.known = known
        self.unknown = unknown
        self.service = service
        self.mean_gap_s = mean_gap_s
        self.abandon_share = abandon_share
        self.next_ring_at = desk.now() + timedelta(seconds=first_call_s)
        self.hang_ups: list[PendingHangUp] = []
        self.rung: list[int] = []
        self._stop = threading.Event()

    def _pick_number(self) -> str:
        roll = self.rng.random()
        if roll < 0.72 and self.known:
            return self.rng.choice(self.known)
        if roll < 0.95 and self.unknown:
            return self.rng.choice(self.unknown)
        pool = self.service or self.unknown or self.known
        return self.rng.choice(pool)

    def step(self) -> None:
        """Ring whatever is due and hang up callers who ran out of patience."""
        now = self.desk.now()
        for pending in [p for p in self.hang_ups if p.at <= now]:
            self.hang_ups.remove(pending)
            with contextlib.suppress(Conflict, NotFound):  # answered in time, or gone
                self.desk.abandon(pending.call_id, at=pending.at, actor="demo")
        while self.next_ring_at <= now:
            at = self.next_ring_at
            result = self.desk.ring(self._pick_number(), at=at, source="demo", queue="hotline")
            self.rung.append(result.call_id)
            # every caller gives up some time: a few soon, the rest after a minute or three
            # (so an unattended demo desk fills with missed calls to call back, not with
            # calls ringing for ever)
            if self.rng.random() < self.abandon_share:
                patience = timedelta(seconds=self.rng.uniform(8, 55))
            else:
                patience = timedelta(seconds=self.rng.uniform(*LONG_PATIENCE_S))
            self.hang_ups.append(PendingHangUp(result.call_id, at + patience))
            gap = self.rng.expovariate(1.0 / self.mean_gap_s)
            self.next_ring_at = at + timedelta(seconds=max(4.0, gap))

    def wait(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def stop(self) -> None:
        self._stop.set()
