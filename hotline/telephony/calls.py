"""Call events from a phone system, applied to the desk.

A phone system (Asterisk's manager interface, a JSON-lines feed, a script)
reports four things about a call: it joined the queue (``ring``), an agent
took it (``answer``), the caller gave up (``abandon``) or a channel hung up
(``hangup``). :func:`apply_call_event` applies one of them in one
transaction, together with the event that records it.

Rules, so that a feed can be replayed, restarted or delivered out of order:

* The same event applied twice changes nothing.
* An answer or abandon for a call the desk has not seen ring creates the
  call (its offer time is worked back from the wait, when the PBX says it);
  the ring arriving afterwards fills in the caller's number.
* A hang-up for an unknown call id cannot be placed (answered? abandoned?), so
  it is kept in :class:`~hotline.models.PbxEvent`; if the ring arrives later,
  the call is created and ended by it. An event contradicting what the desk
  knows (an answer for an abandoned call) is kept there too. Nothing is
  dropped silently.
* A hang-up after the answer does not end the call for the desk: the
  engineer who answered still logs it (``ended_at`` records the hang-up).
* The PBX's agent (interface or member name) is mapped to an engineer by
  ``Engineer.agent``; an agent nobody has claimed is kept as given.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from hotline.clock import as_utc
from hotline.desk import FUTURE_TOLERANCE, Desk
from hotline.directory import CallerMatch, match_number
from hotline.errors import InputError
from hotline.i18n import _
from hotline.models import Call, Engineer, PbxEvent
from hotline.phones import PhoneNumber

KINDS = ("ring", "answer", "abandon", "hangup")
#: Actor of events a phone system reports (answers are recorded as the engineer).
PBX_ACTOR = "pbx"

APPLIED = "applied"  # the call changed as the event says
CREATED = "created"  # the event created a call the desk had not seen ring
UNCHANGED = "unchanged"  # already known: nothing to do (a repeat, a normal trailing hang-up)
RECORDED = "recorded"  # kept in pbx_event: unknown call id, or a contradiction
OUTCOMES = (APPLIED, CREATED, UNCHANGED, RECORDED)

#: How long a ring may follow the call's end and still be the same offer.
_SAME_OFFER = timedelta(seconds=2)


@dataclass(frozen=True)
class CallEvent:
    """One thing a phone system says about a call."""

    kind: str  # ring | answer | abandon | hangup
    call_key: str  # the PBX's call id (Asterisk: the caller channel's Uniqueid)
    at: datetime
    source: str = "jsonl"
    number: str | None = None  # the caller id, as the PBX gave it
    agent: str | None = None  # who answered: interface, agent or member name
    agent_aliases: tuple[str, ...] = ()  # other names of the same agent (AMI MemberName)
    queue: str | None = None
    wait_s: float | None = None  # how long the caller had waited (answer, abandon)
    detail: str = ""  # why, in the PBX's words (e.g. "left the queue: timeout")
    extra: dict[str, str] = field(default_factory=dict)  # kept in the event's data


@dataclass(frozen=True)
class Applied:
    outcome: str  # one of OUTCOMES
    call_id: int | None
    note: str = ""  # what happened, for the feed's log


def validate(ev: CallEvent, now: datetime, tz: ZoneInfo) -> datetime:
    """Check an event's fields; returns its time as aware UTC. Raises InputError."""
    if ev.kind not in KINDS:
        raise InputError(_("Unknown call event {kind!r}: expected ring, answer, abandon or "
                           "hangup.").format(kind=ev.kind))
    key = ev.call_key.strip()
    if not key:
        raise InputError(_("The call id is empty."))
    if len(key) > 120:
        raise InputError(_("A call id may have at most 120 characters."))
    if ev.number is not None and len(ev.number.strip()) > 64:
        raise InputError(_("A caller number may have at most 64 characters."))
    if ev.agent is not None and len(ev.agent) > 120:
        raise InputError(_("An agent name may have at most 120 characters."))
    if ev.queue is not None and len(ev.queue) > 60:
        raise InputError(_("A queue name may have at most 60 characters."))
    if ev.at.tzinfo is None:
        raise InputError(_("The event's time has no time zone."))
    at = as_utc(ev.at)
    if at > now + FUTURE_TOLERANCE:
        raise InputError(_("The event's time {time} is in the future (the desk's clock says "
                           "{now}).").format(time=_local(at, tz), now=_local(now, tz)))
    if ev.wait_s is not None and not (0 <= ev.wait_s < 7 * 86400):
        raise InputError(_("A waiting time of {wait} seconds is not possible.").format(
            wait=ev.wait_s))
    return at


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %z")


