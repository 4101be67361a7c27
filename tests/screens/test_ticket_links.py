"""By keyboard: a repeat call added to its ticket, tickets linked and merged, a command log
read back, searched and saved."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, select
from textual.widgets import Input, TextArea

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.desk.steps import StepInput
from hotline.store.models import Call, Event, SlaClock, Ticket
from screens.app import HotlineApp
from screens.attachments import AttachmentViewer, find_all
from screens.dialogs import AskText, Confirm
from screens.intake import IntakeScreen
from screens.step_form import StepForm
from screens.ticket import TicketScreen
from screens.widgets.live_table import Countdown, LiveTable
from tests.screens.test_dashboard import SIZE, settle, type_text


def notes(app: HotlineApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def number_of(desk: Desk, ticket_id: int) -> str:
    with Session(desk.engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.number


async def test_a_repeat_call_is_added_to_the_customers_open_ticket(demo_desk: Desk) -> None:
    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                  description="fibre cut"))
    clocks_before = {c.key for c in _clocks(demo_desk)}
    demo_desk.ring("0757-83301234", call_key="REPEAT-1")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        intake = app.screen
        assert isinstance(intake, IntakeScreen)
        assert intake.query_one(".add-to").display
        # from the kind (where a known caller's form starts) back to "Add to", the ticket,
        # then straight on to the description (what a new ticket needs is skipped)
        await pilot.press("shift+tab", "1", "tab")
        await type_text(pilot, "still down")
        assert intake.query_one("#description", Input).value == "still down"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.dashboard
        assert f"Call added to ticket {number_of(demo_desk, t)}." in notes(app)
    with Session(demo_desk.engine) as s:
        assert len(s.exec(select(Ticket)).all()) == 1
        call = s.exec(select(Call).where(Call.call_key == "REPEAT-1")).one()
        assert call.ticket_id == t
        added = s.exec(select(Event).where(Event.kind == "call_added")).one()
        assert json.loads(added.data)["text"] == "still down"
    assert {c.key for c in _clocks(demo_desk)} == clocks_before


def _clocks(desk: Desk) -> list[SlaClock]:
    with Session(desk.engine) as s:
        return list(s.exec(select(SlaClock)).all())


async def test_the_intake_form_offers_no_ticket_to_a_customer_without_one(
        demo_desk: Desk) -> None:
    demo_desk.ring("0757-83301234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert not app.screen.query_one(".add-to").display


async def test_link_and_merge_from_the_ticket_screen(demo_desk: Desk) -> None:
    kept = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                     description="outage, site A"))
    other = demo_desk.log_call(Intake(number="13380012345", kind="fault", level=2,
                                      description="outage, site B"))
    dup = demo_desk.log_call(Intake(number="0755-83765432", kind="fault", level=2,
                                    description="outage, site A again"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from screens.ticket import show_ticket

        show_ticket(app.dashboard, kept)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, AskText)
        await type_text(pilot, number_of(demo_desk, other))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.view is not None
        assert [k.number for k in screen.view.links] == [number_of(demo_desk, other)]
        header = str(screen.query_one("#ticket-header").render())
        assert f"linked: {number_of(demo_desk, other)}" in header
        # the duplicate: M, its number, y
        screen.prepare(dup)
        screen.reload()
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        await type_text(pilot, number_of(demo_desk, kept))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen and screen.ticket_id == kept  # on the kept ticket now
        assert screen.view is not None
        assert {(k.relation, k.number) for k in screen.view.links} == {
            ("linked", number_of(demo_desk, other)),
            ("merged_from", number_of(demo_desk, dup))}
        # the duplicate's clocks show stopped where the merge stopped them
        screen.prepare(dup)
        screen.reload()
        await settle(pilot)
        table = screen.query_one("#ticket-clocks", LiveTable)
        countdowns = [getattr(table.get_row(k)[0], "value", None) for k in table.keys]
        assert countdowns and all(isinstance(c, Countdown) and c.stopped_at is not None
                                  for c in countdowns)
    with Session(demo_desk.engine) as s:
        d = s.get(Ticket, dup)
        assert d is not None and d.status == "closed"
        assert len(s.exec(select(Call).where(Call.ticket_id == kept)).all()) == 2


async def test_a_merge_into_an_unknown_ticket_is_refused_and_says_so(demo_desk: Desk) -> None:
    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                  description="outage"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from screens.ticket import show_ticket

        show_ticket(app.dashboard, t)
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        await type_text(pilot, "999999-0001")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert any("There is no ticket 999999-0001" in n for n in notes(app))
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.status == "open"


async def test_a_remote_session_remark_and_its_log_read_back_searched_and_saved(
        demo_desk: Desk, tmp_path: Path, clock: FixedClock) -> None:
    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                  description="LOS on port 3"))
    demo_desk.record(t, "remote_requested")
    demo_desk.record(t, "remote_approved", StepInput(approver="梁家豪", method="email"))
    demo_desk.record(t, "remote_response")
    log = tmp_path / "session.log"
    log.write_text("display alarm active\nALM-1001 LOS port 3\nreset board 3\n"
                   "display board 3\nboard 3 normal\n", encoding="utf-8")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from screens.ticket import show_ticket

        show_ticket(app.dashboard, t)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, StepForm)
        await pilot.press("tab")
        await type_text(pilot, str(log))
        await pilot.press("tab")
        await type_text(pilot, "board 3 reset")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.view is not None
        assert screen.view.timeline[-1].detail == (
            "command log attached (5 lines) · session.log · board 3 reset")
        await pilot.press("A")
        await settle(pilot)
        viewer = app.screen
        assert isinstance(viewer, AttachmentViewer)
        area = viewer.query_one("#attachment-text", TextArea)
        assert area.read_only and area.text.startswith("display alarm active")
        await type_text(pilot, "board")
        await settle(pilot)
        status = str(viewer.query_one("#attachment-status").render())
        assert status == "match 1 of 3 · line 3"
        assert area.selected_text == "board"
        await pilot.press("enter")
        assert str(viewer.query_one("#attachment-status").render()) == "match 2 of 3 · line 4"
        await pilot.press("shift+f3", "shift+f3")
        assert str(viewer.query_one("#attachment-status").render()) == "match 3 of 3 · line 5"
        # save: the suggested name is the default; another path typed instead
        await pilot.press("ctrl+s")
        await settle(pilot)
        ask = app.screen
        assert isinstance(ask, AskText)
        field = ask.query_one("#ask-text", Input)
        assert Path(field.value).name.startswith(f"{number_of(demo_desk, t)}-command-log-")
        field.value = str(tmp_path / "out.log")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is viewer
        assert (tmp_path / "out.log").read_text(encoding="utf-8") == log.read_text(
            encoding="utf-8")
        # again to the same file: refused, said, the file as it was
        await pilot.press("ctrl+s")
        await settle(pilot)
        app.screen.query_one("#ask-text", Input).value = str(tmp_path / "out.log")
        await pilot.press("enter")
        await settle(pilot)
        assert any("already exists" in n for n in notes(app))
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


def test_find_all_is_case_blind_and_finds_every_occurrence() -> None:
    assert find_all("Board board\nno\nBOARD", "board") == [(0, 0), (0, 6), (2, 0)]
    assert find_all("aaa", "aa") == [(0, 0)]
    assert find_all("text", "") == []
