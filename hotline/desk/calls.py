"""Calls taken at a seat: a call rings, is answered, hung up on, or closed without a ticket.

One transaction each, with its event. Moves follow the one call state
machine (:mod:`hotline.desk.call_states`); the phone feeds apply the same
machine to many calls at once (:mod:`hotline.telephony.call_events`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from hotline.desk import call_states, missed_calls
from hotline.desk.answer_target import answer_due, policy_of
from hotline.desk.call_states import CallState, Move
from hotline.directory.callers import CallerMatch, match_number
from hotline.errors import Conflict, InputError, NotFound
from hotline.i18n import _
from hotline.phones import PhoneNumber, parse_number
from hotline.seat import Seat
from hotline.store.limits import check_text, column_limit
from hotline.store.models import Call
from hotline.store.transaction import Transaction

CALL_SOURCES = ("manual", "cli", "demo", "ami", "jsonl", "queue_log")
#: The machine identity of what a phone system reports (an answer is the engineer's).
PBX_ACTOR = "pbx"
#: The machine identity that records the calls of each source (None: the person at the seat).
SOURCE_ACTORS = {"demo": "demo", "ami": PBX_ACTOR, "jsonl": PBX_ACTOR, "queue_log": PBX_ACTOR}
#: The longest call id a phone system may give.
MAX_CALL_KEY = 120


@dataclass(frozen=True)
class RingResult:
    call_id: int
    created: bool  # False when the same call id had already rung
    number: PhoneNumber | None
    caller: CallerMatch
    answer_due_at: datetime  # when the call's answer target falls due


def parse_caller_number(text: str, *, default_area_code: str | None = None,
                        with_place: bool = True) -> PhoneNumber:
    """A number as the desk reads it (China by default); refused with a message if it is not.

    ``with_place=False``: without its place and carrier (see :func:`parse_number`)."""
    return parse_number(text, default_region="CN", default_area_code=default_area_code,
                        with_place=with_place)


def identify(seat: Seat, number: PhoneNumber | None) -> CallerMatch:
    """Who a number belongs to, today (read-only)."""
    with seat.read() as s:
        return match_number(s, number.e164 if number else None,
                            seat.now().astimezone(seat.settings.tz).date())


def new_call_key(source: str) -> str:
    """A call id for a call no phone system named."""
    return f"{source}-{uuid.uuid4().hex[:16]}"


def ring(seat: Seat, number: str, *, at: datetime | None = None, call_key: str | None = None,
         source: str = "cli", queue: str | None = None, strict: bool = True) -> RingResult:
    """A call joins the queue.

    With ``strict`` (people typing, ``hotline ring``) a number that does not
    parse is refused; a PBX's caller id is kept as it came instead (a call
    is never dropped for its caller id). Ringing the same call id twice
    changes nothing.
    """
    if source not in CALL_SOURCES:
        raise InputError(_("Unknown call source {source!r}.").format(source=source))
    parsed: PhoneNumber | None
    raw = number.strip()
    check_text(_("The caller number"), raw, column_limit(Call, "number_raw"))
    if queue is not None:
        check_text(_("The queue name"), queue, column_limit(Call, "queue"))
    if call_key is not None:
        check_text(_("The call id"), call_key)
    if strict:
        parsed = parse_caller_number(raw)
    else:
        try:
            parsed = parse_caller_number(raw) if raw else None
        except InputError:
            parsed = None
    key = (call_key or "").strip() or new_call_key(source)
    if len(key) > MAX_CALL_KEY:
        raise InputError(_("A call id may have at most 120 characters."))
    try:
        with seat.write() as tx:
            when = tx.when(at)
            s = tx.session
            existing = s.exec(select(Call).where(Call.call_key == key)).first()
            if existing is not None:
                assert existing.id is not None
                caller = match_number(s, existing.number_e164,
                                      when.astimezone(seat.settings.tz).date())
                return RingResult(existing.id, False, parsed, caller, existing.answer_due_at)
            caller = match_number(s, parsed.e164 if parsed else None,
                                  when.astimezone(seat.settings.tz).date())
            policy, grade = policy_of(caller)
            due, warn = answer_due(seat.sla, policy, grade, when)
            call = Call(call_key=key, source=source, queue=queue, number_raw=raw,
                        number_e164=parsed.e164 if parsed else None,
                        number_kind=parsed.kind if parsed else None,
                        contact_id=caller.contact_id, customer_id=caller.customer_id,
                        contract_id=caller.contract_id, state=CallState.RINGING,
                        offered_at=when, answer_due_at=due, answer_warn_at=warn)
            s.add(call)
            s.flush()
            assert call.id is not None
            tx.record_event("call_rang", when, call_id=call.id, number=raw, source=source,
                            call_key=key, queue=queue, actor=SOURCE_ACTORS.get(source))
            hours = seat.settings.hours
            if missed_calls.is_closed(seat.sla, hours, when):
                # nobody is there to answer: a call back is owed from the opening
                missed_calls.after_calls(tx, seat.sla, [missed_calls.Missed.of(
                    call, ended_at=when)], hours=hours)
            return RingResult(call.id, True, parsed, caller, due)
    except sa.exc.IntegrityError:
        # another process registered the same call id a moment ago
        with seat.read() as s2:
            other = s2.exec(select(Call).where(Call.call_key == key)).one()
            assert other.id is not None
            caller = match_number(s2, other.number_e164,
                                  seat.now().astimezone(seat.settings.tz).date())
            return RingResult(other.id, False, parsed, caller, other.answer_due_at)


def oldest_ringing(seat: Seat) -> int | None:
    """The ringing call whose answer time runs out first."""
    with seat.read() as s:
        return s.exec(select(Call.id).where(Call.state == CallState.RINGING)
                      .order_by(col(Call.answer_due_at), col(Call.id)).limit(1)).first()


def refusal(tx: Transaction, call: Call) -> Conflict:
    """Why a person cannot answer or abandon ``call``: someone answered it, or it ended."""
    if call.state == CallState.ANSWERED and call.answered_at is not None:
        return Conflict(_("{who} answered this call at {time}.").format(
            who=call.answered_by or "?", time=tx.show(call.answered_at)))
    return Conflict(_("This call ended at {time}: the caller hung up.").format(
        time=tx.show(call.ended_at or call.offered_at)))


def _call(tx: Transaction, call_id: int) -> Call:
    call = tx.session.get(Call, call_id)
    if call is None:
        raise NotFound(_("There is no call {id}.").format(id=call_id))
    return call


def answer(seat: Seat, call_id: int | None = None, *, at: datetime | None = None,
           by: str | None = None) -> int:
    """Take a ringing call (the one whose answer time runs out first if none is named).

    Exactly one seat wins a race: the state changes only where it still is
    ringing (ordered by the answer deadline, which the ringing calls' index
    holds: the oldest call, unless policies differ).
    """
    with seat.write(actor=by) as tx:
        s = tx.session
        if call_id is None:
            call_id = s.exec(select(Call.id).where(Call.state == CallState.RINGING)
                             .order_by(col(Call.answer_due_at), col(Call.id)).limit(1)).first()
            if call_id is None:
                raise InputError(_("No call is ringing."))
        call = _call(tx, call_id)
        if call_states.answer(call) is not Move.GO:
            raise refusal(tx, call)
        when = tx.when(at, not_before=call.offered_at, what=_("the call rang"))
        changed = tx.update(sa.update(Call)
                           .where(col(Call.id) == call_id, col(Call.state) == CallState.RINGING)
                           .values(state=CallState.ANSWERED, answered_at=when,
                                   answered_by=tx.actor, version=Call.version + 1))
        if changed != 1:
            s.rollback()
            s.expire_all()
            fresh = _call(tx, call_id)
            if call_states.answer(fresh) is not Move.GO:
                raise refusal(tx, fresh)
            raise Conflict(_("The call changed while you answered it; try again."))
        tx.record_event("call_answered", when, call_id=call_id,
                        wait_s=round((when - call.offered_at).total_seconds(), 1))
        # the caller got through: a callback owed to their number is withdrawn
        missed_calls.after_calls(tx, seat.sla, [missed_calls.Answered(
            call_id, call.number_e164, when)], hours=seat.settings.hours)
        return call_id


def abandon(seat: Seat, call_id: int, *, at: datetime | None = None,
            actor: str | None = None) -> None:
    """The caller hung up before anyone answered."""
    with seat.write(actor=actor) as tx:
        call = _call(tx, call_id)
        if call_states.abandon(call) is not Move.GO:
            raise refusal(tx, call)
        when = tx.when(at, not_before=call.offered_at, what=_("the call rang"))
        changed = tx.update(sa.update(Call)
                           .where(col(Call.id) == call_id, col(Call.state) == CallState.RINGING)
                           .values(state=CallState.ABANDONED, ended_at=when,
                                   version=Call.version + 1))
        if changed != 1:
            raise Conflict(_("The call changed meanwhile; nothing was recorded."))
        tx.record_event("call_abandoned", when, call_id=call_id,
                        wait_s=round((when - call.offered_at).total_seconds(), 1))
        missed_calls.after_calls(tx, seat.sla, [missed_calls.Missed.of(call, ended_at=when)],
                                 hours=seat.settings.hours)


def end_call(seat: Seat, call_id: int, *, reason: str, at: datetime | None = None) -> None:
    """Close an answered call that needs no ticket (wrong number, silent line…)."""
    reason = reason.strip()
    if not reason:
        raise InputError(_("Say why the call needs no ticket (e.g. wrong number)."))
    with seat.write() as tx:
        call = _call(tx, call_id)
        if not call_states.can_end_without_ticket(call, call.ticket_id):
            raise Conflict(_("Only an answered call without a ticket can be closed this way."))
        when = tx.when(at, not_before=call.answered_at, what=_("the answer"))
        call.state = CallState.ENDED
        call.ended_at = when
        call.version += 1
        tx.session.add(call)
        tx.record_event("call_ended", when, call_id=call_id, reason=reason)
