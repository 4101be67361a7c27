"""The handover between supervisors.

A handover is written by the outgoing supervisor for their shift, with a
note and a record of everything open at that moment; the incoming supervisor
accepts it, which also records them as the supervisor of the next shift.
Both are rows of ``handover`` with ``handover_written`` /
``handover_accepted`` events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hotline.accounts.permissions import require
from hotline.desk.call_states import CallState
from hotline.errors import Conflict, InputError, NotFound
from hotline.i18n import _
from hotline.seat import Seat
from hotline.sla import SlaEngine
from hotline.store.models import Handover, ShiftDuty
from hotline.store.transaction import Transaction
from hotline.supervision.crew import duty_rows, read_crew
from hotline.supervision.escalation_queue import QueueRow, load_queue
from hotline.supervision.rota import Rota, ShiftInstance, ShiftSpec
from hotline.views.dashboard import CallRow, WorkRow, load_calls, load_work

HANDOVER_GRACE = timedelta(hours=1)
NOTE_MAX = 4000


# --- what is open at the change ------------------------------------------------------


@dataclass(frozen=True)
class OpenItems:
    """Everything a shift hands over: calls, callbacks, tickets' next deadlines, escalations."""

    taken_at: datetime
    calls: list[CallRow]
    callbacks: list[WorkRow]
    tickets: list[WorkRow]
    tickets_total: int
    escalations: list[QueueRow]

    @property
    def ringing(self) -> int:
        return sum(1 for c in self.calls if c.state == CallState.RINGING)


def open_items(engine: Engine, sla: SlaEngine, now: datetime) -> OpenItems:
    with Session(engine) as s:
        calls = load_calls(s)
        work, total = load_work(s)
    callbacks = [w for w in work if w.target in ("callback", "missed_call")]
    tickets = [w for w in work if w.target not in ("callback", "missed_call")]
    escalations = load_queue(engine, sla, now)
    return OpenItems(now, calls, callbacks, tickets, total - len(callbacks), escalations)


def _items_json(items: OpenItems, tz: ZoneInfo) -> str:
    def t(v: datetime | None) -> str | None:
        return v.astimezone(tz).isoformat(timespec="seconds") if v else None

    data = {
        "taken_at": t(items.taken_at),
        "calls": [{"number": c.number, "customer": c.customer, "state": c.state,
                   "offered_at": t(c.offered_at)} for c in items.calls],
        "callbacks": [{"ticket": w.ticket_number or w.number, "key": w.key,
                       "customer": w.customer,
                       "due_at": t(w.due_at)} for w in items.callbacks],
        "tickets": [{"ticket": w.ticket_number, "target": w.target, "level": w.level,
                     "customer": w.customer, "due_at": t(w.due_at), "owner": w.assigned_to}
                    for w in items.tickets],
        "escalations": [{"id": e.escalation_id, "kind": e.kind, "tier": e.tier,
                         "reason": e.reason, "item": e.item, "raised_at": t(e.raised_at),
                         "assigned_to": e.assigned_to} for e in items.escalations],
    }
    return json.dumps(data, ensure_ascii=False)


# --- handovers ---------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverView:
    handover_id: int
    shift: ShiftInstance
    next_shift: ShiftInstance
    written_at: datetime
    written_by: str
    note: str
    ringing: int
    callbacks: int
    tickets: int
    unacknowledged: int
    accepted_at: datetime | None
    accepted_by: str | None
    accept_note: str | None
    items: dict[str, Any]

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None


def _view(rota: Rota, h: Handover) -> HandoverView:
    assert h.id is not None
    try:
        shift = rota.instance(h.shift_day, h.shift)
        nxt = rota.instance(h.next_day, h.next_shift)
    except InputError:
        # the rota changed since: show the recorded shift names with a zero-length span
        placeholder = ShiftSpec(h.shift, h.shift, None, 0, 1)
        start = datetime.combine(h.shift_day, time(0), rota.tz).astimezone(UTC)
        shift = ShiftInstance(placeholder, h.shift_day, start, start)
        placeholder_next = ShiftSpec(h.next_shift, h.next_shift, None, 0, 1)
        start_next = datetime.combine(h.next_day, time(0), rota.tz).astimezone(UTC)
        nxt = ShiftInstance(placeholder_next, h.next_day, start_next, start_next)
    return HandoverView(h.id, shift, nxt, h.written_at, h.written_by, h.note, h.ringing,
                        h.callbacks, h.tickets, h.unacknowledged, h.accepted_at, h.accepted_by,
                        h.accept_note, json.loads(h.items or "{}"))


def outgoing_shift(engine: Engine, rota: Rota, now: datetime) -> ShiftInstance:
    """The shift a handover written now is for.

    Normally the current one; in the first hour of a shift, the previous one
    until its handover has been taken over (the outgoing supervisor is late, or
    the incoming one has not taken it over yet). A previous shift handed over but
    not taken over stays the outgoing one: its handover is the one on the screen
    (``w`` revises it) — were it the current shift, the handover just given would
    read "Not handed over yet".
    """
    current = rota.at(now)
    if now - current.start < HANDOVER_GRACE:
        prev = rota.previous(current)
        with Session(engine) as s:
            taken = s.exec(select(Handover.id).where(
                Handover.shift_day == prev.day, Handover.shift == prev.spec.id,
                col(Handover.accepted_at).is_not(None))).first()
        if taken is None:
            return prev
    return current


