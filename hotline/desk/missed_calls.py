"""Missed calls become callbacks: a caller who hung up before the answer is called back.

An abandoned call opens a callback item (:class:`~hotline.store.models.MissedCall`)
with the policy's callback clock (30 minutes), in the same transaction as the
abandon, whichever way the abandon arrives: the desk's own key, ``hotline
ring``'s side, or a phone feed. Nothing is opened when the same number has been
answered since the call was offered (the caller got through after all), nor
for a withheld number (there is nobody to call). Another call missed from the
number while the item is open is counted on it; the clock keeps running from
the first.

A later answered call from the same number withdraws the open item, with an
event. The engineer records each attempt's outcome: *reached* and *wrong
number* close the item; *no answer* and *voicemail* keep it open, counted, with
the same clock (its history is the ``missed_call_*`` events). An item past its
clock enters the escalation queue as an overdue callback, once.

A desk with opening hours (the config file's ``[opening_hours]``) answers
nothing while closed: a call that rings then is a missed call at once (its
hang-up, later, is not counted again), and so is one hung up on then; its
clock starts when the desk opens (``clock_from``), not when it rang.

Closing and the escalation queue agree one way: whatever ends the item (an
outcome that closes it, or a later answer withdrawing it) withdraws, in the
same transaction, the escalations still unacknowledged about its calls (the
overdue callback, and the unanswered-call alert of a call that rang past its
answer target before the caller hung up), each with an ``escalation_withdrawn``
event. Acknowledging such an escalation is a supervisor saying "seen": the item
stays open, on its clock, until an outcome closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import col, select

from hotline.desk.answer_target import DEFAULT_GRADE, DEFAULT_POLICY
from hotline.desk.call_states import CallState
from hotline.desk.escalation_raising import SYSTEM, raise_escalation
from hotline.errors import Conflict, HotlineError, InputError, NotFound
from hotline.i18n import _
from hotline.opening_hours import OpeningHours
from hotline.seat import Seat
from hotline.sla import SlaEngine
from hotline.store.models import Call, Contract, Escalation, MissedCall
from hotline.store.transaction import Transaction

#: What an attempt to call back can come to.
OUTCOMES = ("reached", "no_answer", "voicemail", "wrong_number")
#: The outcomes that close the item (the others keep it, with its clock).
CLOSING = frozenset({"reached", "wrong_number"})
#: The states of an item; ``open`` is the only one that is not final.
OPEN = "open"
WITHDRAWN = "withdrawn"
#: The escalations about a missed call's calls that its closing withdraws.
ITS_ESCALATIONS = ("callback_overdue", "unanswered_call")
#: Why they were withdrawn (``escalation_withdrawn``'s reason), by how the item ended.
WITHDRAW_REASONS = {"reached": "called_back", "wrong_number": "wrong_number",
                    WITHDRAWN: "answered"}
#: The callback limit when a policy has none.
DEFAULT_LIMIT = timedelta(minutes=30)


@dataclass(frozen=True)
class Missed:
    """A call the caller hung up on before the answer, as the abandon left it."""

    call_id: int
    number_raw: str
    number_e164: str | None
    contact_id: int | None
    customer_id: int | None
    contract_id: int | None
    offered_at: datetime
    ended_at: datetime

    @classmethod
    def of(cls, call: Call, *, ended_at: datetime) -> Missed:
        assert call.id is not None
        return cls(call.id, call.number_raw, call.number_e164, call.contact_id,
                   call.customer_id, call.contract_id, call.offered_at, ended_at)


@dataclass(frozen=True)
class Answered:
    """A call answered: it withdraws the open item of its number."""

    call_id: int
    number_e164: str | None
    answered_at: datetime


def callback_due(tx: Transaction, sla: SlaEngine, contract_id: int | None,
                 start: datetime, *, terms: Mapping[int, tuple[str, str]] | None = None,
                 ) -> tuple[datetime, datetime]:
    """Due and warning times of the callback owed for a call missed at ``start``.

    ``terms``: the policy and grade of contracts read before (a feed's batch reads
    them all at once); a contract not in it is read here.
    """
    policy, grade = DEFAULT_POLICY, DEFAULT_GRADE
    if contract_id is not None:
        if terms is not None and contract_id in terms:
            policy, grade = terms[contract_id]
        else:
            with tx.session.no_autoflush:
                contract = tx.session.get(Contract, contract_id)
            if contract is not None:
                policy, grade = contract.policy, contract.grade
    for pol, gr in ((policy, grade), (DEFAULT_POLICY, DEFAULT_GRADE)):
        try:
            limit = sla.limit(pol, "callback", grade=gr, level=None, kind="fault",
                              region=None, at=start)
        except HotlineError:
            limit = None
        if limit is not None and limit.duration is not None:
            due = start + limit.duration
            return due, sla.warn_at(limit, start, due, sla.policy(pol).warn_share)
    due = start + DEFAULT_LIMIT
    return due, start + DEFAULT_LIMIT * 0.8


def clock_start(sla: SlaEngine, hours: OpeningHours | None, at: datetime) -> datetime:
    """When the callback clock of a call missed at ``at`` starts: then, or at the opening."""
    if hours is None:
        return at
    return hours.next_open(at, sla.tz, sla.calendar.is_working_day)


def is_closed(sla: SlaEngine, hours: OpeningHours | None, at: datetime) -> bool:
    """Whether the desk is out of hours at ``at`` (never, without opening hours)."""
    return clock_start(sla, hours, at) != at


def _open_items(tx: Transaction, numbers: set[str]) -> dict[str, MissedCall]:
    if not numbers:
        return {}
    found: dict[str, MissedCall] = {}
    wanted = sorted(numbers)
    for i in range(0, len(wanted), 100):
        for item in tx.session.exec(select(MissedCall).where(
                col(MissedCall.state) == OPEN,
                col(MissedCall.number_e164).in_(wanted[i:i + 100]))).all():
            assert item.number_e164 is not None
            found.setdefault(item.number_e164, item)
    return found


def _answered_since(tx: Transaction, number: str, since: datetime,
                    not_yet: Collection[int]) -> bool:
    q = select(Call.id).where(Call.number_e164 == number, col(Call.answered_at).is_not(None),
                              col(Call.answered_at) >= since)
    if not_yet:
        q = q.where(col(Call.id).not_in(sorted(not_yet)))
    return tx.session.exec(q.limit(1)).first() is not None


#: How a change records its event: ``tx.record_event``'s signature.
Emit = Callable[..., object]


@dataclass(eq=False, slots=True)
class NewItem:
    """A missed call opened by a feed's batch, inserted with the others at its end
    (:func:`insert_new_items`): plain data, as building a mapped row for each costs more
    than the rest of its step. Its attributes are those of :class:`MissedCall`."""

    call_id: int
    number_raw: str
    number_e164: str | None
    contact_id: int | None
    customer_id: int | None
    started_at: datetime
    clock_from: datetime | None
    due_at: datetime
    warn_at: datetime
    calls: int = 1
    state: str = OPEN
    closed_at: datetime | None = None
    closed_by: str | None = None
    version: int = 1
    id: int | None = None  # never known: the batch's events name the call instead

    def row(self) -> dict[str, object]:
        return {"call_id": self.call_id, "number_raw": self.number_raw,
                "number_e164": self.number_e164, "contact_id": self.contact_id,
                "customer_id": self.customer_id, "calls": self.calls, "state": self.state,
                "started_at": self.started_at, "clock_from": self.clock_from,
                "due_at": self.due_at, "warn_at": self.warn_at, "attempts": 0,
                "last_outcome": None, "last_attempt_at": None, "closed_at": self.closed_at,
                "closed_by": self.closed_by, "escalated_at": None, "version": self.version}


#: An item as a step sees it: in the database, or opened by the batch.
Item = MissedCall | NewItem
#: An unacknowledged escalation about a call, with the call's number, state and end.
Pending = tuple[Escalation, str | None, str, datetime | None]


@dataclass(eq=False)
class BatchReads:
    """What a feed's batch reads once for all its steps (see :func:`read_for_batch`)."""

    #: the open items of the steps' numbers, by number, kept up to date by the steps
    items: dict[str, Item]
    #: whether a number was answered since a time (the batch's own answers accounted)
    answered_since: Callable[[str, datetime], bool]
    #: the policy and grade of the contracts of the missed calls
    terms: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: the escalations an answer may withdraw: those about calls of the answered numbers
    pending: list[Pending] = field(default_factory=list)
    #: the items the steps opened, to insert at the end
    new_items: list[NewItem] = field(default_factory=list)