def apply_call_event(desk: Desk, ev: CallEvent) -> Applied:
    """Apply one call event in one transaction (see the module's rules).

    Raises :class:`InputError` for an event that cannot be meant (unknown
    kind, empty call id, a time in the future) and changes nothing then.
    """
    at = validate(ev, desk.now(), desk.settings.tz)
    try:
        return _apply(desk, ev, at)
    except sa.exc.IntegrityError:
        # another process created the same call (or recorded the same event) a
        # moment ago: apply again on top of what it wrote
        return _apply(desk, ev, at)


def _apply(desk: Desk, ev: CallEvent, at: datetime) -> Applied:
    key = ev.call_key.strip()
    with desk.session() as s:
        call = _find(s, key)
        if ev.kind == "ring":
            return _ring(desk, s, ev, key, at, call)
        if call is None:
            if ev.kind == "hangup":
                return _record(desk, s, ev, key, at, "unknown_call",
                               _("hang-up for a call id the desk has not seen"), None)
            return _create_from_later_event(desk, s, ev, key, at)
        if ev.kind == "answer":
            return _answer(desk, s, ev, key, at, call)
        if ev.kind == "abandon":
            return _abandon(desk, s, ev, key, at, call)
        return _hangup(desk, s, ev, key, at, call)


# --- helpers -------------------------------------------------------------------


def _find(s: Session, key: str) -> Call | None:
    return s.exec(select(Call).where(Call.call_key == key)).first()


def _rows(s: Session, stmt: sa.Update) -> int:
    """Run a conditional UPDATE; how many rows it changed (0: someone was first)."""
    result = cast(sa.CursorResult[Any], s.execute(stmt))
    return int(result.rowcount)


def is_unresolved(call: Call) -> bool:
    """A call whose ending the desk never learnt (see :func:`close_lost_calls`)."""
    return call.state == "ended" and call.answered_at is None and call.ended_at is None


def _data(ev: CallEvent, key: str, **more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"source": ev.source, "pbx_call_id": key}
    if ev.queue:
        data["queue"] = ev.queue
    if ev.agent:
        data["agent"] = ev.agent
    if ev.detail:
        data["detail"] = ev.detail
    data.update(ev.extra)
    data.update(more)
    return data


def engineer_for_agent(s: Session, names: list[str]) -> str | None:
    """The login of the engineer whose ``agent`` is one of ``names`` (case-insensitive)."""
    wanted = [n.strip().lower() for n in names if n and n.strip()]
    if not wanted:
        return None
    return s.exec(
        select(Engineer.login).where(func.lower(col(Engineer.agent)).in_(wanted))
        .order_by(col(Engineer.active).desc(), col(Engineer.id))
    ).first()


def _who(s: Session, ev: CallEvent) -> str:
    names = [n for n in (ev.agent, *ev.agent_aliases) if n]
    login = engineer_for_agent(s, names)
    if login:
        return login
    return (names[0].strip()[:64] if names else "") or _("unknown agent")


def _parse(desk: Desk, raw: str) -> PhoneNumber | None:
    if not raw:
        return None
    try:
        return desk.parse_number(raw)
    except InputError:
        return None  # a PBX's caller id is kept as it came


