"""The one call state machine: what each event does to a call, for a seat and for a feed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.desk import call_states
from hotline.desk.call_states import CallState, HangUp, LogRefusal, Move

T = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Facts:
    state: str
    answered_at: datetime | None = None
    ended_at: datetime | None = None


RINGING = Facts(CallState.RINGING)
ANSWERED = Facts(CallState.ANSWERED, answered_at=T)
HUNG_UP_AFTER_ANSWER = Facts(CallState.ANSWERED, answered_at=T, ended_at=T)
ABANDONED = Facts(CallState.ABANDONED, ended_at=T)
CLOSED = Facts(CallState.ENDED, answered_at=T, ended_at=T)  # answered, closed without a ticket
LOST = Facts(CallState.ENDED)  # ended, ending unknown


@pytest.mark.parametrize(("call", "seat", "pbx"), [
    (RINGING, Move.GO, Move.GO),
    (ANSWERED, Move.ALREADY, Move.ALREADY),
    (HUNG_UP_AFTER_ANSWER, Move.ALREADY, Move.ALREADY),
    (CLOSED, Move.ALREADY, Move.ALREADY),
    (ABANDONED, Move.REFUSED, Move.REFUSED),
    (LOST, Move.REFUSED, Move.GO),  # the phone system knows better than the desk
])
def test_answer(call: Facts, seat: Move, pbx: Move) -> None:
    assert call_states.answer(call) is seat
    assert call_states.answer(call, by_pbx=True) is pbx


@pytest.mark.parametrize(("call", "seat", "pbx"), [
    (RINGING, Move.GO, Move.GO),
    (ABANDONED, Move.ALREADY, Move.ALREADY),
    (ANSWERED, Move.REFUSED, Move.REFUSED),
    (CLOSED, Move.REFUSED, Move.REFUSED),
    (LOST, Move.REFUSED, Move.GO),
])
def test_abandon(call: Facts, seat: Move, pbx: Move) -> None:
    assert call_states.abandon(call) is seat
    assert call_states.abandon(call, by_pbx=True) is pbx


@pytest.mark.parametrize(("call", "meaning"), [
    (RINGING, HangUp.ABANDONED),
    (ANSWERED, HangUp.AFTER_ANSWER),
    (HUNG_UP_AFTER_ANSWER, HangUp.NOTHING),
    (ABANDONED, HangUp.NOTHING),
    (CLOSED, HangUp.NOTHING),
    (LOST, HangUp.NOTHING),
])
def test_hang_up(call: Facts, meaning: HangUp) -> None:
    assert call_states.hang_up(call) is meaning


def test_what_can_be_logged_closed_or_lost() -> None:
    assert call_states.log_refusal(ANSWERED, None) is None
    assert call_states.log_refusal(ANSWERED, 12) is LogRefusal.LOGGED
    assert call_states.log_refusal(RINGING, None) is LogRefusal.RINGING
    assert call_states.log_refusal(ABANDONED, None) is LogRefusal.OVER
    assert call_states.log_refusal(CLOSED, None) is LogRefusal.OVER
    assert call_states.can_end_without_ticket(ANSWERED, None)
    assert not call_states.can_end_without_ticket(ANSWERED, 12)
    assert not call_states.can_end_without_ticket(RINGING, None)
    assert [c for c in (RINGING, ANSWERED, ABANDONED, LOST) if call_states.can_lose(c)] == [
        RINGING]
    assert call_states.is_lost(LOST) and not call_states.is_lost(CLOSED)


def _after(call: Facts, event: str) -> Facts:
    """The call after an event the machine let through (as the desk and the feeds apply it)."""
    if event == "answer":
        return replace(call, state=CallState.ANSWERED, answered_at=T)
    return replace(call, state=CallState.ABANDONED, ended_at=T)


facts = st.builds(Facts, st.sampled_from(list(CallState)),
                  st.none() | st.just(T), st.none() | st.just(T))


@given(facts, st.sampled_from(["answer", "abandon"]), st.booleans())
def test_an_event_applied_twice_changes_nothing_the_second_time(
        call: Facts, event: str, by_pbx: bool) -> None:
    move = getattr(call_states, event)
    if move(call, by_pbx=by_pbx) is Move.GO:
        assert move(_after(call, event), by_pbx=by_pbx) is Move.ALREADY


@given(facts, st.sampled_from(["answer", "abandon"]))
def test_a_seat_never_moves_a_call_a_feed_would_not(call: Facts, event: str) -> None:
    move = getattr(call_states, event)
    if move(call) is Move.GO:
        assert move(call, by_pbx=True) is Move.GO
        assert call.state == CallState.RINGING