def read_for_batch(tx: Transaction, steps: Sequence[Missed | Answered],
                   answered_since: Callable[[str, datetime], bool], *,
                   chunk: int = 100) -> BatchReads:
    """Read, in a few queries, what the steps of a batch need (after its calls are written)."""
    numbers = {st.number_e164 for st in steps if st.number_e164}
    reads = BatchReads(dict(_open_items(tx, numbers)), answered_since)
    contracts = sorted({st.contract_id for st in steps
                        if isinstance(st, Missed) and st.contract_id is not None})
    answered = sorted({st.number_e164 for st in steps
                       if isinstance(st, Answered) and st.number_e164})
    with tx.session.no_autoflush:
        for i in range(0, len(contracts), chunk):
            for cid, policy, grade in tx.session.execute(
                    sa.select(col(Contract.id), col(Contract.policy), col(Contract.grade))
                    .where(col(Contract.id).in_(contracts[i:i + chunk]))):
                reads.terms[cid] = (policy, grade)
        for i in range(0, len(answered), chunk):
            for esc, number, state, ended_at in tx.session.execute(
                    sa.select(Escalation, col(Call.number_e164), col(Call.state),
                              col(Call.ended_at))
                    .join(Call, col(Call.id) == col(Escalation.call_id))
                    .where(col(Escalation.acknowledged_at).is_(None),
                           col(Escalation.kind).in_(ITS_ESCALATIONS),
                           col(Call.number_e164).in_(answered[i:i + chunk]))
                    .order_by(col(Escalation.id))):
                reads.pending.append((esc, number, state, ended_at))
    return reads


