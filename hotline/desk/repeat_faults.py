"""The same fault on the same equipment again: an earlier resolution that did not hold.

The generic specification (1.4 故障解决) counts a fault as resolved only if "在故障排除
一年内,不再出现同样类型的故障". A policy says how long with ``[procedure]
repeat_within``; a new fault of the same customer on the same equipment (and site,
when both tickets name one) within that time of an earlier fault's resolution links
the earlier ticket (``ticket_linked`` on both, ``repeat: true``) and records
``repeat_fault`` on it — the event the policy's ``[[scoring.event]]`` scores as the
resolution that did not hold. Written in the new ticket's own transaction.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hotline.desk.clocks import evaluate_ticket
from hotline.sla import SlaEngine
from hotline.store.models import Event, Ticket
from hotline.store.transaction import Transaction


def equipment_key(text: str | None) -> str:
    """Equipment or site as compared: case and runs of blanks do not count."""
    return " ".join((text or "").split()).casefold()


def resolved_at(s: Session, ticket_id: int) -> datetime | None:
    """When the ticket's fault was last resolved (None if never, or reopened since)."""
    rows = s.exec(select(Event.kind, Event.at).where(
        Event.ticket_id == ticket_id,
        col(Event.kind).in_(("resolve", "ticket_reopened", "ticket_merged")))
        .order_by(col(Event.id))).all()
    at: datetime | None = None
    for kind, when in rows:
        at = when if kind == "resolve" else None
    return at


def earlier_fault(s: Session, sla: SlaEngine, ticket: Ticket, when: datetime
                  ) -> tuple[Ticket, datetime] | None:
    """The customer's fault on the same equipment resolved within the policy's
    ``repeat_within`` before ``when`` (the latest such), with its resolution time."""
    within = sla.policy(ticket.policy).procedure.repeat_within
    equipment = equipment_key(ticket.equipment)
    if within is None or ticket.kind != "fault" or ticket.customer_id is None or not equipment:
        return None
    site = equipment_key(ticket.site)
    # only faults with a resolution inside the window (the events bound the search)
    resolved_in_window = select(Event.ticket_id).where(
        Event.kind == "resolve", col(Event.at) >= when - within, col(Event.at) <= when)
    candidates = s.exec(select(Ticket).where(
        Ticket.customer_id == ticket.customer_id, Ticket.kind == "fault",
        Ticket.id != ticket.id, col(Ticket.status).in_(("resolved", "closed")),
        col(Ticket.equipment).is_not(None),
        col(Ticket.id).in_(resolved_in_window))).all()
    best: tuple[Ticket, datetime] | None = None
    for old in candidates:
        assert old.id is not None
        if equipment_key(old.equipment) != equipment:
            continue
        old_site = equipment_key(old.site)
        if site and old_site and site != old_site:
            continue
        at = resolved_at(s, old.id)
        if at is None or at > when or when - at > within:
            continue
        if best is None or at > best[1]:
            best = (old, at)
    return best


def link_repeat(tx: Transaction, sla: SlaEngine, ticket: Ticket, when: datetime) -> str | None:
    """Link a new fault to the earlier one it repeats, if any; that ticket's number."""
    s = tx.session
    found = earlier_fault(s, sla, ticket, when)
    if found is None:
        return None
    old, at = found
    assert old.id is not None and ticket.id is not None
    version = old.version
    tx.update(sa.update(Ticket).where(col(Ticket.id) == old.id, col(Ticket.version) == version)
              .values(version=version + 1))
    tx.record_event("ticket_linked", when, ticket_id=ticket.id, other=old.number,
                    other_id=old.id, repeat=True, resolved_at=at.isoformat(), text="")
    tx.record_event("ticket_linked", when, ticket_id=old.id, other=ticket.number,
                    other_id=ticket.id, repeat=True, text="")
    tx.record_event("repeat_fault", when, ticket_id=old.id, key=f"repeat:{ticket.number}",
                    by=ticket.number, resolved_at=at.isoformat())
    s.flush()
    s.refresh(old)
    evaluate_ticket(tx, sla, old)
    return old.number


def repeat_note(s: Session, ticket_id: int) -> str | None:
    """The earlier ticket this fault repeats (its number), if it is one."""
    for ev in s.exec(select(Event).where(Event.ticket_id == ticket_id,
                                         Event.kind == "ticket_linked")).all():
        data = json.loads(ev.data or "{}")
        if data.get("repeat") and data.get("resolved_at"):
            return str(data.get("other", ""))
    return None
