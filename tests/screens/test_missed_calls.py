"""A caller who hung up is called back from Callbacks & work due (issue 17, point 1)."""

from __future__ import annotations

from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.store.models import MissedCall
from screens.app import HotlineApp
from screens.dialogs import ChooseOne, Confirm
from screens.intake import IntakeScreen
from tests.screens.test_dashboard import SIZE, cell_text, rows, settle, table, tick


def missed_rows(app: HotlineApp) -> list[list[str]]:
    return [r for r in rows(app, "work") if r[3].startswith("Missed call")]


async def select_missed(app: HotlineApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("2")
    t = table(app, "work")
    t.move_cursor(row=next(i for i, k in enumerate(t.keys)
                           if cell_text(t.get_row(k)[3]).startswith("Missed call")))


async def test_a_hang_up_shows_a_callback_and_no_answer_keeps_it_with_its_clock(
        demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        [row] = missed_rows(app)
        assert row[0] == "30:00" and row[2] == "139 0225 1234"
        await tick(pilot, clock, minutes=4)
        await select_missed(app, pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ChooseOne)
        await pilot.press("n")
        await settle(pilot)
        [row] = missed_rows(app)
        assert row[0] == "26:00" and row[3] == "Missed call" and row[7] == "1 try · no answer"
        await select_missed(app, pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert missed_rows(app)[0][7] == "2 tries · voicemail"
    with Session(demo_desk.engine) as s:
        item = s.exec(select(MissedCall)).one()
    assert (item.state, item.attempts, item.last_outcome) == ("open", 2, "voicemail")


async def test_reached_closes_it_and_offers_the_intake_form(demo_desk: Desk,
                                                              clock: FixedClock) -> None:
    demo_desk.abandon(demo_desk.ring("13902251234").call_id)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_missed(app, pilot)
        await pilot.press("enter")  # Enter on the row asks the same
        await settle(pilot)
        assert isinstance(app.screen, ChooseOne)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert missed_rows(app) == []
    with Session(demo_desk.engine) as s:
        assert s.exec(select(MissedCall.state)).one() == "reached"


async def test_escape_records_nothing_and_wrong_number_closes_it(demo_desk: Desk) -> None:
    demo_desk.abandon(demo_desk.ring("13902251234").call_id)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_missed(app, pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert len(missed_rows(app)) == 1
        await select_missed(app, pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert missed_rows(app) == []
    with Session(demo_desk.engine) as s:
        assert s.exec(select(MissedCall.state)).one() == "wrong_number"


async def test_one_item_is_said_in_the_singular(demo_desk: Desk) -> None:
    demo_desk.abandon(demo_desk.ring("13902251234").call_id)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.dashboard.query_one("#work-panel").border_title == \
            "[2] Callbacks & work due · 1 item"
        demo_desk.abandon(demo_desk.ring("13800138000").call_id)
        app.refresh_now()
        await settle(pilot)
        assert app.dashboard.query_one("#work-panel").border_title == \
            "[2] Callbacks & work due · 2 items"


async def test_a_call_out_of_hours_says_so_and_when_it_is_due(demo_desk: Desk,
                                                             clock: FixedClock) -> None:
    from dataclasses import replace
    from datetime import datetime

    from hotline.opening_hours import parse_opening_hours
    from tests.support import TZ

    demo_desk.settings = replace(demo_desk.settings, hours=parse_opening_hours(
        {"open": "08:00", "close": "20:00", "days": "working days"}))
    clock.set(datetime(2026, 11, 25, 22, 15, tzinfo=TZ))
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        [row] = missed_rows(app)
        assert row[1] == "11-26 08:30" and row[7] == "out of hours"
