"""Notifications as the desk reads them: pending and failed, failing since when, per escalation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline.store.models import Notification, OutboxItem

#: A failure older than this no longer makes the header say "failing".
FAILING_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class NotificationRow:
    id: int
    key: str
    kind: str
    channel: str
    recipient: str
    address: str
    subject: str
    state: str  # pending | sent | failed
    created_at: datetime
    next_at: datetime
    attempts: int
    sent_at: datetime | None
    failed_at: datetime | None
    last_error: str | None
    answer: str | None


def _row(n: Notification) -> NotificationRow:
    assert n.id is not None
    return NotificationRow(n.id, n.key, n.kind, n.channel, n.recipient, n.address, n.subject,
                           n.state, n.created_at, n.next_at, n.attempts, n.sent_at, n.failed_at,
                           n.last_error, n.answer)


def pending_and_failed(engine: Engine, *, limit: int = 200) -> list[NotificationRow]:
    """Messages not sent yet and those failed for good, oldest first."""
    with Session(engine) as s:
        rows = s.exec(select(Notification).where(
            col(Notification.state).in_(["pending", "failed"]))
            .order_by(col(Notification.created_at), col(Notification.id)).limit(limit)).all()
    return [_row(n) for n in rows]


def of_escalation(s: Session, escalation_id: int) -> list[NotificationRow]:
    """The messages an escalation (or its re-alerts) caused, in the order they were made."""
    keys = select(OutboxItem.message_key).where(
        OutboxItem.escalation_id == escalation_id, col(OutboxItem.message_key).is_not(None))
    rows = s.exec(select(Notification).where(col(Notification.message_key).in_(keys))
                  .order_by(col(Notification.created_at), col(Notification.id))).all()
    return [_row(n) for n in rows]


def failing_since(engine: Engine, now: datetime) -> datetime | None:
    """When deliveries started failing, if they fail now: per channel, the first failure
    since its last message delivered (within :data:`FAILING_WINDOW`)."""
    try:
        with Session(engine) as s:
            sent = dict(s.exec(select(Notification.channel, sa.func.max(Notification.sent_at))
                               .group_by(col(Notification.channel))).all())
            failures = s.exec(select(Notification.channel, Notification.first_failed_at).where(
                col(Notification.first_failed_at) >= now - FAILING_WINDOW,
                col(Notification.state).in_(["pending", "failed"]))).all()
    except sa.exc.DBAPIError:
        return None
    since: datetime | None = None
    for channel, first in failures:
        if first is None:
            continue
        last_ok = sent.get(channel)
        if last_ok is not None and last_ok >= first:
            continue
        since = first if since is None else min(since, first)
    return since