def insert_new_items(tx: Transaction, reads: BatchReads) -> None:
    """Insert the items a batch opened, in one statement."""
    if reads.new_items:
        table = cast(sa.Table, MissedCall.__table__)  # type: ignore[attr-defined]
        tx.session.connection().execute(sa.insert(table),
                                        [item.row() for item in reads.new_items])


def after_calls(tx: Transaction, sla: SlaEngine, steps: Sequence[Missed | Answered], *,
                emit: Emit | None = None, not_yet_answered: Collection[int] = (),
                batch: BatchReads | None = None, hours: OpeningHours | None = None) -> int:
    """Open (or count) the callback each missed call of ``steps`` owes, and withdraw the
    one of each number answered, one step after the other, in ``tx``.

    ``emit`` records the events (default: ``tx.record_event``; a phone feed's batch puts
    them among its own in order); ``not_yet_answered``: calls the database shows answered
    whose answer comes after these steps (later in the same batch); ``batch``: what a
    feed's batch read once for all its steps (:func:`read_for_batch`; the items it opens
    are then inserted by :func:`insert_new_items`); ``hours``: the desk's opening hours
    (a call missed while it is closed is called back from its opening). Returns the
    items opened.
    """
    record = emit or tx.record_event
    items: dict[str, Item] = batch.items if batch is not None else dict(
        _open_items(tx, {st.number_e164 for st in steps if st.number_e164}))
    answered_since = batch.answered_since if batch is not None else None
    opened = 0
    for step in steps:
        if isinstance(step, Answered):
            item = items.get(step.number_e164) if step.number_e164 else None
            if item is not None and item.started_at <= step.answered_at:
                assert step.number_e164 is not None
                _withdraw(tx, items.pop(step.number_e164), step, record,
                          batch.pending if batch is not None else None)
            continue
        m = step
        if not m.number_e164 and not m.number_raw.strip():
            continue  # a withheld number: nobody to call back
        if m.number_e164 and (
                answered_since(m.number_e164, m.offered_at) if answered_since is not None
                else _answered_since(tx, m.number_e164, m.offered_at, not_yet_answered)):
            continue  # the caller got through after all
        known = items.get(m.number_e164) if m.number_e164 else None
        if known is not None and known.call_id == m.call_id:
            continue  # rang out of hours (opened then), now hung up on
        if known is not None:
            known.calls += 1
            known.version += 1
            if isinstance(known, MissedCall):
                tx.session.add(known)
            record("missed_call_again", m.ended_at, call_id=m.call_id,
                   first_call=known.call_id, calls=known.calls)
            continue
        start = clock_start(sla, hours, m.ended_at)
        due, warn = callback_due(tx, sla, m.contract_id, start,
                                 terms=batch.terms if batch is not None else None)
        fields: dict[str, Any] = {"call_id": m.call_id, "number_raw": m.number_raw,
                  "number_e164": m.number_e164, "contact_id": m.contact_id,
                  "customer_id": m.customer_id, "started_at": m.ended_at,
                  "clock_from": start if start != m.ended_at else None,
                  "due_at": due, "warn_at": warn}
        opening: Item
        if batch is not None:
            opening = NewItem(**fields)
            batch.new_items.append(opening)
        else:
            opening = MissedCall(**fields)
            tx.session.add(opening)
        if start != m.ended_at:
            record("missed_call_opened", m.ended_at, call_id=m.call_id, due_at=due.isoformat(),
                   out_of_hours=True, clock_from=start.isoformat())
        else:
            record("missed_call_opened", m.ended_at, call_id=m.call_id,
                   due_at=due.isoformat())
        if m.number_e164:
            items[m.number_e164] = opening
        opened += 1
    return opened


def _withdraw(tx: Transaction, item: Item, by: Answered, record: Emit,
              pending: Sequence[Pending] | None) -> None:
    item.state = WITHDRAWN
    item.closed_at = by.answered_at
    item.closed_by = tx.actor
    item.version += 1
    if isinstance(item, MissedCall):
        tx.session.add(item)
    record("missed_call_withdrawn", by.answered_at, call_id=item.call_id,
           answered_call=by.call_id)
    withdraw_escalations(tx, item, WITHDRAWN, by.answered_at, record, pending=pending)


