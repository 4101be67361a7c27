"""What the shift supervisor does with an escalation: acknowledge, reassign, add a note.

One transaction each, with its event. A tier alert takes the earlier and
later alerts of the same chain with it when acknowledged (the SLA engine
stops the whole chain at the first acknowledgement). Escalations enter the
queue in :mod:`hotline.desk.escalation_raising`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import col, select

from hotline.accounts.permissions import require
from hotline.desk.clocks import evaluate_ticket
from hotline.desk.escalation_raising import engine_key
from hotline.errors import Conflict, InputError, NotFound
from hotline.i18n import _
from hotline.seat import Seat
from hotline.store.models import Engineer, Escalation, Ticket
from hotline.store.transaction import Transaction

NOTE_MAX = 1000


def check_note(text: str) -> str:
    """A note as stored: trimmed, and refused if it is too long."""
    note = text.strip()
    if len(note) > NOTE_MAX:
        raise InputError(_("A note may have at most {n} characters.").format(n=NOTE_MAX))
    return note


def _escalation(tx: Transaction, escalation_id: int) -> Escalation:
    esc = tx.session.get(Escalation, escalation_id)
    if esc is None:
        raise NotFound(_("There is no escalation {id}.").format(id=escalation_id))
    return esc


def acknowledge(seat: Seat, escalation_ids: Sequence[int], note: str = "") -> int:
    """Acknowledge escalations with one note. Returns how many were acknowledged.

    With one id, an escalation someone already acknowledged is refused; with
    several (acknowledging a filtered list at once), those are skipped. The
    tickets concerned are evaluated at once (an acknowledged tier alert stops
    its chain).
    """
    note = check_note(note)
    ids = list(dict.fromkeys(escalation_ids))
    if not ids:
        raise InputError(_("Select an escalation to acknowledge."))
    if len(ids) > 1:
        require(seat, "acknowledge_all", escalations=len(ids))
    done = 0
    tickets: set[int] = set()
    with seat.write() as tx:
        for escalation_id in ids:
            esc = _escalation(tx, escalation_id)
            if esc.acknowledged_at is not None:
                if len(ids) == 1:
                    raise Conflict(_("{who} acknowledged this at {time}.").format(
                        who=esc.acknowledged_by or "?", time=tx.show(esc.acknowledged_at)))
                continue
            if not mark_acknowledged(tx, esc, tx.actor, note):
                if len(ids) == 1:
                    raise Conflict(_("Someone acknowledged this escalation a moment ago."))
                continue
            done += 1
            if esc.kind == "tier":
                done += acknowledge_chain(tx, esc, tx.actor)
            if esc.ticket_id is not None:
                tickets.add(esc.ticket_id)
        for ticket_id in sorted(tickets):
            ticket = tx.session.get(Ticket, ticket_id)
            if ticket is not None:
                evaluate_ticket(tx, seat.sla, ticket)
    return done


def mark_acknowledged(tx: Transaction, esc: Escalation, who: str, note: str, *,
                      with_id: int | None = None) -> bool:
    """Acknowledge one escalation now, unless someone was first (then False)."""
    if tx.update(sa.update(Escalation)
                .where(col(Escalation.id) == esc.id, col(Escalation.acknowledged_at).is_(None))
                .values(acknowledged_at=tx.now, acknowledged_by=who, note=note or None)) != 1:
        return False
    data: dict[str, object] = {"key": engine_key(esc.key), "note": note}
    if with_id is not None:
        data["with"] = with_id
    tx.record_event("escalation_acknowledged", tx.now, call_id=esc.call_id,
                    ticket_id=esc.ticket_id, escalation_id=esc.id, actor=who, **data)
    return True


def acknowledge_chain(tx: Transaction, esc: Escalation, who: str) -> int:
    """The other unacknowledged alerts of the same tier chain (same ticket and clock)."""
    siblings = tx.session.exec(select(Escalation).where(
        Escalation.ticket_id == esc.ticket_id, Escalation.kind == "tier",
        Escalation.clock_id == esc.clock_id, col(Escalation.id) != esc.id,
        col(Escalation.acknowledged_at).is_(None), col(Escalation.raised_at) <= tx.now)).all()
    return sum(1 for other in siblings
               if mark_acknowledged(tx, other, who, "", with_id=esc.id))


def reassign(seat: Seat, escalation_id: int, login: str, note: str = "") -> None:
    """Hand the escalation — and its ticket, if it has one — to ``login``."""
    login = login.strip()
    note = check_note(note)
    if not login:
        raise InputError(_("Say who takes the escalation over."))
    require(seat, "reassign", escalation_id=escalation_id, to=login)
    with seat.write() as tx:
        s = tx.session
        known = s.exec(select(Engineer.login).where(col(Engineer.active).is_(True))).all()
        if known and login not in known:
            raise InputError(_("{login} is not an engineer of this desk (known: {known}).")
                             .format(login=login, known=", ".join(sorted(known))))
        esc = _escalation(tx, escalation_id)
        before = esc.assigned_to
        if before == login:
            raise Conflict(_("This escalation is already assigned to {who}.").format(who=login))
        if tx.update(sa.update(Escalation)
                    .where(col(Escalation.id) == escalation_id,
                           col(Escalation.assigned_to).is_(None) if before is None
                           else col(Escalation.assigned_to) == before)
                    .values(assigned_to=login)) != 1:
            raise Conflict(_("Someone reassigned this escalation a moment ago."))
        ticket_owner = None
        if esc.ticket_id is not None:
            ticket = s.get(Ticket, esc.ticket_id)
            if ticket is not None and ticket.status != "closed":
                ticket_owner = ticket.assigned_to
                ticket.assigned_to = login
                ticket.version += 1
                s.add(ticket)
        tx.record_event("escalation_reassigned", tx.now, call_id=esc.call_id,
                        ticket_id=esc.ticket_id, escalation_id=escalation_id,
                        to=login, note=note, ticket_owner=ticket_owner, **{"from": before})


def add_note(seat: Seat, escalation_id: int, text: str) -> None:
    """Record what is being done about an escalation (it stays in the queue)."""
    note = check_note(text)
    if not note:
        raise InputError(_("The note is empty."))
    with seat.write() as tx:
        esc = _escalation(tx, escalation_id)
        tx.record_event("escalation_note", tx.now, call_id=esc.call_id,
                        ticket_id=esc.ticket_id, escalation_id=escalation_id, note=note)
