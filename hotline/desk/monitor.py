"""The desk's monitor: raise what has fallen due, from any seat, any number of times.

Each seat runs it about once a second, and only when something can have
fallen due (see the dashboard's snapshot and :attr:`Monitor.realerts_due_at`).
Everything it writes is keyed, so two seats evaluating at the same moment
write it once: the second seat's transaction fails on a unique key and is
rolled back, and that seat finds nothing left to do.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from hotline.desk import missed_calls
from hotline.desk.clocks import evaluate_ticket
from hotline.desk.escalation_raising import raise_unanswered_calls
from hotline.desk.realerts import REALERT_RESCAN, record_realerts
from hotline.seat import Seat
from hotline.store.models import Ticket

#: At most this many tickets are re-evaluated in one transaction (after downtime, the
#: rest follow on the next round, a second later), so no seat holds the database long.
EVALUATE_BATCH = 200


class Monitor:
    """What one seat's monitor remembers between rounds."""

    def __init__(self) -> None:
        #: When the next re-alert of an unacknowledged escalation can fall due; None: look now.
        self.realerts_due_at: datetime | None = None

    def evaluate(self, seat: Seat) -> int:
        """Raise unanswered-call escalations, evaluate every ticket whose clocks may have
        changed state, and record re-alerts when one can be due.

        Returns the number of items raised or re-evaluated.
        """
        now = seat.now()
        done = 0
        try:
            with seat.write() as tx:
                done += raise_unanswered_calls(tx)
                done += missed_calls.raise_overdue(tx)
                due_tickets = tx.session.exec(
                    select(Ticket).where(col(Ticket.next_check_at) <= now)
                    .order_by(col(Ticket.next_check_at)).limit(EVALUATE_BATCH)).all()
                for ticket in due_tickets:
                    evaluate_ticket(tx, seat.sla, ticket)
                    done += 1
        except sa.exc.IntegrityError:
            # another seat raised the same items first: nothing left to do
            return 0
        if done or self.realerts_due_at is None or now >= self.realerts_due_at:
            done += self.realert(seat, now)
        return done

    def realert(self, seat: Seat, now: datetime) -> int:
        """Record the re-alerts due now (one transaction); 0 when another seat was first."""
        try:
            with seat.write() as tx:
                n, next_due = record_realerts(tx, seat.sla)
        except sa.exc.IntegrityError:
            return 0
        self.realerts_due_at = min(next_due or now + REALERT_RESCAN, now + REALERT_RESCAN)
        return n

