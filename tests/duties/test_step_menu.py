"""A duty's ticket offers its own steps, by name, in the ticket screen's step menu."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import OptionList

from hotline.desk.operations import Desk
from hotline.duties import operations as duties
from screens.app import HotlineApp
from screens.ticket import StepMenu, TicketScreen, show_ticket
from tests.screens.test_dashboard import SIZE, settle
from tests.support import TZ


async def test_a_document_request_offers_its_delivery_and_no_fault_step(
        demo_desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=TZ))
    t = duties.open_duty(demo_desk, "document_request", "GD-TX-2026-001", "OptiX manuals")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        show_ticket(app.screen, t)  # type: ignore[arg-type]
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == t
        await pilot.press("m")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, StepMenu)
        options = menu.query_one("#steps", OptionList)
        shown = {str(options.get_option_at_index(i).id):
                 str(options.get_option_at_index(i).prompt)
                 for i in range(options.option_count)}
        assert "Documents delivered" in shown["document_delivered"]
        assert not {"restore", "resolve", "inspected", "meeting_held"} & set(shown)


async def test_a_duty_lists_its_own_step_first_and_d_records_it(
        demo_desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select
    from textual.widgets import Static

    from hotline.store.models import Event
    from screens.step_form import StepForm

    clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=TZ))
    t = duties.open_duty(demo_desk, "document_request", "GD-TX-2026-001", "OptiX manuals")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        show_ticket(app.screen, t)  # type: ignore[arg-type]
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        panel = str(app.screen.query_one("#ticket-next", Static).render())
        lines = [line.strip() for line in panel.splitlines() if line.strip()]
        assert lines[0] == "D  Documents delivered"  # the duty's own step, first, with its key
        assert "Phone guidance given" not in panel and "Clocks paused" not in panel
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, StepForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    with Session(demo_desk.engine) as s:
        kinds = [e.kind for e in s.exec(select(Event).where(Event.ticket_id == t)).all()]
    assert "document_delivered" in kinds


async def test_d_on_a_fault_is_not_a_duty_step(demo_desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    from hotline.desk.intake import Intake
    from screens.step_form import StepForm

    t = demo_desk.log_call(Intake(number="13829901234", kind="fault", level=2,
                                  description="fans stopped"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        show_ticket(app.screen, t)  # type: ignore[arg-type]
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and not isinstance(app.screen, StepForm)
