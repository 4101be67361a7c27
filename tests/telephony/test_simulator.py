"""The demo's simulated callers: they ring, and hang up when nobody answers."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, func, select

from hotline import demo
from hotline.clock import FixedClock
from hotline.desk.call_states import CallState
from hotline.desk.operations import Desk
from hotline.store.models import Call, MissedCall
from hotline.telephony.simulator import DemoCaller


def run_for(desk: Desk, clock: FixedClock, caller: DemoCaller, minutes: int) -> None:
    for _ in range(minutes * 6):
        clock.advance(timedelta(seconds=10))
        caller.step()


def test_unanswered_callers_hang_up_and_are_owed_a_callback(demo_desk: Desk,
                                                            clock: FixedClock) -> None:
    caller = DemoCaller(demo_desk, *demo.simulator_numbers(demo_desk), seed=7)
    run_for(demo_desk, clock, caller, 15)
    with Session(demo_desk.engine) as s:
        states = dict(s.exec(select(Call.state, func.count()).group_by(Call.state)).all())
        missed = s.exec(select(func.count()).select_from(MissedCall)).one()
        latest = s.exec(select(func.max(Call.offered_at))).one()
        oldest_ringing = s.exec(select(func.min(Call.offered_at)).where(
            Call.state == CallState.RINGING)).one()
    assert len(caller.rung) >= 10
    # not 20 ringing after 15 minutes: only the callers of the last 3 minutes still wait
    assert oldest_ringing is None or oldest_ringing >= clock.now() - timedelta(minutes=3)
    assert states.get(CallState.ABANDONED, 0) >= len(caller.rung) - 8
    assert latest is not None and missed >= 1


def test_a_caller_answered_in_time_does_not_hang_up(demo_desk: Desk, clock: FixedClock) -> None:
    caller = DemoCaller(demo_desk, *demo.simulator_numbers(demo_desk), seed=3)
    clock.advance(timedelta(seconds=5))
    caller.step()
    [call_id] = caller.rung
    demo_desk.answer(call_id)
    clock.advance(timedelta(minutes=5))
    caller.step()
    with Session(demo_desk.engine) as s:
        assert s.get(Call, call_id).state == CallState.ANSWERED  # type: ignore[union-attr]
