"""A handover just given reads as given: on the screen, reopened, after a restart on the
same database, and across the change of shift (issue #17, point 6)."""

from __future__ import annotations

from hotline.clock import FixedClock
from hotline.config import Settings
from hotline.desk.operations import Desk
from screens.app import HotlineApp
from screens.handover import HandoverScreen, NoteEditor
from tests.screens.test_dashboard import SIZE, settle, type_text
from tests.support import START, build_desk


def _state(app: HotlineApp) -> str:
    screen = app.screen
    assert isinstance(screen, HandoverScreen)
    return str(screen.query_one("#handover-state").render())


async def _open_handover(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("f4")
    await settle(pilot)
    await pilot.app.workers.wait_for_complete()
    await settle(pilot)


async def _give(pilot, note: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("w")
    await settle(pilot)
    assert isinstance(pilot.app.screen, NoteEditor)
    await type_text(pilot, note)
    await pilot.press("ctrl+s")
    await settle(pilot)
    await pilot.app.workers.wait_for_complete()
    await settle(pilot)


async def _reads_given(desk: Desk, expected: str) -> None:
    """A fresh app on ``desk``: F4 shows the handover as given."""
    app = HotlineApp(desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open_handover(pilot)
        state = _state(app)
        assert "Not handed over yet" not in state, state
        assert expected in state, state


async def test_given_late_in_the_first_hour_of_the_next_shift(
        demo_desk: Desk, clock: FixedClock, settings: Settings) -> None:
    """At 16:10 the day shift is still the one handed over (the supervisor is late); once
    given, the screen must not jump to the evening shift's empty handover."""
    clock.set(START.replace(hour=16, minute=10))
    demo_desk.actor = "wangqiang"
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open_handover(pilot)
        assert "Not handed over yet" in _state(app)
        screen = app.screen
        assert isinstance(screen, HandoverScreen) and screen.state is not None
        assert screen.state.outgoing.key == "2026-11-25/day"
        await _give(pilot, "Late but given")
        assert "waiting for the incoming supervisor" in _state(app)
        # Esc and F4 again
        await pilot.press("escape")
        await settle(pilot)
        await _open_handover(pilot)
        assert "waiting for the incoming supervisor" in _state(app)
        assert "Not handed over yet" not in _state(app)
    # the app restarted on the same database
    again = build_desk(settings, clock)
    again.actor = "wangqiang"
    try:
        await _reads_given(again, "waiting for the incoming supervisor")
    finally:
        again.engine.dispose()


async def test_given_before_the_change_still_reads_given_after_it(
        demo_desk: Desk, clock: FixedClock, settings: Settings) -> None:
    clock.set(START.replace(hour=15, minute=50))
    demo_desk.actor = "wangqiang"
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open_handover(pilot)
        await _give(pilot, "Quiet shift")
        assert "waiting for the incoming supervisor" in _state(app)
    clock.set(START.replace(hour=16, minute=5))  # the evening shift has begun
    await _reads_given(demo_desk, "waiting for the incoming supervisor")
    # taken over by the evening supervisor: both read it as given and taken over
    from hotline.supervision.handover import accept_handover, pending_handover

    pending = pending_handover(demo_desk.engine, demo_desk_rota(demo_desk))
    assert pending is not None
    demo_desk.actor = "liujing"
    accept_handover(demo_desk, demo_desk_rota(demo_desk), pending.handover_id, "ok")
    clock.set(START.replace(hour=16, minute=20))
    await _reads_given(demo_desk, "taken over by liujing")
    demo_desk.actor = "wangqiang"
    await _reads_given(demo_desk, "taken over by liujing")
    # after the first hour the evening shift is the one to hand over, and the screen
    # still says how the day shift was handed over
    clock.set(START.replace(hour=17, minute=30))
    await _reads_given(demo_desk, "taken over by liujing")


def demo_desk_rota(desk: Desk):  # type: ignore[no-untyped-def]
    from hotline.supervision.rota import rota_for

    return rota_for(desk.settings)
