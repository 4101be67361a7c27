"""Closing a ticket with paperwork due, and recording it after closing, by keyboard."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select
from textual.widgets import OptionList, Static

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.store.models import SlaClock, Ticket
from screens.app import HotlineApp
from screens.step_form import StepForm
from screens.ticket import StepMenu, TicketScreen
from tests.desk.test_ticket_steps import FIXED
from tests.screens.test_dashboard import SIZE, settle
from tests.support import TZ


def notes(app: HotlineApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_closing_says_what_paperwork_is_due_and_the_form_is_taken_after(
        demo_desk: Desk, clock: FixedClock) -> None:
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=TZ))
    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=1,
                                  description="光路中断", promise_callback=True))
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=TZ))
    demo_desk.record(t, "restore", FIXED)
    clock.set(datetime(2026, 11, 25, 13, 0, tzinfo=TZ))
    demo_desk.record(t, "resolve", FIXED)
    demo_desk.callback_done(t)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.ticket_id == t
        await pilot.press("C")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StepForm) and form.what == "ticket_closed"
        subtitle = str(form.query_one(".info", Static).render())
        assert "Paperwork still due: Handling form by 11-27 12:00." in subtitle
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert any(n.startswith("Ticket closed recorded.")
                   and "Paperwork still due: Handling form by 11-27 12:00." in n
                   for n in notes(app))
        # the closed ticket's menu offers its paperwork, not the fault's steps
        await pilot.press("m")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, StepMenu)
        options = menu.query_one("#steps", OptionList)
        offered = {str(options.get_option_at_index(i).id)
                   for i in range(options.option_count)}
        await pilot.press("escape")
        await settle(pilot)
        assert {"handling_form", "analysis_requested", "ticket_reopened"} <= offered
        assert not offered & {"restore", "dispatched", "analysis_report", "callback_promised"}
        # h records the handling form on the closed ticket
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, StepForm) and app.screen.what == "handling_form"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.status == "closed"
        form_clock = s.exec(select(SlaClock).where(SlaClock.ticket_id == t,
                                                   SlaClock.target == "handling_form")).one()
        assert form_clock.state == "met"
