"""Signing in with a secret, supervisor keys dimmed for an engineer, the idle lock."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, select
from textual.widgets import Static

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.store.models import Event
from screens.app import HotlineApp
from screens.escalations import EscalationQueueScreen
from screens.lock import LockScreen
from screens.signin import SignInScreen
from tests.screens.test_dashboard import settle
from tests.screens.test_supervisor_screens import late_call, open_queue

SIZE = (120, 35)
SECRET = "demo1234"


def kinds(desk: Desk) -> list[str]:
    with Session(desk.engine) as s:
        return [e.kind for e in s.exec(select(Event)).all()]


async def test_sign_in_asks_the_secret_and_refuses_a_wrong_one(demo_desk: Desk) -> None:
    demo_desk.signed_in = False
    demo_desk.actor = "root"
    demo_desk.settings = replace(demo_desk.settings, login="lina")  # --as lina
    app = HotlineApp(demo_desk, live=False, sign_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        await pilot.press(*"guessing", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        said = str(app.screen.query_one("#signin-error").render())
        assert "Unknown login or wrong secret" in said
        assert not demo_desk.signed_in and demo_desk.actor == "root"
        demo_desk.clock.advance(seconds=2)  # type: ignore[attr-defined]
        await pilot.press(*SECRET, "enter")
        await settle(pilot)
        assert app.screen is app.dashboard
    assert demo_desk.signed_in and demo_desk.actor == "lina"
    assert "sign_in_refused" in kinds(demo_desk) and "signed_in" in kinds(demo_desk)


async def test_an_engineer_sees_the_supervisor_keys_dimmed_and_they_do_nothing(
        demo_desk: Desk, clock: FixedClock) -> None:
    late_call(demo_desk, clock)
    late_call(demo_desk, clock, "13800138000")
    demo_desk.sign_in("lina", SECRET)  # a duty engineer
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        assert isinstance(screen, EscalationQueueScreen)
        assert screen.check_action("reassign", ()) is None  # dimmed on the key bar
        assert screen.check_action("acknowledge_all", ()) is None
        assert screen.check_action("acknowledge", ()) is True
        await pilot.press("r")
        await settle(pilot)
        assert app.screen is screen  # no picker: the key does nothing
    assert "escalation_reassigned" not in kinds(demo_desk)


async def test_a_supervisor_keeps_the_keys(demo_desk: Desk, clock: FixedClock) -> None:
    late_call(demo_desk, clock)
    demo_desk.sign_in("wangqiang", SECRET)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        assert screen.check_action("reassign", ()) is True


async def test_the_desk_locks_after_idle_time_until_the_secret(demo_desk: Desk,
                                                              clock: FixedClock) -> None:
    demo_desk.sign_in("lina", SECRET)
    demo_desk.settings = replace(demo_desk.settings, idle_lock_minutes=5)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.check_idle_lock()
        clock.advance(minutes=4, seconds=59)
        app.check_idle_lock()
        assert app.screen is app.dashboard
        await pilot.press("down")  # a key: the idle time starts again
        clock.advance(minutes=4, seconds=59)
        app.check_idle_lock()
        assert app.screen is app.dashboard
        clock.advance(seconds=2)
        app.check_idle_lock()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        said = str(app.screen.query_one(".question", Static).render())
        assert "locked after 5 minutes without a key" in said
        # calls still ring behind it; the desk's keys do nothing
        demo_desk.ring("13800138000")
        await pilot.press("f3", "a")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert app.check_action("escalations", ()) is None
        await pilot.press(*"wrong-one", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        clock.advance(seconds=2)
        await pilot.press(*SECRET, "enter")
        await settle(pilot)
        assert app.screen is app.dashboard and not app.idle_locked
    assert "call_rang" in kinds(demo_desk)
