"""Tickets that belong together: a repeat call added, related tickets linked, a duplicate merged.

Each operation is one transaction writing its change and its events:

* :func:`add_call` — a repeat call joins one of the customer's open tickets: the call
  is linked to it, the ticket's timeline shows it, no clock starts (``call_added``);
* :func:`link_tickets` — two tickets about one cause (several sites calling about one
  outage): each ticket records the link (``ticket_linked``, one event on each);
* :func:`merge_ticket` — a duplicate is closed as merged into another: its calls move
  there, its clocks stop without a breach or a penalty (the SLA engine reads the merge
  as a close), both timelines show it (``ticket_merged`` / ``ticket_merged_in``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hotline.desk.calls import parse_caller_number
from hotline.desk.clocks import evaluate_ticket
from hotline.desk.intake import desk_phone_call, loggable_call
from hotline.directory.callers import match_number
from hotline.errors import Conflict, InputError, NotFound
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.models import Call, Event, SlaClock, Ticket
from hotline.store.transaction import Transaction

#: The longest note kept with a repeat call, a link or a merge.
MAX_NOTE = 4000

#: The longest ticket number (the column's length).
TICKET_NUMBER_MAX = 24

#: Event kinds of this module (the timeline and the audit trail name them).
LINK_EVENTS = ("call_added", "ticket_linked", "ticket_merged", "ticket_merged_in")


@dataclass(frozen=True)
class TicketLink:
    """A ticket this one is linked to, merged into or merged from."""

    relation: str  # linked | merged_into | merged_from
    ticket_id: int
    number: str


def _note(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_NOTE:
        raise InputError(_("The note is too long ({n} characters; at most {max}).").format(
            n=len(text), max=MAX_NOTE))
    return text


def _ticket(s: Session, ticket_id: int) -> Ticket:
    ticket = s.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(_("There is no ticket {id}.").format(id=ticket_id))
    return ticket


def ticket_ref(text: str) -> str:
    """A ticket number (or id) as typed, stripped; what no ticket number can be is refused
    here, before the database sees it (PostgreSQL refuses a NUL character outright, and
    Python a number of thousands of digits)."""
    ref = text.strip()
    if len(ref) > TICKET_NUMBER_MAX or not ref.isprintable():
        raise InputError(_("{ref!r} is not a ticket number (e.g. 261206-0005).").format(
            ref=ref[:40]))
    return ref


def _ticket_by_number(s: Session, ref: str) -> Ticket:
    ref = ticket_ref(ref)
    if not ref:
        raise InputError(_("Give the other ticket's number (e.g. 261206-0005)."))
    ticket = s.exec(select(Ticket).where(Ticket.number == ref)).first()
    if ticket is None:
        raise NotFound(_("There is no ticket {ref}.").format(ref=ref))
    return ticket


def _bump(tx: Transaction, ticket: Ticket, expected_version: int | None = None) -> None:
    """The ticket's version goes up (a seat that looked at it before is told)."""
    if expected_version is not None and ticket.version != expected_version:
        raise Conflict(_("Ticket {number} changed meanwhile; nothing was saved.").format(
            number=ticket.number))
    version = ticket.version
    if tx.update(sa.update(Ticket).where(col(Ticket.id) == ticket.id,
                                         col(Ticket.version) == version)
                 .values(version=version + 1)) != 1:
        raise Conflict(_("Ticket {number} changed meanwhile; nothing was saved.").format(
            number=ticket.number))
    tx.session.refresh(ticket)


def merged_into(s: Session, ticket_id: int) -> Ticket | None:
    """The ticket this one was merged into, if it was."""
    ev = s.exec(select(Event).where(Event.ticket_id == ticket_id,
                                    Event.kind == "ticket_merged")
                .order_by(col(Event.id).desc()).limit(1)).first()
    if ev is None:
        return None
    return s.get(Ticket, int(json.loads(ev.data)["into_id"]))


def _open_or_refuse(s: Session, ticket: Ticket) -> None:
    if ticket.status == "closed":
        into = merged_into(s, ticket.id) if ticket.id is not None else None
        if into is not None:
            raise Conflict(_("Ticket {number} was merged into {into}.").format(
                number=ticket.number, into=into.number))
        raise Conflict(_("Ticket {number} is closed: reopen it first.").format(
            number=ticket.number))