def new_call(desk: Desk, s: Session, *, key: str, source: str, number: str, queue: str | None,
             offered_at: datetime,
             matcher: Callable[[str | None, date], CallerMatch] | None = None) -> Call:
    """A ringing call, matched to its caller, with its answer clock (not yet added).

    ``matcher`` replaces the directory look-up (an import caches it).
    """
    raw = number.strip()
    parsed = _parse(desk, raw)
    e164 = parsed.e164 if parsed else None
    on = offered_at.astimezone(desk.settings.tz).date()
    caller = matcher(e164, on) if matcher is not None else match_number(s, e164, on)
    policy, grade = desk._policy_of(caller)
    due, warn = desk._answer_clock(policy, grade, offered_at)
    return Call(call_key=key, source=source, queue=queue, number_raw=raw,
                number_e164=parsed.e164 if parsed else None,
                number_kind=parsed.kind if parsed else None,
                contact_id=caller.contact_id, customer_id=caller.customer_id,
                contract_id=caller.contract_id, state="ringing", offered_at=offered_at,
                answer_due_at=due, answer_warn_at=warn)


def _fill_caller(desk: Desk, s: Session, call: Call, number: str, offered_at: datetime) -> None:
    """Give a call created out of order the number and offer time its ring brings."""
    fresh = new_call(desk, s, key=call.call_key, source=call.source, number=number,
                     queue=call.queue, offered_at=min(offered_at, call.offered_at))
    for name in ("number_raw", "number_e164", "number_kind", "contact_id", "customer_id",
                 "contract_id", "offered_at", "answer_due_at", "answer_warn_at"):
        setattr(call, name, getattr(fresh, name))


def _record(desk: Desk, s: Session, ev: CallEvent, key: str, at: datetime, reason: str,
            detail: str, call_id: int | None) -> Applied:
    """Keep an event that cannot be applied; a repeat of it changes nothing."""
    ledger_key = "|".join((ev.source, ev.kind, key, at.isoformat(), ev.agent or ""))
    if s.exec(select(PbxEvent.id).where(PbxEvent.key == ledger_key)).first() is not None:
        return Applied(UNCHANGED, call_id, _("already recorded"))
    s.add(PbxEvent(key=ledger_key, source=ev.source, kind=ev.kind, call_key=key, at=at,
                   number=(ev.number or None), agent=ev.agent, queue=ev.queue, reason=reason,
                   detail=detail[:500], call_id=call_id, received_at=desk.now()))
    desk._event(s, "pbx_event_unmatched", at, call_id=call_id, actor=PBX_ACTOR,
                **_data(ev, key, event=ev.kind, reason=reason, why=detail))
    s.flush()
    return Applied(RECORDED, call_id, detail)


def _requeue_key(s: Session, key: str, queue: str) -> tuple[str, Call | None]:
    """The key of the same caller's next offer in another queue (``key#2``, ``key#3`` …)."""
    n = 2
    while True:
        candidate = f"{key}#{n}"
        found = _find(s, candidate)
        if found is None or found.queue == queue or found.state == "ringing":
            return candidate, found
        n += 1


# --- the four events -------------------------------------------------------------


def _ring(desk: Desk, s: Session, ev: CallEvent, key: str, at: datetime,
          call: Call | None) -> Applied:
    number = (ev.number or "").strip()
    if call is not None:
        moved = (ev.queue and call.queue and ev.queue != call.queue
                 and call.state != "ringing" and at > call.offered_at + _SAME_OFFER)
        if moved:
            # the caller was transferred into another queue: a new offer
            assert ev.queue is not None
            key, call = _requeue_key(s, key, ev.queue)
        if call is not None:
            if not call.number_raw and number:
                _fill_caller(desk, s, call, number, at)
                call.version += 1
                s.add(call)
                assert call.id is not None
                desk._event(s, "call_rang", at, call_id=call.id, actor=PBX_ACTOR,
                            **_data(ev, key, number=number, late=True))
                return Applied(APPLIED, call.id, _("caller's number filled in"))
            return Applied(UNCHANGED, call.id, _("already rang"))
    call = new_call(desk, s, key=key, source=ev.source, number=number, queue=ev.queue,
                    offered_at=at)
    s.add(call)
    s.flush()
    assert call.id is not None
    desk._event(s, "call_rang", at, call_id=call.id, actor=PBX_ACTOR,
                **_data(ev, key, number=number, call_key=key))
    _apply_kept_hangup(desk, s, call, key)
    return Applied(APPLIED, call.id, _("ringing"))