def hand_over(seat: Seat, rota: Rota, note: str, *,
              shift: ShiftInstance | None = None) -> int:
    """Write (or rewrite, until accepted) the handover of the outgoing shift."""
    note = note.strip()
    if not note:
        raise InputError(_("Write a handover note: what the next shift must know."))
    if len(note) > NOTE_MAX:
        raise InputError(_("A handover note may have at most {n} characters.").format(
            n=NOTE_MAX))
    require(seat, "handover")
    now = seat.now()
    inst = shift or outgoing_shift(seat.engine, rota, now)
    nxt = rota.next(inst)
    items = open_items(seat.engine, seat.sla, now)
    counts = {"ringing": items.ringing, "callbacks": len(items.callbacks),
              "tickets": items.tickets_total, "unacknowledged": len(items.escalations)}
    with seat.write() as tx:
        s = tx.session
        row = s.exec(select(Handover).where(Handover.shift_day == inst.day,
                                            Handover.shift == inst.spec.id)).first()
        if row is not None and row.accepted_at is not None:
            raise Conflict(_("{who} already took this shift over at {time}.").format(
                who=row.accepted_by or "?", time=tx.show(row.accepted_at)))
        revised = row is not None
        if row is None:
            row = Handover(shift_day=inst.day, shift=inst.spec.id, next_day=nxt.day,
                           next_shift=nxt.spec.id, written_at=now, written_by=tx.actor)
        row.written_at = now
        row.written_by = tx.actor
        row.note = note
        row.items = _items_json(items, tx.tz)
        row.ringing = counts["ringing"]
        row.callbacks = counts["callbacks"]
        row.tickets = counts["tickets"]
        row.unacknowledged = counts["unacknowledged"]
        s.add(row)
        s.flush()
        assert row.id is not None
        tx.record_event("handover_revised" if revised else "handover_written", now,
                        handover_id=row.id, shift=inst.key, next_shift=nxt.key, note=note,
                        ringing=counts["ringing"], callbacks=counts["callbacks"],
                        tickets=counts["tickets"], unacknowledged=counts["unacknowledged"])
        return row.id


def accept_handover(seat: Seat, rota: Rota, handover_id: int, note: str = "") -> None:
    """The incoming supervisor takes the shift over: recorded, and on duty as supervisor."""
    note = note.strip()
    if len(note) > 1000:
        raise InputError(_("A note may have at most {n} characters.").format(n=1000))
    require(seat, "handover", handover_id=handover_id)
    with seat.write() as tx:
        s, now = tx.session, tx.now
        row = s.get(Handover, handover_id)
        if row is None:
            raise NotFound(_("There is no handover {id}.").format(id=handover_id))
        if row.accepted_at is not None:
            raise Conflict(_("{who} already took this shift over at {time}.").format(
                who=row.accepted_by or "?", time=tx.show(row.accepted_at)))
        if row.written_by == tx.actor:
            raise Conflict(_("You wrote this handover: the incoming supervisor takes it over, "
                             "signed in as themselves."))
        if tx.update(sa.update(Handover).where(col(Handover.id) == handover_id,
                                               col(Handover.accepted_at).is_(None))
                     .values(accepted_at=now, accepted_by=tx.actor,
                             accept_note=note or None)) != 1:
            raise Conflict(_("Someone took this shift over a moment ago."))
        try:
            nxt = rota.instance(row.next_day, row.next_shift)
        except InputError:
            nxt = None
        if nxt is not None:
            _make_supervisor(tx, nxt)
        tx.record_event("handover_accepted", now, handover_id=handover_id,
                        shift=f"{row.shift_day.isoformat()}/{row.shift}",
                        next_shift=f"{row.next_day.isoformat()}/{row.next_shift}", note=note)


def _make_supervisor(tx: Transaction, inst: ShiftInstance) -> None:
    """Record the actor as the supervisor of ``inst`` (the rota's crew kept otherwise)."""
    s, now, me = tx.session, tx.now, tx.actor
    current = read_crew(s, inst)
    rows = duty_rows(s, inst)
    if not rows:  # materialise the rota's default crew first
        for m in current.engineers:
            s.add(ShiftDuty(shift_day=inst.day, shift=inst.spec.id, login=m.login,
                            role="engineer", assigned_at=now, assigned_by=me))
    for row in rows:
        if row.role == "supervisor" or row.login == me:
            s.delete(row)
    s.flush()
    s.add(ShiftDuty(shift_day=inst.day, shift=inst.spec.id, login=me,
                    role="supervisor", assigned_at=now, assigned_by=me))
    tx.record_event("duty_changed", now, shift=inst.key, supervisor=me,
                    engineers=[m.login for m in current.engineers if m.login != me],
                    before=None)


def handover_of(engine: Engine, rota: Rota, inst: ShiftInstance) -> HandoverView | None:
    with Session(engine) as s:
        row = s.exec(select(Handover).where(Handover.shift_day == inst.day,
                                            Handover.shift == inst.spec.id)).first()
        return _view(rota, row) if row is not None else None


def pending_handover(engine: Engine, rota: Rota) -> HandoverView | None:
    """The newest handover nobody has accepted yet."""
    with Session(engine) as s:
        row = s.exec(select(Handover).where(col(Handover.accepted_at).is_(None))
                     .order_by(col(Handover.written_at).desc()).limit(1)).first()
        return _view(rota, row) if row is not None else None


def recent_handovers(engine: Engine, rota: Rota, limit: int = 20) -> list[HandoverView]:
    with Session(engine) as s:
        rows = s.exec(select(Handover).order_by(col(Handover.shift_day).desc(),
                                                col(Handover.written_at).desc())
                      .limit(limit)).all()
        return [_view(rota, r) for r in rows]


