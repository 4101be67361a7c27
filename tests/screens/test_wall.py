"""The wallboard, driven by keyboard: one key from the dashboard, live, and read-only alone."""

from __future__ import annotations

from sqlmodel import Session, func, select
from textual.widgets import DataTable, Digits

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.store.models import Event
from screens.app import HotlineApp
from screens.dashboard import DashboardScreen
from screens.wall import Tile, WallScreen, clock_digits, percent_digits
from tests.screens.test_dashboard import SIZE, settle


def digits(app: HotlineApp, tile: str) -> str:
    return app.screen.query_one(f"#tile-{tile}", Tile).query_one(Digits).value


def level(app: HotlineApp, tile: str) -> str:
    t = app.screen.query_one(f"#tile-{tile}", Tile)
    return next(name for name in ("ok", "warn", "alarm") if t.has_class(name))


def events(desk: Desk) -> int:
    with Session(desk.engine) as s:
        return s.exec(select(func.count()).select_from(Event)).one()


async def test_f6_opens_the_wall_and_its_figures_follow_the_desk(demo_desk: Desk,
                                                                 clock: FixedClock) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, WallScreen)
        assert digits(app, "ringing") == "0" and level(app, "ringing") == "ok"
        assert digits(app, "wait") == "-"
        # the shipped rota names nobody, and nobody has a call in hand
        assert "nobody is named on duty" in str(
            app.screen.query_one("#wall-engineers-panel").border_subtitle)
        demo_desk.ring("13902251234")
        clock.advance(seconds=12)
        app.reload()
        await settle(pilot)
        assert digits(app, "ringing") == "1" and level(app, "ringing") == "warn"
        assert digits(app, "wait") == "0:12"
        clock.advance(seconds=20)  # the wait counts up with the clock, nothing read
        app.tick()
        await pilot.pause()
        assert digits(app, "wait") == "0:32" and level(app, "wait") == "alarm"
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_the_wall_answered_and_late_figures(demo_desk: Desk, clock: FixedClock) -> None:
    call = demo_desk.ring("13902251234").call_id
    clock.advance(seconds=40)
    demo_desk.evaluate()  # late: escalated
    demo_desk.answer(call)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("W")
        await settle(pilot)
        assert digits(app, "answered") == "1"
        assert digits(app, "sl-offered") == "0.0" and level(app, "sl-offered") == "alarm"
        assert digits(app, "escalations") == "1" and level(app, "escalations") == "warn"
        late = app.screen.query_one("#wall-escalations", DataTable)
        assert [str(late.get_row_at(0)[0])] == ["00:10"]  # raised at 30 s, now 40 s
        clock.advance(seconds=5)
        app.tick()
        await pilot.pause()
        assert [str(late.get_row_at(0)[0])] == ["00:15"]


async def test_hotline_wall_alone_changes_nothing(demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    clock.advance(seconds=45)  # late, and not escalated: the wall leaves that to the desks
    before = events(demo_desk)
    app = HotlineApp(demo_desk, live=False, wall=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WallScreen)
        assert digits(app, "ringing") == "1"
        for key in ("a", "n", "x", "k", "escape", "f2", "f3", "f4", "f5", "slash", "ctrl+p",
                    "enter"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, WallScreen), key
        assert events(demo_desk) == before
        await pilot.press("q")
    assert events(demo_desk) == before


async def test_the_palette_offers_the_wall(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Wallboard" in titles


def test_big_digits_text() -> None:
    assert [clock_digits(s) for s in (None, 0, 42, 605, 3723, 10**7)] == [
        "-", "0:00", "0:42", "10:05", "1:02:03", "99:59:59+"]
    assert [percent_digits(s) for s in (None, 0.0, 0.875, 0.9996, 1.0)] == [
        "-", "0.0", "87.5", "100", "100"]