def _apply_kept_hangup(desk: Desk, s: Session, call: Call, key: str) -> None:
    """A hang-up that arrived before its ring ends the call it now belongs to."""
    kept = s.exec(select(PbxEvent).where(PbxEvent.call_key == key,
                                         col(PbxEvent.call_id).is_(None),
                                         PbxEvent.reason == "unknown_call",
                                         PbxEvent.kind == "hangup")
                  .order_by(col(PbxEvent.at))).first()
    if kept is None:
        return
    assert call.id is not None
    when = max(kept.at, call.offered_at)
    call.state = "abandoned"
    call.ended_at = when
    call.version += 1
    s.add(call)
    kept.call_id = call.id
    s.add(kept)
    desk._event(s, "call_abandoned", when, call_id=call.id, actor=PBX_ACTOR,
                source=kept.source, pbx_call_id=key, reason="hangup", late=True,
                wait_s=round((when - call.offered_at).total_seconds(), 1))


def _create_from_later_event(desk: Desk, s: Session, ev: CallEvent, key: str,
                             at: datetime) -> Applied:
    """An answer or abandon for a call never seen ringing: the call happened, so create it."""
    offered = at - timedelta(seconds=ev.wait_s) if ev.wait_s is not None else at
    call = new_call(desk, s, key=key, source=ev.source, number=ev.number or "", queue=ev.queue,
                    offered_at=offered)
    s.add(call)
    s.flush()
    assert call.id is not None
    desk._event(s, "call_rang", offered, call_id=call.id, actor=PBX_ACTOR,
                **_data(ev, key, number=call.number_raw, call_key=key, inferred=True))
    wait = round((at - offered).total_seconds(), 1)
    if ev.kind == "answer":
        who = _who(s, ev)
        call.state = "answered"
        call.answered_at = at
        call.answered_by = who
        desk._event(s, "call_answered", at, call_id=call.id, actor=who,
                    **_data(ev, key, wait_s=wait))
    else:
        call.state = "abandoned"
        call.ended_at = at
        desk._event(s, "call_abandoned", at, call_id=call.id, actor=PBX_ACTOR,
                    **_data(ev, key, wait_s=wait))
    s.add(call)
    return Applied(CREATED, call.id, _("created by an event that came before its ring"))


def _answer(desk: Desk, s: Session, ev: CallEvent, key: str, at: datetime,
            call: Call) -> Applied:
    assert call.id is not None
    who = _who(s, ev)
    if call.state == "ringing" or is_unresolved(call):
        when = max(at, call.offered_at)
        changed = _rows(s, sa.update(Call)
                        .where(col(Call.id) == call.id, col(Call.state) == call.state,
                               col(Call.answered_at).is_(None))
                        .values(state="answered", answered_at=when, answered_by=who,
                                version=Call.version + 1))
        if changed == 1:
            desk._event(s, "call_answered", when, call_id=call.id, actor=who,
                        **_data(ev, key, wait_s=round((when - call.offered_at).total_seconds(), 1)))
            return Applied(APPLIED, call.id, _("answered by {who}").format(who=who))
        s.expire(call)  # a seat answered it a moment ago: judge against that
    if call.state in ("answered", "ended") and call.answered_at is not None:
        if (call.answered_by or "").lower() == who.lower():
            return Applied(UNCHANGED, call.id, _("already answered"))
        return _record(desk, s, ev, key, at, "conflict",
                       _("the PBX connected {agent}, but {who} answered it at the desk").format(
                           agent=who, who=call.answered_by or "?"), call.id)
    return _record(desk, s, ev, key, at, "conflict",
                   _("answer for a call that is {state}").format(state=call.state), call.id)