def withdraw_escalations(tx: Transaction, item: Item, ended: str, when: datetime,
                         record: Emit, *, pending: Sequence[Pending] | None = None) -> int:
    """Withdraw the unacknowledged escalations about the calls of an item that ended.

    Its calls: the first one missed and those counted on it since (abandoned
    from the same number after it opened). ``pending``: the escalations to look
    among, read before (a feed's batch); else they are asked of the database.
    Returns how many were withdrawn.
    """
    if pending is not None:
        escs = [esc for esc, number, state, ended_at in pending
                if esc.acknowledged_at is None and (
                    esc.call_id == item.call_id
                    or (item.number_e164 is not None and number == item.number_e164
                        and state == CallState.ABANDONED and ended_at is not None
                        and ended_at >= item.started_at))]
    else:
        its_calls = col(Escalation.call_id) == item.call_id
        if item.number_e164:
            its_calls = sa.or_(its_calls, col(Escalation.call_id).in_(
                sa.select(col(Call.id)).where(
                    col(Call.number_e164) == item.number_e164,
                    col(Call.state) == CallState.ABANDONED,
                    col(Call.ended_at) >= item.started_at)))
        with tx.session.no_autoflush:
            escs = list(tx.session.exec(select(Escalation).where(
                its_calls, col(Escalation.kind).in_(ITS_ESCALATIONS),
                col(Escalation.acknowledged_at).is_(None)).order_by(col(Escalation.id))).all())
    reason = WITHDRAW_REASONS.get(ended, ended)
    for esc in escs:
        at = max(when, esc.raised_at)
        esc.acknowledged_at, esc.acknowledged_by, esc.note = at, SYSTEM, reason
        tx.session.add(esc)
        record("escalation_withdrawn", at, call_id=esc.call_id, escalation_id=esc.id,
               actor=SYSTEM, reason=reason, missed_call=item.id)
    return len(escs)


def record_outcome(seat: Seat, missed_call_id: int, outcome: str, *,
                   at: datetime | None = None) -> str:
    """The outcome of calling back a missed call; returns the item's state after it.

    *reached* and *wrong number* close the item; *no answer* and *voicemail*
    count an attempt and keep it open on the same clock.
    """
    if outcome not in OUTCOMES:
        raise InputError(_("Unknown outcome {outcome!r}: expected reached, no_answer, "
                           "voicemail or wrong_number.").format(outcome=outcome[:40]))
    with seat.write() as tx:
        item = tx.session.get(MissedCall, missed_call_id)
        if item is None:
            raise NotFound(_("There is no missed call {id}.").format(id=missed_call_id))
        if item.state != OPEN:
            raise Conflict(_("This missed call was closed at {time}: nothing was recorded.")
                           .format(time=tx.show(item.closed_at or item.started_at)))
        when = tx.when(at, not_before=item.started_at, what=_("the caller hung up"))
        values: dict[str, object] = {"last_outcome": outcome, "last_attempt_at": when,
                                     "version": MissedCall.version + 1}
        closing = outcome in CLOSING
        if closing:
            values.update(state=outcome, closed_at=when, closed_by=tx.actor)
        else:
            values["attempts"] = MissedCall.attempts + 1
        changed = tx.update(sa.update(MissedCall).where(
            col(MissedCall.id) == missed_call_id, col(MissedCall.version) == item.version)
            .values(**values))
        if changed != 1:
            raise Conflict(_("The missed call changed meanwhile; nothing was recorded."))
        tx.record_event("missed_call_closed" if closing else "missed_call_attempt", when,
                        call_id=item.call_id, missed_call=missed_call_id, outcome=outcome,
                        attempt=item.attempts + 1, due_at=item.due_at.isoformat(),
                        overdue=when > item.due_at)
        if closing:
            withdraw_escalations(tx, item, outcome, when, tx.record_event)
        return outcome if closing else OPEN


def raise_overdue(tx: Transaction) -> int:
    """Missed calls not called back by their clock enter the escalation queue (once each)."""
    overdue = tx.session.exec(select(MissedCall).where(
        col(MissedCall.state) == OPEN, col(MissedCall.due_at) <= tx.now,
        col(MissedCall.escalated_at).is_(None))
        .order_by(col(MissedCall.due_at), col(MissedCall.call_id))).all()
    for item in overdue:
        item.escalated_at = item.due_at
        tx.session.add(item)
        raise_escalation(tx, "callback", kind="callback_overdue", tier="engineer",
                         at=item.due_at, call_id=item.call_id, due_at=item.due_at,
                         reason="callback")
    return len(overdue)
