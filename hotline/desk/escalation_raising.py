"""How an escalation enters the queue: the one place escalations are raised.

Every escalation is stored under one key format, ``<subject>:<id>:<key>``:
``ticket:12:breach:restore:…`` for what a ticket's clocks raise (the key the
SLA engine gives it), ``ticket:12:complaint`` for a complaint,
``call:7:answer`` for a call left ringing past its answer target. The key
is unique, so raising the same escalation twice — from another seat, after
a restart — adds nothing: the second insert fails and its transaction is
rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import col, select

from hotline.desk import outbox
from hotline.desk.call_states import CallState
from hotline.store.models import Call, Escalation, Ticket
from hotline.store.transaction import Transaction

#: The actor of what the desk does by itself (raising, withdrawing, acknowledging a chain).
SYSTEM = "system"


def subject_key(key: str, *, ticket_id: int | None = None, call_id: int | None = None) -> str:
    """The stored key of an escalation about a ticket or a call."""
    if ticket_id is not None:
        return f"ticket:{ticket_id}:{key}"
    if call_id is not None:
        return f"call:{call_id}:{key}"
    raise ValueError("an escalation is about a ticket or a call")


def engine_key(stored: str) -> str:
    """The key an escalation is known by without its subject (the SLA engine's key)."""
    parts = stored.split(":", 2)
    return parts[2] if len(parts) == 3 else stored


def raise_escalation(tx: Transaction, key: str, *, kind: str, at: datetime,
                     ticket_id: int | None = None, call_id: int | None = None,
                     tier: str | None = None, due_at: datetime | None = None,
                     clock_id: int | None = None, reason: str = "",
                     from_level: int | None = None, to_level: int | None = None,
                     acknowledged_at: datetime | None = None,
                     event: Mapping[str, object] | None = None) -> Escalation:
    """Put an escalation in the queue, with its ``escalation_raised`` event.

    ``acknowledged_at``: an alert raised late (after downtime) whose chain
    someone acknowledged meanwhile enters the queue already acknowledged.
    ``event``: what else the event records, next to the escalation's kind.
    """
    esc = Escalation(key=subject_key(key, ticket_id=ticket_id, call_id=call_id), kind=kind,
                     tier=tier, ticket_id=ticket_id, call_id=call_id, clock_id=clock_id,
                     raised_at=at, due_at=due_at, from_level=from_level, to_level=to_level,
                     reason=reason)
    if acknowledged_at is not None:
        esc.acknowledged_at, esc.acknowledged_by = acknowledged_at, SYSTEM
        esc.note = "acknowledged with its chain"
    tx.session.add(esc)
    tx.session.flush()
    tx.record_event("escalation_raised", at, ticket_id=ticket_id, call_id=call_id,
                    escalation_id=esc.id, actor=SYSTEM, kind=kind, **(event or {}))
    if acknowledged_at is None:  # one acknowledged with its chain tells nobody
        outbox.enqueue(tx, f"escalation:{esc.id}", kind=kind, at=at, tier=tier,
                       escalation_id=esc.id, ticket_id=ticket_id, call_id=call_id)
    return esc


def raise_complaint(tx: Transaction, ticket: Ticket, when: datetime) -> Escalation:
    """A complaint goes to the supervisor's queue as soon as it is logged."""
    assert ticket.id is not None
    return raise_escalation(tx, "complaint", kind="complaint", tier="supervisor", at=when,
                            ticket_id=ticket.id, reason="complaint",
                            event={"tier": "supervisor"})


def raise_unanswered_calls(tx: Transaction) -> int:
    """Calls still ringing past their answer target enter the queue (once each)."""
    overdue = tx.session.exec(
        select(Call).where(Call.state == CallState.RINGING, col(Call.answer_due_at) <= tx.now,
                           col(Call.escalated_at).is_(None))).all()
    for call in overdue:
        assert call.id is not None
        call.escalated_at = call.answer_due_at
        tx.session.add(call)
        raise_escalation(tx, "answer", kind="unanswered_call", tier="engineer",
                         at=call.answer_due_at, call_id=call.id, due_at=call.answer_due_at,
                         reason="answer")
    return len(overdue)
