"""Each second the desk evaluates its clocks only when one can have fallen due."""

from __future__ import annotations

from datetime import timedelta

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.views.dashboard import load_snapshot
from screens.app import HotlineApp
from tests.screens.test_dashboard import SIZE, settle


async def test_nothing_due_means_no_evaluation(demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                              description="fan alarm"))
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    started: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.refresh_now()  # evaluates: the re-alert scan is now scheduled too
        await settle(pilot)
        app.evaluate = lambda: started.append(True)  # type: ignore[method-assign]
        snap = app.snapshot
        assert snap is not None and snap.next_due_at is not None
        # the ringing call's answer limit (30 s) is the soonest thing that can fall due
        assert snap.next_due_at == load_snapshot(
            demo_desk.engine, demo_desk.now(), demo_desk.settings.tz).next_due_at
        app.evaluate_when_due()
        assert started == []  # nothing can have changed yet
        clock.set(snap.next_due_at)
        app.evaluate_when_due()
        assert started == [True]  # the call's answer time ran out: evaluate


async def test_an_unknown_rescan_time_evaluates(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    started: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        demo_desk.realerts_due_at = None  # this seat has not scanned for re-alerts yet
        app.evaluate = lambda: started.append(True)  # type: ignore[method-assign]
        app.evaluate_when_due()
        assert started == [True]


def test_the_snapshot_knows_the_soonest_due_moment(demo_desk: Desk,
                                                   clock: FixedClock) -> None:
    assert load_snapshot(demo_desk.engine, clock.now(), demo_desk.settings.tz) \
        .next_due_at is None  # an empty desk: nothing can fall due
    demo_desk.ring("13902251234")
    due = load_snapshot(demo_desk.engine, clock.now(), demo_desk.settings.tz).next_due_at
    assert due is not None and clock.now() < due <= clock.now() + timedelta(seconds=30)
