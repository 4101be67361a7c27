"""The states of a call and the moves between them: one machine for the keys and every feed.

::

    ringing ──answer──▶ answered ──end without a ticket──▶ ended
       │                   └─ hang-up: noted (``ended_at``), stays answered until logged
       ├──abandon / hang-up──▶ abandoned
       └──lost──▶ ended, ending unknown (the phone system no longer has the caller)

A person at a seat answers or abandons only a ringing call. A phone system
is the authority on its calls, so it may also answer or abandon a call the
desk had closed as *lost* (after the feed reconnected, the answer can still
arrive). Each function below says what an event does to a call; the desk's
operations and the feeds' batches then make that change in their own way
(one conditional UPDATE, or many calls in memory written in bulk).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum, StrEnum
from typing import Protocol


class CallState(StrEnum):
    """A call's ``state`` column."""

    RINGING = "ringing"  # offered; nobody has answered
    ANSWERED = "answered"  # an engineer took it (it stays answered once logged)
    ABANDONED = "abandoned"  # the caller hung up before the answer
    ENDED = "ended"  # closed without a ticket, imported history, or lost


#: States of a call that is over for the desk.
OVER = (CallState.ABANDONED, CallState.ENDED)


class CallFacts(Protocol):
    """What the machine reads of a call (a stored call, or a feed's call in memory)."""

    @property
    def state(self) -> str: ...

    @property
    def answered_at(self) -> datetime | None: ...

    @property
    def ended_at(self) -> datetime | None: ...


class Move(Enum):
    """What an event does to a call."""

    GO = "go"  # the call changes as the event says
    ALREADY = "already"  # the call is already where the event would take it
    REFUSED = "refused"  # the event contradicts what the desk knows


class HangUp(Enum):
    """What a hang-up reported by a phone system means for the call."""

    ABANDONED = "abandoned"  # before the answer: the caller gave up
    AFTER_ANSWER = "after_answer"  # the conversation ended: noted, the call stays answered
    NOTHING = "nothing"  # already over, or already noted


def is_lost(call: CallFacts) -> bool:
    """Closed as *ended, ending unknown*: neither answered nor abandoned as far as the desk saw."""
    return call.state == CallState.ENDED and call.answered_at is None and call.ended_at is None


def _open_to_pbx(call: CallFacts, by_pbx: bool) -> bool:
    return call.answered_at is None and (
        call.state == CallState.RINGING or (by_pbx and is_lost(call)))


def answer(call: CallFacts, *, by_pbx: bool = False) -> Move:
    """An engineer takes the call."""
    if _open_to_pbx(call, by_pbx):
        return Move.GO
    if call.answered_at is not None and call.state in (CallState.ANSWERED, CallState.ENDED):
        return Move.ALREADY
    return Move.REFUSED


def abandon(call: CallFacts, *, by_pbx: bool = False) -> Move:
    """The caller hangs up before anyone answers."""
    if call.state == CallState.ABANDONED:
        return Move.ALREADY
    if _open_to_pbx(call, by_pbx):
        return Move.GO
    return Move.REFUSED


def hang_up(call: CallFacts) -> HangUp:
    """A phone system reports that a channel of the call hung up."""
    if call.state == CallState.RINGING:
        return HangUp.ABANDONED
    if call.state == CallState.ANSWERED and call.ended_at is None:
        return HangUp.AFTER_ANSWER
    return HangUp.NOTHING


def can_lose(call: CallFacts) -> bool:
    """Whether a call may be closed as lost (only one still ringing for the desk)."""
    return call.state == CallState.RINGING


def can_end_without_ticket(call: CallFacts, ticket_id: int | None) -> bool:
    """An answered call that needs no ticket (wrong number, silent line) may be closed."""
    return call.state == CallState.ANSWERED and ticket_id is None


class LogRefusal(Enum):
    """Why a call cannot be logged as a ticket."""

    LOGGED = "logged"  # it already has a ticket
    RINGING = "ringing"  # answer it first
    OVER = "over"  # it ended: log a new call instead


def log_refusal(call: CallFacts, ticket_id: int | None) -> LogRefusal | None:
    """Why the call cannot become a ticket now (None: it can)."""
    if ticket_id is not None:
        return LogRefusal.LOGGED
    if call.state == CallState.RINGING:
        return LogRefusal.RINGING
    if call.state in OVER:
        return LogRefusal.OVER
    return None