def _abandon(desk: Desk, s: Session, ev: CallEvent, key: str, at: datetime,
             call: Call) -> Applied:
    assert call.id is not None
    if call.state == "abandoned":
        return Applied(UNCHANGED, call.id, _("already hung up"))
    if call.state == "ringing" or is_unresolved(call):
        when = max(at, call.offered_at)
        changed = _rows(s, sa.update(Call)
                        .where(col(Call.id) == call.id, col(Call.state) == call.state,
                               col(Call.answered_at).is_(None))
                        .values(state="abandoned", ended_at=when, version=Call.version + 1))
        if changed == 1:
            desk._event(s, "call_abandoned", when, call_id=call.id, actor=PBX_ACTOR,
                        **_data(ev, key, wait_s=round((when - call.offered_at).total_seconds(), 1)))
            return Applied(APPLIED, call.id, _("the caller hung up"))
        s.expire(call)
    return _record(desk, s, ev, key, at, "conflict",
                   _("abandon for a call that is {state}").format(state=call.state), call.id)


def _hangup(desk: Desk, s: Session, ev: CallEvent, key: str, at: datetime,
            call: Call) -> Applied:
    assert call.id is not None
    if call.state == "ringing":
        hung = CallEvent(kind="abandon", call_key=key, at=at, source=ev.source, queue=ev.queue,
                         detail=ev.detail or "hangup", extra=ev.extra)
        return _abandon(desk, s, hung, key, at, call)
    if call.state == "answered" and call.ended_at is None:
        when = max(at, call.answered_at or call.offered_at)
        call.ended_at = when
        call.version += 1
        s.add(call)
        desk._event(s, "call_hung_up", when, call_id=call.id, actor=PBX_ACTOR, **_data(ev, key))
        return Applied(APPLIED, call.id, _("hung up after the conversation"))
    return Applied(UNCHANGED, call.id, _("already ended"))


# --- a feed that lost track ------------------------------------------------------


def close_lost_calls(desk: Desk, source: str, still_waiting: set[str],
                     before: datetime) -> list[int]:
    """Calls of ``source`` still ringing for the desk that the PBX no longer has waiting.

    After the feed was disconnected (or the PBX restarted), the PBX's own list
    of waiting callers is the truth: a call the desk shows ringing since
    before ``before`` that is not in it ended while nobody was listening. It
    is neither answered nor abandoned as far as the desk can tell, so it is
    closed as *ended, ending unknown* (state ``ended``, no answer, no end
    time) and stops ringing on every seat. One transaction.
    """
    closed: list[int] = []
    with desk.session() as s:
        rows = s.exec(select(Call).where(Call.state == "ringing", Call.source == source,
                                         col(Call.offered_at) < before)).all()
        for call in rows:
            if call.call_key in still_waiting:
                continue
            assert call.id is not None
            changed = _rows(s, sa.update(Call).where(col(Call.id) == call.id,
                                                     col(Call.state) == "ringing")
                            .values(state="ended", version=Call.version + 1))
            if changed != 1:
                continue
            desk._event(s, "call_lost", before, call_id=call.id, actor=PBX_ACTOR,
                        source=source, pbx_call_id=call.call_key,
                        reason="no longer waiting in the PBX after the feed reconnected")
            closed.append(call.id)
    return closed


def known_call(desk: Desk, key: str) -> bool:
    """Whether the desk has a call with this PBX id (for filtering a PBX's hang-ups)."""
    with contextlib.closing(Session(desk.engine)) as s:
        return _find(s, key) is not None
