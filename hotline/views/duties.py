"""Each contract's planned and open duties, soonest due first (the Duties screen, the
``hotline duties`` listing and the reports read these rows).

A duty is a ticket of a duty kind (:data:`hotline.duties.kinds.DUTY_KINDS`); its next
target and due time are the ones the SLA evaluation keeps on the ticket
(``next_clock``/``next_due_at``), so this reads only the rows shown. The state is
worked out at ``now`` from the stored times, like every countdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from hotline.duties.kinds import DUTY_KINDS
from hotline.store.models import Contract, Customer, SlaClock, Ticket

#: The most rows read (soonest first).
DUTY_LIMIT = 500

#: The state of the next target: running (before its warning); warning (past it);
#: breached (past due; targets missed earlier are counted in ``breaches``); paused;
#: waiting: open with no clock running (a meeting held, items may come); done: closed.
DutyState = Literal["running", "warning", "breached", "paused", "waiting", "done"]


@dataclass(frozen=True)
class DutyRow:
    """One duty: what it is, for whom, when it is planned, what falls due next and when."""

    ticket_id: int
    kind: str  # one of DUTY_KINDS
    ticket_number: str
    contract: str | None  # the contract's code
    customer: str | None
    subject: str  # the first line of the ticket's description
    planned_at: datetime | None
    next_target: str | None  # the clock key ("inspection", "meeting_reply#2")
    due_at: datetime | None
    warn_at: datetime | None
    state: DutyState
    status: str  # the ticket's status (open … closed)
    breaches: int = 0  # targets of this duty already missed
    assigned_to: str | None = None

    def time_left(self, now: datetime) -> float | None:
        """Seconds to the due time (negative when past), None without one."""
        return None if self.due_at is None else (self.due_at - now).total_seconds()


def duty_state(now: datetime, *, due_at: datetime | None, warn_at: datetime | None,
               paused: bool, closed: bool, breaches: int) -> DutyState:
    if closed:
        return "done"
    if due_at is None:
        return "waiting"
    if paused:
        return "paused"
    if due_at <= now:
        return "breached"
    if warn_at is not None and warn_at <= now:
        return "warning"
    return "running"


def duty_rows(s: Session, now: datetime, *, contract: str | None = None,
              kinds: tuple[str, ...] | None = None, include_closed: bool = False,
              limit: int = DUTY_LIMIT) -> list[DutyRow]:
    """The duties (of one contract, by its code, if given), soonest due first; then those
    with nothing due, by planned time."""
    wanted = [k for k in (kinds or DUTY_KINDS) if k in DUTY_KINDS]
    q = (sa.select(col(Ticket.id), col(Ticket.kind), col(Ticket.number), col(Contract.code),
                   col(Customer.name), col(Ticket.description), col(Ticket.planned_at),
                   col(Ticket.next_clock), col(Ticket.next_due_at), col(Ticket.status),
                   col(Ticket.assigned_to), col(SlaClock.warn_at), col(SlaClock.state))
         .select_from(Ticket)
         .outerjoin(Contract, col(Contract.id) == col(Ticket.contract_id))
         .outerjoin(Customer, col(Customer.id) == col(Ticket.customer_id))
         .outerjoin(SlaClock, sa.and_(col(SlaClock.ticket_id) == col(Ticket.id),
                                      col(SlaClock.key) == col(Ticket.next_clock)))
         .where(col(Ticket.kind).in_(wanted)))
    if contract is not None:
        q = q.where(col(Contract.code) == contract)
    if not include_closed:
        q = q.where(col(Ticket.status) != "closed")
    q = q.order_by(col(Ticket.next_due_at).is_(None), col(Ticket.next_due_at),
                   col(Ticket.planned_at).is_(None), col(Ticket.planned_at),
                   col(Ticket.id)).limit(limit)
    rows = s.execute(q).all()
    ids = [r[0] for r in rows]
    breaches: dict[int, int] = {}
    if ids:
        counted = s.execute(
            sa.select(col(SlaClock.ticket_id), sa.func.count())
            .where(col(SlaClock.ticket_id).in_(ids), col(SlaClock.breached_at).is_not(None))
            .group_by(col(SlaClock.ticket_id))).all()
        breaches = {tid: int(n) for tid, n in counted}
    out: list[DutyRow] = []
    for (tid, kind, number, code, customer, description, planned_at, next_clock, due_at,
         status, assigned_to, warn_at, clock_state) in rows:
        n = breaches.get(tid, 0)
        closed = status == "closed"
        out.append(DutyRow(
            ticket_id=tid, kind=kind, ticket_number=number, contract=code, customer=customer,
            subject=(description or "").strip().split("\n", 1)[0][:200],
            planned_at=planned_at, next_target=None if closed else next_clock,
            due_at=None if closed else due_at, warn_at=None if closed else warn_at,
            state=duty_state(now, due_at=None if closed else due_at, warn_at=warn_at,
                             paused=clock_state == "paused", closed=closed, breaches=n),
            status=status, breaches=n, assigned_to=assigned_to))
    return out


def load_duties(engine: Engine, now: datetime, *, contract: str | None = None,
                kinds: tuple[str, ...] | None = None,
                include_closed: bool = False) -> list[DutyRow]:
    """:func:`duty_rows` in a session of its own (for the screens' workers)."""
    with Session(engine) as s:
        return duty_rows(s, now, contract=contract, kinds=kinds, include_closed=include_closed)
