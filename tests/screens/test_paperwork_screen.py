"""Closing a ticket with paperwork due, and recording it after closing; the region of
on-site work asked for and set; by keyboard."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select
from textual.widgets import OptionList, Static

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
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


async def test_the_ticket_says_region_needed_and_e_sets_it(demo_desk: Desk,
                                                           clock: FixedClock) -> None:
    import sqlalchemy as sa
    from sqlmodel import col
    from textual.widgets import Input

    from tests.screens.test_dashboard import type_text

    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=1,
                                  description="光路中断"))
    with demo_desk.engine.begin() as conn:  # a contract that names no region
        conn.execute(sa.update(Ticket).where(col(Ticket.id) == t).values(region=None))
    demo_desk.record(t, "conditions_set", StepInput(conditions=("onsite",)))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.ticket_id == t
        header = str(screen.query_one("#ticket-header", Static).render())
        assert "region needed (e)" in header
        assert "Region of the site set" in str(screen.query_one("#ticket-next",
                                                                 Static).render())
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StepForm) and form.what == "region_set"
        assert app.focused is form.query_one("#region", Input)
        await type_text(pilot, "Atlantis")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # refused: the form says why and stays
        assert "has no region for 'Atlantis'" in str(form.query_one("#step-error").render())
        form.query_one("#region", Input).value = ""
        await type_text(pilot, "顺德")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        header = str(screen.query_one("#ticket-header", Static).render())
        assert "region needed" not in header and "顺德" in header
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.region == "顺德"
        restore = s.exec(select(SlaClock).where(SlaClock.ticket_id == t,
                                                SlaClock.key == "restore")).one()
        assert restore.due_at - ticket.opened_at == timedelta(hours=6)  # 珠三角 on site
