"""Keys that do what a new duty engineer expects (issue #17, point 6)."""

from __future__ import annotations

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from screens.app import HotlineApp
from screens.dialogs import Confirm
from screens.intake import IntakeScreen
from tests.screens.test_dashboard import SIZE, settle


async def test_q_asks_first_with_an_answered_call_not_logged(demo_desk: Desk,
                                                            clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("ctrl+q")  # the form is open
        await settle(pilot)
        assert isinstance(app.screen, Confirm) and app.is_running
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")  # answered, logged later
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, Confirm) and app.is_running
        assert "have not logged the call yet" in str(confirm.query_one(".question").render())
        await pilot.press("q")  # again: the question stays, once
        await settle(pilot)
        assert sum(isinstance(s, Confirm) for s in app.screen_stack) == 1
        await pilot.press("y")
        await settle(pilot)
        assert not app.is_running


async def test_q_quits_at_once_with_nothing_open(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running


def _bar(app: HotlineApp) -> str:
    from screens.widgets.key_bar import KeyBar

    return app.screen.query_one(KeyBar).render().plain


async def test_the_key_bar_offers_only_the_steps_that_can_apply(demo_desk: Desk) -> None:
    from hotline.desk.intake import Intake
    from hotline.desk.steps import StepInput
    from screens.ticket import TicketScreen

    consultation = demo_desk.log_call(Intake(number="0757-83301234", kind="consultation",
                                             level=None, description="licence file"))
    fault = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                      description="ring down"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(TicketScreen(app.context, fault))
        await settle(pilot)
        bar = _bar(app)
        assert "Service restored" in bar and "Fault resolved" in bar and "Ticket closed" in bar
        app.pop_screen()
        app.push_screen(TicketScreen(app.context, consultation))
        await settle(pilot)
        bar = _bar(app)
        assert "Note" in bar and "Ticket closed" in bar
        assert "Service restored" not in bar and "Fault resolved" not in bar
        await pilot.press("R")  # no restore for a consultation: the key says so, no more
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert any("does not apply to a consultation" in str(n.message)
                   for n in app._notifications)
        app.pop_screen()
        demo_desk.record(consultation, "consultation_answered", StepInput(text="sent"))
        demo_desk.record(consultation, "ticket_closed")
        app.push_screen(TicketScreen(app.context, consultation))
        await settle(pilot)
        bar = _bar(app)
        assert "Ticket closed" not in bar and "Service restored" not in bar
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
