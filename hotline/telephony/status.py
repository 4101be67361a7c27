"""The connection state of call feeds, written by the feed and read by every seat.

A feed process (``hotline feed``) keeps one :class:`~hotline.models.PbxFeed`
row: its state, since when, and a heartbeat every :data:`HEARTBEAT_S`
seconds. Dashboards turn the rows into header notices (see
:func:`feed_notices`); a row whose heartbeat is older than
:data:`STALE_AFTER` means the feed process is gone or hung, whatever its
state says.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline.i18n import _
from hotline.models import PbxFeed
from hotline.notice import InfoNotice

if TYPE_CHECKING:
    from hotline.desk import Desk

HEARTBEAT_S = 10.0
#: Three missed heartbeats and a little: the feed is not running any more.
STALE_AFTER = timedelta(seconds=45)
#: A feed stopped longer ago than this is no longer shown.
FORGET_AFTER = timedelta(hours=24)

STATES = ("connecting", "connected", "reconnecting", "stopped", "failed")


@dataclass(frozen=True)
class FeedStatus:
    name: str
    source: str
    state: str
    since: datetime
    heartbeat_at: datetime
    detail: str
    host: str
    events: int


def load_feed_statuses(engine: Engine) -> list[FeedStatus]:
    """Every feed's row (read-only); empty if the table is not there yet."""
    try:
        with Session(engine) as s:
            rows = s.exec(select(PbxFeed).order_by(col(PbxFeed.name))).all()
    except sa.exc.DBAPIError:
        return []
    return [FeedStatus(r.name, r.source, r.state, r.since, r.heartbeat_at, r.detail, r.host,
                       r.events) for r in rows]


def _label(source: str) -> str:
    return _("PBX feed") if source == "ami" else _("Call feed")


def feed_notices(feeds: list[FeedStatus], now: datetime, tz: ZoneInfo) -> list[str]:
    """One short text per feed: connected / reconnecting since HH:MM / stale / stopped."""
    out: list[str] = []
    for f in feeds:
        label = _label(f.source)
        since = f.since.astimezone(tz).strftime("%H:%M")
        if f.state in ("stopped", "failed"):
            if now - f.heartbeat_at > FORGET_AFTER:
                continue
            if f.state == "failed":
                out.append(_("{feed} stopped at {time}: {why}").format(
                    feed=label, time=since, why=f.detail))
            else:
                out.append(_("{feed} stopped at {time}").format(feed=label, time=since))
            continue
        if now - f.heartbeat_at > STALE_AFTER:
            out.append(_("{feed} stale: no sign of life since {time}").format(
                feed=label, time=f.heartbeat_at.astimezone(tz).strftime("%H:%M")))
        elif f.state == "connected":
            out.append(InfoNotice(_("{feed} connected").format(feed=label)))
        elif f.state == "connecting":
            out.append(_("{feed} connecting since {time}").format(feed=label, time=since))
        else:
            text = _("{feed} reconnecting since {time}").format(feed=label, time=since)
            if f.detail:
                text += f" ({f.detail})"
            out.append(text)
    return out


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
