"""The intake form asks the contract's level questions (Ctrl+L) and proposes the level:
confirmed as is, or another level with a reason — refused without one. Keyboard only,
on an 80×24 terminal."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.store.models import Event, Ticket
from screens.app import HotlineApp
from screens.intake import IntakeScreen
from screens.level_questions import LevelQuestions

SIZE = (80, 24)
GUANGDONG = "0757-83301234"


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def open_intake(pilot) -> IntakeScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    intake = pilot.app.screen
    assert isinstance(intake, IntakeScreen)
    await type_text(pilot, GUANGDONG)
    await settle(pilot)
    return intake


async def answer(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+l")
    await settle(pilot)
    questions = pilot.app.screen
    assert isinstance(questions, LevelQuestions)
    assert "No level proposed" in str(questions.query_one("#proposal").render())
    await pilot.press(*keys)
    await settle(pilot)


async def describe(pilot, intake: IntakeScreen) -> None:  # type: ignore[no-untyped-def]
    intake.query_one("#description").focus()
    await type_text(pilot, "fans stopped")


def opened(desk: Desk) -> list[dict[str, object]]:
    with Session(desk.engine) as s:
        return [json.loads(e.data) for e in s.exec(select(Event).where(
            Event.kind == "ticket_opened").order_by(Event.id)).all()]


async def test_the_answers_propose_the_level_and_saving_confirms_it(demo_desk: Desk,
                                                                    clock: FixedClock) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        intake = await open_intake(pilot)
        assert "Ctrl+L" in str(intake.query_one("#level-info").render())
        await answer(pilot, "4")  # fan failure over 45 °C / 30 % of a subrack
        assert "Proposed: level 2." in str(app.screen.query_one("#proposal").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is intake
        assert intake.query_one("#level").value == "2"
        assert "propose level 2" in str(intake.query_one("#level-info").render())
        assert not intake.query_one(".level-reason").display
        await describe(pilot, intake)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
    [data] = opened(demo_desk)
    assert (data["level"], data["proposed_level"], data["answers"]) == (2, 2, ["overheated"])
    assert "level_reason" not in data


async def test_another_level_is_refused_without_a_reason_and_kept_with_one(
        demo_desk: Desk, clock: FixedClock) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        intake = await open_intake(pilot)
        await answer(pilot, "1", "space")  # service interrupted; Space: on and off again
        assert "No level proposed" in str(app.screen.query_one("#proposal").render())
        await pilot.press("space", "down", "down", "space")  # 1 and 3 (network management)
        assert "Proposed: level 1." in str(app.screen.query_one("#proposal").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert intake.query_one("#level").value == "1"
        await pilot.press("3")  # the focus is on the level: another one
        await settle(pilot)
        assert intake.query_one(".level-reason").display
        await describe(pilot, intake)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        error = str(intake.query_one("#intake-error").render())
        assert "The answers propose level 1; to open the fault at level 3 instead" in error
        assert app.focused is not None and app.focused.id == "level-reason"
        with Session(demo_desk.engine) as s:
            assert s.exec(select(Ticket)).all() == []
        await type_text(pilot, "ops dept says level 3")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
    [data] = opened(demo_desk)
    assert (data["level"], data["proposed_level"]) == (3, 1)
    assert data["answers"] == ["service_interrupted", "nms_abnormal"]
    assert data["level_reason"] == "ops dept says level 3"


async def test_escape_leaves_the_form_as_it_was(demo_desk: Desk, clock: FixedClock) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        intake = await open_intake(pilot)
        await answer(pilot, "9")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is intake
        assert intake.query_one("#level").value is None
        assert "Ctrl+L" in str(intake.query_one("#level-info").render())


async def test_a_repeat_of_a_fault_resolved_within_a_year_is_said_on_logging(
        demo_desk: Desk, clock: FixedClock) -> None:
    from hotline.desk.intake import Intake
    from hotline.desk.steps import StepInput

    old = demo_desk.log_call(Intake(number="020-38881234", kind="fault", level=3,
                                    description="port down", equipment="S5700"))
    demo_desk.record(old, "resolve", StepInput(fault_category="hardware", cause="port",
                                               solution="replaced"))
    with Session(demo_desk.engine) as s:
        old_ticket = s.get(Ticket, old)
        assert old_ticket is not None
        old_number = old_ticket.number
    clock.advance(days=30)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        intake = app.screen
        assert isinstance(intake, IntakeScreen)
        await type_text(pilot, "020-38881234")
        await settle(pilot)
        intake.query_one("#level").focus()
        await pilot.press("3")
        intake.query_one("#equipment").focus()
        await type_text(pilot, "s5700")
        await describe(pilot, intake)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
        said = [n.message for n in app._notifications]
        assert any(f"fault {old_number} was resolved within a year" in m for m in said), said


async def test_the_ticket_screen_refuses_a_restart_before_its_approval(
        demo_desk: Desk, clock: FixedClock) -> None:
    from textual.widgets import Static

    from hotline.desk.intake import Intake
    from screens.step_form import StepForm
    from screens.ticket import TicketScreen
    from tests.screens.test_dashboard import SIZE as WIDE

    t = demo_desk.log_call(Intake(number=GUANGDONG, kind="fault", level=2,
                                  description="fans stopped"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")  # the work list, its first row
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == t
        panel = str(app.screen.query_one("#ticket-next", Static).render())
        # the first steps of a plan or a restart are in the menu (m), not the panel
        assert "Customer approved a reinstall" not in panel
        assert "Technical plan submitted" not in panel and "Service restored" in panel
        await pilot.press("X")  # restart done: refused, saying which approval is missing
        await settle(pilot)
        assert not isinstance(app.screen, StepForm)
        said = [str(n.message) for n in app._notifications]
        assert any("approval of the customer's maintenance department" in m for m in said)
        await pilot.press("u")  # the approval: who, how, what
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StepForm)
        await type_text(pilot, "Liang")
        await pilot.press("tab", "f", "tab")
        await type_text(pilot, "SCC board")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        panel = str(app.screen.query_one("#ticket-next", Static).render())
        assert "System reinstalled or restarted" in panel  # under way: its next step shows
        await pilot.press("X", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    with Session(demo_desk.engine) as s:
        kinds = [e.kind for e in s.exec(select(Event).where(Event.ticket_id == t)
                                        .order_by(Event.id)).all()]
        assert kinds[-2:] == ["restart_approved", "restart_done"]
        approved = s.exec(select(Event).where(Event.kind == "restart_approved")).one()
        assert '"method": "fax"' in approved.data and "SCC board" in approved.data
