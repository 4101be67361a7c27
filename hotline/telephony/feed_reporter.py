"""A call feed's connection state, written by the feed process for every seat to read.

A feed process (``hotline feed``) keeps one :class:`~hotline.store.models.PbxFeed`
row: its state, since when, and a heartbeat every :data:`HEARTBEAT_S`
seconds. Dashboards turn the rows into header notices (see
:mod:`hotline.views.notices`).
"""

from __future__ import annotations

import os
import socket

from hotline.seat import Seat
from hotline.store.models import PbxFeed
from hotline.telephony.call_events import feed_actor

HEARTBEAT_S = 10.0

STATES = ("connecting", "connected", "reconnecting", "stopped", "failed")


class FeedReporter:
    """Writes one feed's state and heartbeat; each write is its own short transaction."""

    def __init__(self, seat: Seat, name: str, source: str) -> None:
        self.seat = seat
        self.name = name[:120]
        self.source = source
        self.state: str | None = None
        self.events = 0
        self.host = f"{socket.gethostname()} pid {os.getpid()}"[:120]

    def set_state(self, state: str, detail: str = "") -> None:
        """A new state (recorded as an event too, so the timeline shows outages)."""
        assert state in STATES
        changed = state != self.state
        with self.seat.write(actor=feed_actor(self.seat)) as tx:
            s, now = tx.session, tx.now
            row = s.get(PbxFeed, self.name)
            if row is None:
                row = PbxFeed(name=self.name, source=self.source, state=state, since=now,
                              heartbeat_at=now)
            if changed:
                row.since = now
            row.state = state
            row.source = self.source
            row.detail = detail[:500]
            row.heartbeat_at = now
            row.host = self.host
            row.events = self.events
            tx.session.add(row)
            if changed:
                tx.record_event("pbx_feed_" + state, now, feed=self.name, detail=detail)
        self.state = state

    def heartbeat(self) -> None:
        with self.seat.write(actor=feed_actor(self.seat)) as tx:
            row = tx.session.get(PbxFeed, self.name)
            if row is None:
                return
            row.heartbeat_at = tx.now
            row.events = self.events
            tx.session.add(row)
