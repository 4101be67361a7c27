"""Escalations: acknowledging (one or many), reassigning, notes — one transaction each.

A tier alert takes the earlier and later alerts of the same chain with it
when acknowledged (the SLA engine stops the whole chain at the first
acknowledgement).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hotline.desk.clocks import evaluate_ticket
from hotline.errors import Conflict, InputError, NotFound
from hotline.i18n import _
from hotline.store.models import (
    Engineer,
    Escalation,
    Ticket,
)

if TYPE_CHECKING:
    from hotline.desk.operations import Desk

#: Who acknowledges what the desk withdraws by itself.
SYSTEM = "system"
NOTE_MAX = 1000


def _note(text: str) -> str:
    note = text.strip()
    if len(note) > NOTE_MAX:
        raise InputError(_("A note may have at most {n} characters.").format(n=NOTE_MAX))
    return note


def _escalation(s: Session, escalation_id: int) -> Escalation:
    esc = s.get(Escalation, escalation_id)
    if esc is None:
        raise NotFound(_("There is no escalation {id}.").format(id=escalation_id))
    return esc


def _engine_key(esc: Escalation) -> str:
    """The key the SLA engine knows the escalation by (without the ``t<ticket>:`` prefix)."""
    return esc.key.split(":", 1)[1] if ":" in esc.key else esc.key


def acknowledge(desk: Desk, escalation_ids: Sequence[int], note: str = "") -> int:
    """Acknowledge escalations with one note. Returns how many were acknowledged.

    With one id, an escalation someone already acknowledged is refused; with
    several (acknowledging a filtered list at once), those are skipped.
    """
    note = _note(note)
    ids = list(dict.fromkeys(escalation_ids))
    if not ids:
        raise InputError(_("Select an escalation to acknowledge."))
    now = desk.now()
    done = 0
    tickets: set[int] = set()
    with desk.session() as s:
        for escalation_id in ids:
            esc = _escalation(s, escalation_id)
            if esc.acknowledged_at is not None:
                if len(ids) == 1:
                    raise Conflict(_("{who} acknowledged this at {time}.").format(
                        who=esc.acknowledged_by or "?", time=desk._show(esc.acknowledged_at)))
                continue
            if not _mark_acknowledged(s, desk, esc, now, desk.actor, note):
                if len(ids) == 1:
                    raise Conflict(_("Someone acknowledged this escalation a moment ago."))
                continue
            done += 1
            if esc.kind == "tier":
                done += acknowledge_chain(s, desk, esc, now, desk.actor)
            if esc.ticket_id is not None:
                tickets.add(esc.ticket_id)
        for ticket_id in sorted(tickets):
            ticket = s.get(Ticket, ticket_id)
            if ticket is not None:
                evaluate_ticket(s, desk, ticket, now)
    return done


def _mark_acknowledged(s: Session, desk: Desk, esc: Escalation, at: datetime, who: str,
                       note: str, *, with_id: int | None = None, actor: str | None = None
                       ) -> bool:
    result = s.execute(
        sa.update(Escalation)
        .where(col(Escalation.id) == esc.id, col(Escalation.acknowledged_at).is_(None))
        .values(acknowledged_at=at, acknowledged_by=who, note=note or None))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    data: dict[str, object] = {"key": _engine_key(esc), "note": note}
    if with_id is not None:
        data["with"] = with_id
    desk._event(s, "escalation_acknowledged", at, call_id=esc.call_id, ticket_id=esc.ticket_id,
                escalation_id=esc.id, actor=actor or who, **data)
    return True


def acknowledge_chain(s: Session, desk: Desk, esc: Escalation, at: datetime, who: str,
                       *, actor: str | None = None) -> int:
    """The other unacknowledged alerts of the same tier chain (same ticket and clock)."""
    siblings = s.exec(select(Escalation).where(
        Escalation.ticket_id == esc.ticket_id, Escalation.kind == "tier",
        Escalation.clock_id == esc.clock_id, col(Escalation.id) != esc.id,
        col(Escalation.acknowledged_at).is_(None), col(Escalation.raised_at) <= at)).all()
    n = 0
    for other in siblings:
        if _mark_acknowledged(s, desk, other, at, who, "", with_id=esc.id, actor=actor):
            n += 1
    return n


def reassign(desk: Desk, escalation_id: int, login: str, note: str = "") -> None:
    """Hand the escalation — and its ticket, if it has one — to ``login``."""
    login = login.strip()
    note = _note(note)
    if not login:
        raise InputError(_("Say who takes the escalation over."))
    now = desk.now()
    with desk.session() as s:
        known = s.exec(select(Engineer.login).where(col(Engineer.active).is_(True))).all()
        if known and login not in known:
            raise InputError(_("{login} is not an engineer of this desk (known: {known}).")
                             .format(login=login, known=", ".join(sorted(known))))
        esc = _escalation(s, escalation_id)
        before = esc.assigned_to
        if before == login:
            raise Conflict(_("This escalation is already assigned to {who}.").format(who=login))
        result = s.execute(
            sa.update(Escalation)
            .where(col(Escalation.id) == escalation_id,
                   col(Escalation.assigned_to).is_(None) if before is None
                   else col(Escalation.assigned_to) == before)
            .values(assigned_to=login))
        if result.rowcount != 1:
            raise Conflict(_("Someone reassigned this escalation a moment ago."))
        ticket_owner = None
        if esc.ticket_id is not None:
            ticket = s.get(Ticket, esc.ticket_id)
            if ticket is not None and ticket.status != "closed":
                ticket_owner = ticket.assigned_to
                ticket.assigned_to = login
                ticket.version += 1
                s.add(ticket)
        desk._event(s, "escalation_reassigned", now, call_id=esc.call_id,
                    ticket_id=esc.ticket_id, escalation_id=escalation_id,
                    to=login, note=note, ticket_owner=ticket_owner, **{"from": before})


def add_note(desk: Desk, escalation_id: int, text: str) -> None:
    """Record what is being done about an escalation (it stays in the queue)."""
    note = _note(text)
    if not note:
        raise InputError(_("The note is empty."))
    with desk.session() as s:
        esc = _escalation(s, escalation_id)
        desk._event(s, "escalation_note", desk.now(), call_id=esc.call_id,
                    ticket_id=esc.ticket_id, escalation_id=escalation_id, note=note)


