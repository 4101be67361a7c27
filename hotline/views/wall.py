"""The wallboard's figures: what a supervisor reads from across the room.

Made from the dashboard's snapshot (:mod:`hotline.views.dashboard`), so the
wall and the desk never disagree, and from who is on duty (given by the
caller: the rota is :mod:`hotline.supervision`'s). Nothing here writes.

Each engineer's state comes from their calls: a call a phone feed answered
(``ami``, ``jsonl``) is *on a call* until the feed says the caller hung up,
then *wrap-up* until the call is logged; a call answered at the desk (``a``,
``n``) is *in a form* until it is logged. Anyone else on duty is *available*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from hotline.desk.call_states import CallState
from hotline.views.dashboard import Kpis, Snapshot

#: Calls whose answer and hang-up a phone system reports (the others are the desk's own).
PBX_SOURCES = ("ami", "jsonl")

#: An engineer's states, in the order the wall lists them.
STATES = ("on_call", "wrap_up", "in_form", "available")


@dataclass(frozen=True)
class OnDuty:
    """Someone on duty now, as the rota (or the supervisor) says."""

    login: str
    name: str
    supervisor: bool = False


@dataclass(frozen=True)
class EngineerState:
    login: str
    name: str
    state: str  # one of STATES
    since: datetime | None  # when the state began (None: available)
    number: str | None  # the caller's number on a call, wrap-up or in a form
    from_pbx: bool  # the state comes from the phone system's events
    supervisor: bool = False


@dataclass(frozen=True)
class LateEscalation:
    """An unacknowledged escalation; late by ``now − raised_at``."""

    escalation_id: int
    kind: str
    what: str  # the ticket number or the caller's number
    raised_at: datetime


@dataclass(frozen=True)
class Wall:
    taken_at: datetime
    ringing: int
    #: When the call ringing longest began to ring (the wait counts up from it).
    oldest_ring_at: datetime | None
    kpis: Kpis
    level1_open: int
    escalations: tuple[LateEscalation, ...]  # unacknowledged, oldest first
    engineers: tuple[EngineerState, ...]

    def longest_wait(self, now: datetime) -> int | None:
        """Seconds the oldest ringing call has rung (None: nothing rings)."""
        if self.oldest_ring_at is None:
            return None
        return max(0, int((now - self.oldest_ring_at).total_seconds()))


def engineer_states(snapshot: Snapshot, duty: Sequence[OnDuty],
                    names: Mapping[str, str] | None = None) -> tuple[EngineerState, ...]:
    """Everyone on duty, and anyone else with a call in hand, with their state.

    ``names``: the directory's engineers (login → name), for someone not on duty.
    """
    busy: dict[str, EngineerState] = {}
    on_duty = {d.login: d for d in duty}
    for call in snapshot.calls:
        if call.state != CallState.ANSWERED or not call.answered_by:
            continue
        login = call.answered_by
        from_pbx = call.source in PBX_SOURCES
        since: datetime | None
        if from_pbx and call.ended_at is not None:
            state, since = "wrap_up", call.ended_at
        elif from_pbx:
            state, since = "on_call", call.answered_at
        else:
            state, since = "in_form", call.answered_at
        person = on_duty.get(login)
        name = person.name if person else (names or {}).get(login, login)
        found = EngineerState(login, name, state, since,
                              call.number, from_pbx, person.supervisor if person else False)
        earlier = busy.get(login)
        # one line each: the call in hand that matters most (a call over a wrap-up)
        if earlier is None or STATES.index(state) < STATES.index(earlier.state):
            busy[login] = found
    out = [busy.pop(d.login) if d.login in busy else
           EngineerState(d.login, d.name, "available", None, None, False, d.supervisor)
           for d in duty]
    out.extend(sorted(busy.values(), key=lambda e: e.login))
    return tuple(out)


def wall_of(snapshot: Snapshot, duty: Sequence[OnDuty],
            names: Mapping[str, str] | None = None) -> Wall:
    """The wallboard as of the snapshot's moment."""
    ringing = [c for c in snapshot.calls if c.state == CallState.RINGING]
    escalations = tuple(
        LateEscalation(e.escalation_id, e.kind, e.ticket_number or e.number or "", e.raised_at)
        for e in snapshot.escalations if e.acknowledged_at is None)
    return Wall(taken_at=snapshot.taken_at, ringing=len(ringing),
                oldest_ring_at=min((c.offered_at for c in ringing), default=None),
                kpis=snapshot.kpis, level1_open=snapshot.kpis.faults_by_level.get(1, 0),
                escalations=tuple(sorted(escalations,
                                         key=lambda e: (e.raised_at, e.escalation_id))),
                engineers=engineer_states(snapshot, duty, names))