def add_call(seat: Seat, ticket_id: int, *, number: str, call_id: int | None = None,
             note: str = "", at: datetime | None = None) -> int:
    """Add a repeat call to an open ticket (no new ticket, no new clock); the ticket id.

    ``call_id``: the answered call being logged; None for a call taken on a desk
    phone (``number``), which is recorded here as an answered call.
    """
    parsed = parse_caller_number(number)
    text = _note(note)
    with seat.write() as tx:
        s = tx.session
        ticket = _ticket(s, ticket_id)
        assert ticket.id is not None
        _open_or_refuse(s, ticket)
        if call_id is not None:
            call = loggable_call(tx, call_id)  # the same checks as logging it as a ticket
            when = tx.when(at, not_before=call.answered_at, what=_("the answer"))
        else:
            when = tx.when(at)
            caller = match_number(s, parsed.e164, when.astimezone(tx.tz).date())
            call = desk_phone_call(tx, seat.sla, number, parsed, caller, when)
        assert call.id is not None
        call.ticket_id = ticket.id
        call.version += 1
        s.add(call)
        _bump(tx, ticket)
        tx.record_event("call_added", when, call_id=call.id, ticket_id=ticket.id,
                        number=ticket.number, caller=parsed.e164, text=text)
        return ticket.id


def link_tickets(seat: Seat, ticket_id: int, other: str, *, note: str = "",
                 expected_version: int | None = None) -> int:
    """Link the ticket to another (by number): both record the link. The other's id."""
    text = _note(note)
    with seat.write() as tx:
        s = tx.session
        ticket = _ticket(s, ticket_id)
        target = _ticket_by_number(s, other)
        assert ticket.id is not None and target.id is not None
        if target.id == ticket.id:
            raise InputError(_("A ticket cannot be linked to itself."))
        if target.id in {link.ticket_id for link in links_of(s, ticket.id)}:
            raise Conflict(_("Tickets {a} and {b} are already linked.").format(
                a=ticket.number, b=target.number))
        _bump(tx, ticket, expected_version)
        _bump(tx, target)
        tx.record_event("ticket_linked", tx.now, ticket_id=ticket.id, other=target.number,
                        other_id=target.id, text=text)
        tx.record_event("ticket_linked", tx.now, ticket_id=target.id, other=ticket.number,
                        other_id=ticket.id, text=text)
        return target.id


def merge_ticket(seat: Seat, duplicate_id: int, into: str, *, note: str = "",
                 expected_version: int | None = None) -> int:
    """Close the duplicate as merged into ``into`` (a number); returns the kept ticket's id.

    The duplicate's calls move to the kept ticket; its clocks stop without a breach
    or a penalty (a clock already breached stays so). Only open tickets merge.
    """
    text = _note(note)
    with seat.write() as tx:
        s = tx.session
        duplicate = _ticket(s, duplicate_id)
        kept = _ticket_by_number(s, into)
        assert duplicate.id is not None and kept.id is not None
        if kept.id == duplicate.id:
            raise InputError(_("A ticket cannot be merged into itself."))
        _open_or_refuse(s, duplicate)
        _open_or_refuse(s, kept)
        _bump(tx, duplicate, expected_version)
        _bump(tx, kept)
        moved = [c for c in s.exec(select(Call).where(Call.ticket_id == duplicate.id)).all()]
        for call in moved:
            call.ticket_id = kept.id
            call.version += 1
            s.add(call)
        call_ids = [c.id for c in moved if c.id is not None]
        tx.record_event("ticket_merged", tx.now, ticket_id=duplicate.id, into=kept.number,
                        into_id=kept.id, calls=call_ids, text=text)
        tx.record_event("ticket_merged_in", tx.now, ticket_id=kept.id,
                        duplicate=duplicate.number, duplicate_id=duplicate.id,
                        calls=call_ids, text=text)
        s.flush()
        duplicate.status = "closed"
        duplicate.closed_at = tx.now
        s.add(duplicate)
        evaluate_ticket(tx, seat.sla, duplicate)
        # Clocks a close keeps (documents due after a fault) stop too: the work goes on
        # in the kept ticket, and the duplicate is never evaluated again.
        for clock in s.exec(select(SlaClock).where(
                SlaClock.ticket_id == duplicate.id,
                col(SlaClock.state).in_(("running", "paused")))).all():
            clock.state = "cancelled"
            clock.met_at = tx.now
            s.add(clock)
        duplicate.next_check_at = duplicate.next_due_at = None
        duplicate.next_clock = None
        s.add(duplicate)
        return kept.id


def links_of(s: Session, ticket_id: int) -> list[TicketLink]:
    """The tickets linked to this one, the one it was merged into and those merged into it."""
    rows = s.exec(select(Event).where(
        Event.ticket_id == ticket_id,
        col(Event.kind).in_(("ticket_linked", "ticket_merged", "ticket_merged_in")))
        .order_by(col(Event.id))).all()
    out: list[TicketLink] = []
    for ev in rows:
        data = json.loads(ev.data or "{}")
        if ev.kind == "ticket_linked":
            out.append(TicketLink("linked", int(data["other_id"]), str(data["other"])))
        elif ev.kind == "ticket_merged":
            out.append(TicketLink("merged_into", int(data["into_id"]), str(data["into"])))
        else:
            out.append(TicketLink("merged_from", int(data["duplicate_id"]),
                                  str(data["duplicate"])))
    return out
