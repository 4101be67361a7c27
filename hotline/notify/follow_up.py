"""Re-alerts for what was acknowledged but not followed up (``[notify] follow_up``).

Acknowledging an escalation stops its re-alerts; it does not fix the fault.
When ``follow_up`` is set, an escalation acknowledged by a person whose
ticket then sees nothing happen is told again after each ``follow_up``
interval from the acknowledgment, until it is followed up. Followed up
means: the ticket is closed, or a person recorded a step on it (anything
written on the ticket by someone other than the desk itself, besides
acknowledging, reassigning or noting the escalation) after the
acknowledgment. Escalations without a ticket (an unanswered call) and
those the desk withdrew are not followed here; a ticket with several acknowledged escalations
is followed from the latest acknowledgment only (told once, not once each).

Each re-alert is one outbox row with its audit event, written once (its key
holds the escalation and the interval's number), so several senders running
this at once tell it once.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from hotline.desk import outbox
from hotline.desk.escalation_raising import SYSTEM
from hotline.seat import Seat
from hotline.store.models import Escalation, Event, OutboxItem, Ticket
from hotline.store.transaction import Transaction

#: The outbox kind (and the rule event) of these re-alerts.
FOLLOW_UP = "follow_up"
#: Actors that are the desk itself, not a person following up.
NOT_A_PERSON = frozenset({SYSTEM, "notify"})
#: Acknowledgments older than this are no longer followed (a bound on the scan).
LOOK_BACK = timedelta(days=7)


def key(escalation_id: int, n: int) -> str:
    return f"escalation:{escalation_id}:followup:{n}"


def followed_up(tx: Transaction, esc: Escalation, ticket: Ticket) -> bool:
    """The ticket was closed, or a person wrote a step on it after the acknowledgment."""
    if ticket.status == "closed" or ticket.closed_at is not None:
        return True
    assert esc.acknowledged_at is not None
    step = tx.session.exec(
        select(Event.id).where(col(Event.ticket_id) == ticket.id,
                               col(Event.at) > esc.acknowledged_at,
                               col(Event.actor).not_in(NOT_A_PERSON),
                               sa.not_(col(Event.kind).startswith("escalation_")))
        .limit(1)).first()
    return step is not None


def record_follow_ups(tx: Transaction, interval: timedelta) -> int:
    """Write the follow-up re-alerts due now (each once); how many were written."""
    s, now = tx.session, tx.now
    rows = s.exec(
        select(Escalation, Ticket)
        .join(Ticket, col(Ticket.id) == col(Escalation.ticket_id))
        .where(col(Escalation.acknowledged_at).is_not(None),
               col(Escalation.acknowledged_at) >= now - LOOK_BACK,
               col(Escalation.acknowledged_by).not_in(NOT_A_PERSON),
               col(Ticket.status) != "closed")
        .order_by(col(Escalation.acknowledged_at).desc(), col(Escalation.id).desc())).all()
    written = 0
    seen: set[int] = set()
    for esc, ticket in rows:
        if ticket.id in seen:
            continue  # one ticket is followed once: from its latest acknowledgment
        assert ticket.id is not None
        seen.add(ticket.id)
        assert esc.id is not None and esc.acknowledged_at is not None
        n = int((now - esc.acknowledged_at) / interval)
        if n < 1:
            continue  # acknowledged less than an interval ago
        item_key = key(esc.id, n)
        if s.exec(select(OutboxItem.id).where(OutboxItem.key == item_key)).first() is not None:
            continue  # this interval's re-alert was written already
        if followed_up(tx, esc, ticket):
            continue
        at = esc.acknowledged_at + interval * n
        minutes = int((at - esc.acknowledged_at).total_seconds() // 60)
        tx.record_event("escalation_not_followed_up", at, escalation_id=esc.id,
                        ticket_id=ticket.id, actor=SYSTEM, n=n, minutes=minutes)
        outbox.enqueue(tx, item_key, kind=FOLLOW_UP, at=at, escalation_id=esc.id,
                       ticket_id=ticket.id, n=n, minutes=minutes)
        written += 1
    s.flush()
    return written


def run_follow_ups(seat: Seat, interval: timedelta | None, actor: str) -> int:
    """One transaction of :func:`record_follow_ups` (nothing when ``follow_up`` is off)."""
    if interval is None:
        return 0
    try:
        with seat.write(actor=actor) as tx:
            return record_follow_ups(tx, interval)
    except sa.exc.IntegrityError:
        return 0  # another sender wrote the same re-alert a moment ago: it is told once

