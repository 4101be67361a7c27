"""A call feed's connection state, written by the feed process for every seat to read.

A feed process (``hotline feed``) keeps one :class:`~hotline.store.models.PbxFeed`
row: its state, since when, and a heartbeat every :data:`HEARTBEAT_S`
seconds. Dashboards turn the rows into header notices (see
:mod:`hotline.views.notices`).
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

from hotline.store.models import PbxFeed

if TYPE_CHECKING:
    from hotline.desk.operations import Desk

HEARTBEAT_S = 10.0

STATES = ("connecting", "connected", "reconnecting", "stopped", "failed")


class FeedReporter:
    """Writes one feed's state and heartbeat; each write is its own short transaction."""

    def __init__(self, desk: Desk, name: str, source: str) -> None:
        self.desk = desk
        self.name = name[:120]
        self.source = source
        self.state: str | None = None
        self.events = 0
        self.host = f"{socket.gethostname()} pid {os.getpid()}"[:120]

    def set_state(self, state: str, detail: str = "") -> None:
        """A new state (recorded as an event too, so the timeline shows outages)."""
        assert state in STATES
        now = self.desk.now()
        changed = state != self.state
        with self.desk.session() as s:
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
            s.add(row)
            if changed:
                self.desk._event(s, "pbx_feed_" + state, now, actor="pbx", feed=self.name,
                                 detail=detail)
        self.state = state

    def heartbeat(self) -> None:
        now = self.desk.now()
        with self.desk.session() as s:
            row = s.get(PbxFeed, self.name)
            if row is None:
                return
            row.heartbeat_at = now
            row.events = self.events
            s.add(row)
