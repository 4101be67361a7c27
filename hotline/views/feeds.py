"""The call feeds' connection states, as every seat reads them.

A feed process (``hotline feed``) keeps one :class:`~hotline.store.models.PbxFeed`
row (see :mod:`hotline.telephony.feed_reporter`); a row whose heartbeat is
older than :data:`STALE_AFTER` means the feed process is gone or hung,
whatever its state says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline.store.models import PbxFeed

#: Three missed heartbeats and a little: the feed is not running any more.
STALE_AFTER = timedelta(seconds=45)
#: A feed stopped longer ago than this is no longer shown.
FORGET_AFTER = timedelta(hours=24)


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


