"""The ticket screen by keyboard: open it, record steps through their forms, see refusals."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, select
from textual.widgets import Input

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.store.models import Event, Ticket
from screens.app import HotlineApp
from screens.search import SearchScreen
from screens.step_form import StepForm
from screens.ticket import TicketScreen
from screens.widgets.live_table import LiveTable
from tests.desk.test_ticket_steps import FIXED
from tests.screens.test_dashboard import SIZE, rows, settle, type_text, typed_ahead


def notes(app: HotlineApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_open_a_ticket_and_work_it_from_the_keyboard(demo_desk: Desk,
                                                           clock: FixedClock) -> None:
    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=1,
                                  description="ring down", promise_callback=True))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.ticket_id == t
        assert {r[1] for r in rows_of(screen)} >= {"Callback 1", "Restore"}
        # remote login before approval: refused, with what must come first
        await pilot.press("i")
        await settle(pilot)
        assert not isinstance(app.screen, StepForm)
        assert any("has not approved" in n or "approval" in n for n in notes(app))
        # request, approve (with a bad then a good form), log in
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, StepForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StepForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Who approved" in str(form.query_one("#step-error").render())
        await type_text(pilot, "Liang")
        await pilot.press("tab", "e", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("i", "ctrl+s")
        await settle(pilot)
        # a note, then back to the dashboard
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "board reset")
        await pilot.press("ctrl+s")
        await settle(pilot)
        table = screen.query_one("#ticket-timeline", LiveTable)
        timeline = [str(table.get_row(key)[2]) for key in table.keys]
        assert timeline[-4:] == ["Remote support requested", "Customer approved remote access",
                                 "Remote login", "Note"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.dashboard
    with Session(demo_desk.engine) as s:
        approved = s.exec(select(Event).where(Event.kind == "remote_approved")).one()
        assert '"approver": "Liang"' in approved.data and '"method": "email"' in approved.data
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.version == 5


def rows_of(screen: TicketScreen) -> list[list[str]]:
    from tests.screens.test_dashboard import cell_text

    table = screen.query_one("#ticket-clocks")
    return [[cell_text(c) for c in table.get_row(k)] for k in table.keys]  # type: ignore[attr-defined]


async def test_search_finds_a_ticket_by_number_and_opens_it(demo_desk: Desk) -> None:
    demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                              description="alarm storm"))
    t = demo_desk.log_call(Intake(number="13380012345", kind="consultation", level=None,
                                  description="how to back up the NMS"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await type_text(pilot, "133-8001-2345")
        await settle(pilot)
        results = app.screen.query_one("#search-results", LiveTable)
        assert results.row_count == 1
        # what the list shows is its title, drawn with its rows
        assert results.border_title == "1 ticket for “133-8001-2345”"
        await pilot.press("enter")  # to the list
        await pilot.press("enter")  # open
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == t


async def test_a_search_typed_ahead_finds_and_opens_the_ticket(demo_desk: Desk) -> None:
    t = demo_desk.log_call(Intake(number="13380012345", kind="consultation", level=None,
                                  description="how to back up the NMS"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        typed_ahead(app, "slash", *"13380012345")  # the number goes into the field
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one("#search-query", Input).value == "13380012345"
        assert app.screen.query_one("#search-results", LiveTable).row_count == 1
        await pilot.press("down", "slash")  # "/" here goes back to the field
        assert app.focused is app.screen.query_one("#search-query", Input)
        typed_ahead(app, "down", "enter")  # Enter lands on the list ↓ moved to
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == t


async def test_a_query_that_cannot_be_read_says_why_and_keeps_the_list(
        demo_desk: Desk) -> None:
    demo_desk.log_call(Intake(number="13380012345", kind="consultation", level=None,
                              description="how to back up the NMS"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "13380012345")
        await settle(pilot)
        results = app.screen.query_one("#search-results", LiveTable)
        assert results.row_count == 1
        query = app.screen.query_one("#search-query", Input)
        query.value = "13380012345 level:x"  # pasted
        await settle(pilot)
        status = str(app.screen.query_one("#search-status").render())
        assert "A level is a number, e.g. level:1." in status
        assert results.row_count == 1  # the last list that could be read stays
        assert results.border_title == "Earlier results: 1 ticket for “13380012345”"
        query.value = "13380012345"
        await settle(pilot)
        assert "level" not in str(app.screen.query_one("#search-status").render())
        assert results.border_title == "1 ticket for “13380012345”"
        query.value = "13380012399"
        await settle(pilot)
        assert results.row_count == 0
        assert results.border_title == "No ticket for “13380012399”"


async def test_the_dashboard_opens_the_ticket_of_an_escalation(demo_desk: Desk,
                                                               clock: FixedClock) -> None:
    t = demo_desk.log_call(Intake(number="13380012345", kind="fault", level=3,
                                  description="fan", promise_callback=True))
    clock.advance(minutes=31)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app, "escalations")
        await pilot.press("3", "o")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == t


async def test_a_panel_key_and_enter_typed_ahead_open_that_panels_row(demo_desk: Desk) -> None:
    t = demo_desk.log_call(Intake(number="13380012345", kind="fault", level=3,
                                  description="fan", promise_callback=True))
    demo_desk.ring("13902251234")  # the calls panel, focused at start, has a row too
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app, "calls") and rows(app, "work")
        typed_ahead(app, "2", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == t


async def test_a_seat_signs_in_from_the_roster(demo_desk: Desk) -> None:
    from screens.signin import SignInScreen

    demo_desk.signed_in = False
    demo_desk.actor = "root"
    demo_desk.settings = replace(demo_desk.settings, login=None)  # no --as: the roster
    app = HotlineApp(demo_desk, live=False, sign_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("slash", "f2")  # the desk's keys do not act before signing in
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("down", "enter")  # the roster is sorted by role, then login
        await settle(pilot)
        await pilot.press(*"demo1234", "enter")  # the demo secret
        await settle(pilot)
        assert app.screen is app.dashboard
    assert demo_desk.signed_in and demo_desk.actor != "root"
    with Session(demo_desk.engine) as s:
        ev = s.exec(select(Event).where(Event.kind == "signed_in")).one()
        assert ev.actor == demo_desk.actor


def test_signing_in_as_someone_off_the_roster_is_refused_as_a_wrong_secret(
        demo_desk: Desk) -> None:
    import pytest

    from hotline.accounts.accounts import SignInRefused

    with pytest.raises(SignInRefused) as unknown:
        demo_desk.sign_in("mallory", "demo1234")
    with pytest.raises(SignInRefused) as wrong:
        demo_desk.sign_in("lina", "not-the-secret")
    # the same words: trying logins tells nothing about which exist, nor lists them
    assert str(unknown.value) == str(wrong.value)
    assert "Unknown login or wrong secret" in str(wrong.value)
    assert "lina" not in str(unknown.value) and "zhangwei" not in str(unknown.value)


async def test_a_refused_step_names_its_time_in_the_desks_zone(demo_desk: Desk,
                                                              clock: FixedClock) -> None:
    from datetime import datetime

    from screens.ticket import show_ticket
    from tests.support import TZ

    clock.set(datetime(2026, 12, 6, 8, 30, tzinfo=TZ))  # 12-06 00:30 UTC
    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                  description="ring down"))
    demo_desk.record(t, "restore", FIXED)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        show_ticket(app.dashboard, t)
        await settle(pilot)
        await pilot.press("R")  # restore again
        await settle(pilot)
        assert not isinstance(app.screen, StepForm)
        assert "Service was already restored (12-06 08:30)." in notes(app)


async def test_the_sign_in_list_says_each_role_in_chinese(demo_desk: Desk) -> None:
    from textual.widgets import OptionList

    from hotline.i18n import set_language
    from screens.signin import SignInScreen

    demo_desk.signed_in = False
    set_language("zh_CN")
    try:
        app = HotlineApp(demo_desk, live=False, sign_in=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, SignInScreen)
            options = app.screen.query_one(OptionList)
            shown = " ".join(str(options.get_option_at_index(i).prompt)
                             for i in range(options.option_count))
            assert "值班工程师" in shown and "值班主管" in shown
            assert "duty engineer" not in shown and "shift supervisor" not in shown
    finally:
        set_language("en")


async def test_restore_asks_category_cause_and_solution(demo_desk: Desk) -> None:
    from textual.widgets import Select

    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=1,
                                  description="ring down"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StepForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose the fault category" in str(form.query_one("#step-error").render())
        category = form.query_one("#category", Select)
        assert category.has_focus
        # the prompt, then the Guangdong policy's hardware, fibre / line, software
        await pilot.press("enter", "down", "down", "down", "enter")
        await settle(pilot)
        assert category.value == "software"
        await pilot.press("tab")
        await type_text(pilot, "NE software hung")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "The solution is required" in str(form.query_one("#step-error").render())
        await pilot.press("tab")
        await type_text(pilot, "board reset")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    with Session(demo_desk.engine) as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.status == "restored"
        assert (ticket.fault_category, ticket.cause, ticket.solution) == (
            "software", "NE software hung", "board reset")


async def test_dispatch_chooses_an_engineer_of_the_roster(demo_desk: Desk) -> None:
    from textual.widgets import Select

    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=1,
                                  description="ring down"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StepForm)
        await type_text(pilot, "李伟")  # not a choice: nothing is typed into the field
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose the engineer" in str(form.query_one("#step-error").render())
        engineer = form.query_one("#engineer", Select)
        logins = [value for _label, value in engineer._options if isinstance(value, str)]
        assert "chenhao" in logins
        engineer.value = "chenhao"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    with Session(demo_desk.engine) as s:
        dispatched = s.exec(select(Event).where(Event.kind == "dispatched",
                                                Event.ticket_id == t)).one()
        assert '"engineer": "chenhao"' in dispatched.data


async def test_dispatch_lists_the_engineers_on_duty_now_first(demo_desk: Desk) -> None:
    from textual.widgets import Select

    from hotline.supervision.crew import set_crew
    from hotline.supervision.rota import rota_for

    rota = rota_for(demo_desk.settings)
    set_crew(demo_desk, rota.at(demo_desk.now()), supervisor="wangqiang",
             engineers=["lina"])
    demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=1,
                              description="ring down"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StepForm)
        engineer = form.query_one("#engineer", Select)
        options = [(str(label), value) for label, value in engineer._options
                   if isinstance(value, str)]
        assert [v for _l, v in options[:2]] == ["lina", "wangqiang"]
        assert all("on duty now" in label for label, _v in options[:2])
        assert "chenhao" in [v for _l, v in options[2:]]
        assert not any("on duty now" in label for label, _v in options[2:])


async def test_the_action_menu_leaves_out_the_steps_the_role_may_not_take(
        demo_desk: Desk) -> None:
    """The menu (m) asks the core's permission table: a duty engineer is not offered
    changing the fault level or pausing the clocks; a shift supervisor is."""
    from textual.widgets import OptionList

    from screens.ticket import StepMenu
    from tests.support import give_role

    t = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                  description="ring down"))
    app = HotlineApp(demo_desk, live=False)

    async def offered() -> set[str]:
        await pilot.press("m")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, StepMenu)
        options = menu.query_one("#steps", OptionList)
        ids = {str(options.get_option_at_index(i).id) for i in range(options.option_count)}
        await pilot.press("escape")
        await settle(pilot)
        return ids

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.ticket_id == t
        demo_desk.role = "supervisor"
        as_supervisor = await offered()
        assert {"level_set", "clock_paused", "note"} <= as_supervisor
        give_role(demo_desk, demo_desk.actor, "engineer")
        demo_desk.role = "engineer"
        as_engineer = await offered()
        assert "note" in as_engineer
        assert not as_engineer & {"level_set", "clock_paused", "clock_resumed"}
        assert as_supervisor - as_engineer == {"level_set", "clock_paused"}


async def test_the_panel_offers_a_pause_only_where_the_policy_allows_one(
        demo_desk: Desk) -> None:
    """Guangdong's clocks may not be paused: its ticket's panel does not offer z (the menu
    still lists it, and it is refused in words); a standard contract's ticket does."""
    from textual.widgets import Static

    from screens.ticket import show_ticket

    demo_desk.role = "supervisor"
    guangdong = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                          description="ring down"))
    standard = demo_desk.log_call(Intake(number="020-38881234", kind="fault", level=2,
                                         description="core switch down"))
    app = HotlineApp(demo_desk, live=False)
    panels: dict[int, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for ticket in (guangdong, standard):
            show_ticket(app.screen, ticket)  # type: ignore[arg-type]
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, TicketScreen) and screen.ticket_id == ticket
            panels[ticket] = str(screen.query_one("#ticket-next", Static).content)
            await pilot.press("escape")
            await settle(pilot)
    assert " z " not in panels[guangdong] and " l " in panels[guangdong]
    assert " z " in panels[standard]


async def test_the_panel_offers_only_the_steps_the_role_may_take(demo_desk: Desk) -> None:
    """Like the menu, the panel of next steps leaves out what the signed-in person's
    role may not record: no level (l) or pause (z) for a duty engineer."""
    from textual.widgets import Static

    from screens.ticket import show_ticket
    from tests.support import give_role

    ticket = demo_desk.log_call(Intake(number="020-38881234", kind="fault", level=2,
                                       description="core switch down"))
    app = HotlineApp(demo_desk, live=False)

    async def panel() -> str:
        show_ticket(app.screen, ticket)  # type: ignore[arg-type]
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        text = str(screen.query_one("#ticket-next", Static).content)
        await pilot.press("escape")
        await settle(pilot)
        return text

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        demo_desk.role = "supervisor"
        as_supervisor = await panel()
        give_role(demo_desk, demo_desk.actor, "engineer")
        demo_desk.role = "engineer"
        as_engineer = await panel()
    assert " z " in as_supervisor and " l " in as_supervisor
    assert " z " not in as_engineer and " l " not in as_engineer
    assert " R " in as_engineer  # restoring service is everyone's
