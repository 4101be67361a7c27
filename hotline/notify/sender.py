"""The sender: route the outbox, claim messages with a lease, deliver, retry, give up.

Nothing lost: a message is a row, committed with its cause. Nothing twice:
a sender claims a row by a conditional UPDATE of its lease (on PostgreSQL
after ``SELECT … FOR UPDATE SKIP LOCKED``, so senders on several machines
never wait on each other); only the holder of the lease may mark it sent. A
sender killed mid-batch leaves its lease to run out; the next sender sends
the row again with the same idempotency key (the e-mail's Message-ID, the
``Idempotency-Key`` header, the webhook's ``key``), so a receiver that saw it
before can tell. A failed attempt is retried after a growing delay; after
``give_up_after`` the row is failed for good, with the server's last answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from hotline.desk.escalation_raising import SYSTEM
from hotline.i18n import _
from hotline.notify.channels import DeliveryError, Outgoing, send
from hotline.notify.follow_up import run_follow_ups
from hotline.notify.routing import NOTIFIER, route
from hotline.notify.setup import NotifySetup, sender_id
from hotline.seat import Seat
from hotline.store.models import Notification
from hotline.supervision.rota import Rota

#: At most this many messages are claimed at once.
CLAIM_BATCH = 20
#: The delay before attempt n+1: 30 s, 1 min, 2 min … at most 10 min.
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(minutes=10)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed attempts."""
    return min(FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 20)), LAST_RETRY)


@dataclass(frozen=True)
class Claimed:
    """A message this sender holds the lease of (read once, sent outside a transaction)."""

    id: int
    key: str
    kind: str
    channel: str
    address: str
    subject: str
    body: str
    attempts: int
    created_at: datetime


@dataclass
class RoundResult:
    routed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.routed or self.sent or self.retried or self.failed)


def claim(seat: Seat, setup: NotifySetup, owner: str, limit: int = CLAIM_BATCH) -> list[Claimed]:
    """Take the lease of up to ``limit`` messages due now (none another sender holds)."""
    with seat.write(actor=NOTIFIER) as tx:
        s, now = tx.session, tx.now
        free = sa.or_(col(Notification.lease_until).is_(None),
                      col(Notification.lease_until) <= now)
        q = (select(Notification).where(col(Notification.state) == "pending",
                                        col(Notification.next_at) <= now, free)
             .order_by(col(Notification.next_at), col(Notification.id)).limit(limit))
        if s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = s.exec(q).all()
        out: list[Claimed] = []
        for n in rows:
            if tx.update(sa.update(Notification).where(
                    col(Notification.id) == n.id, col(Notification.state) == "pending", free)
                    .values(lease_owner=owner, lease_until=now + setup.lease)) != 1:
                continue  # another sender took it a moment ago
            assert n.id is not None
            out.append(Claimed(n.id, n.key, n.kind, n.channel, n.address, n.subject, n.body,
                               n.attempts, n.created_at))
        return out


def _finish(seat: Seat, owner: str, c: Claimed, values: dict[str, object], event: str,
            detail: dict[str, str]) -> bool:
    """Write an attempt's outcome, if this sender still holds the lease."""
    with seat.write(actor=NOTIFIER) as tx:
        done = tx.update(sa.update(Notification).where(
            col(Notification.id) == c.id, col(Notification.lease_owner) == owner,
            col(Notification.state) == "pending")
            .values(lease_owner=None, lease_until=None, attempts=Notification.attempts + 1,
                    **values)) == 1
        if done:
            tx.record_event(event, tx.now, actor=SYSTEM, key=c.key, channel=c.channel,
                            detail=detail)
        return done


def renew(seat: Seat, setup: NotifySetup, owner: str, c: Claimed) -> bool:
    """Stretch this sender's lease of one message to a full lease from now, right before
    it is sent: a batch is sent one message after another, and each send may take up to
    its channel's timeout (shorter than the lease, checked at load). False when the lease
    is no longer this sender's (it ran out and another sender took the message)."""
    with seat.write(actor=NOTIFIER) as tx:
        return tx.update(sa.update(Notification).where(
            col(Notification.id) == c.id, col(Notification.lease_owner) == owner,
            col(Notification.state) == "pending")
            .values(lease_until=tx.now + setup.lease)) == 1


def deliver(seat: Seat, setup: NotifySetup, owner: str, c: Claimed,
            result: RoundResult) -> None:
    """One attempt at one claimed message, and its outcome written down."""
    if not renew(seat, setup, owner, c):
        return  # another sender has it now
    channel = setup.channels.get(c.channel)
    now = seat.now()
    try:
        if channel is None:
            raise DeliveryError(_("there is no channel {name} in the config any more").format(
                name=c.channel), permanent=True)
        answer = send(channel, Outgoing(c.key, c.subject, c.body, c.address, c.kind), now)
    except DeliveryError as exc:
        error = str(exc)
        first = sa.func.coalesce(col(Notification.first_failed_at), now)
        give_up = exc.permanent or now - c.created_at >= setup.give_up_after
        if give_up:
            if _finish(seat, owner, c, {"state": "failed", "failed_at": now,
                                        "first_failed_at": first, "last_error": error[:500]},
                       "notification_failed", {"error": error}):
                result.failed += 1
        elif _finish(seat, owner, c, {"next_at": now + retry_delay(c.attempts + 1),
                                      "first_failed_at": first, "last_error": error[:500]},
                     "notification_retry", {"error": error}):
            result.retried += 1
        return
    if _finish(seat, owner, c, {"state": "sent", "sent_at": now, "answer": answer[:500],
                                "last_error": None}, "notification_sent", {"answer": answer}):
        result.sent += 1


def run_round(seat: Seat, setup: NotifySetup, rota: Rota, owner: str | None = None,
              *, after_each: Callable[[], None] | None = None) -> RoundResult:
    """Route what is ready, then deliver what is due (each claimed batch in turn)."""
    owner = owner or sender_id()
    run_follow_ups(seat, setup.follow_up, NOTIFIER)
    result = RoundResult(routed=route(seat, setup, rota))
    while True:
        batch = claim(seat, setup, owner)
        if not batch:
            return result
        for c in batch:
            deliver(seat, setup, owner, c, result)
            if after_each is not None:
                after_each()
