"""The supervisor's screens driven by keyboard: queue, re-alert bell, handover, palette, help."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session, col, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.i18n import set_language
from hotline.store.models import Escalation, Handover
from hotline.supervision.crew import crew_of, set_crew
from hotline.supervision.rota import rota_for
from screens.app import HotlineApp
from screens.dialogs import AskText, Confirm
from screens.escalations import EscalationQueueScreen, PickEngineer
from screens.handover import CrewDialog, HandoverScreen, NoteEditor
from screens.widgets.live_table import LiveTable
from tests.screens.test_dashboard import cell_text, settle, type_text
from tests.support import START

SIZE = (120, 35)
GD_NUMBER = "13902251234"


def queue_rows(app: HotlineApp) -> list[list[str]]:
    table = app.screen.query_one("#queue", LiveTable)
    return [[cell_text(c) for c in table.get_row(k)] for k in table.keys]


def escalation_rows(desk: Desk) -> list[Escalation]:
    with Session(desk.engine) as s:
        return list(s.exec(select(Escalation).order_by(col(Escalation.id))).all())


def late_call(desk: Desk, clock: FixedClock, number: str = GD_NUMBER) -> None:
    desk.ring(number)
    clock.advance(seconds=31)
    desk.evaluate()


async def open_queue(pilot) -> EscalationQueueScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, EscalationQueueScreen)
    return screen


async def test_acknowledge_reassign_and_note_from_the_queue(demo_desk: Desk,
                                                            clock: FixedClock) -> None:
    late_call(demo_desk, clock)
    late_call(demo_desk, clock, "13800138000")
    set_crew(demo_desk, rota_for(demo_desk.settings).at(clock.now()),
                    supervisor="wangqiang", engineers=["lina", "chenhao"])
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        rows = queue_rows(app)
        assert [r[0] for r in rows] == ["●", "●"]
        # overdue counts up, positive: 32 s past the answer target
        assert rows[0][1] == "00:32" and rows[0][3] == "Call not answered in time"
        assert rows[0][4] == "139 0225 1234" and rows[1][4] == "138 0013 8000"
        # k: acknowledge the first with a note
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, AskText)
        await type_text(pilot, "busy line")
        await pilot.press("enter")
        await settle(pilot)
        first, second = escalation_rows(demo_desk)
        assert first.acknowledged_by == "zhangwei" and first.note == "busy line"
        assert len(queue_rows(app)) == 1
        # r: reassign the other to an engineer on duty
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PickEngineer)
        await pilot.press("down", "enter")  # wangqiang, lina, chenhao: lina
        await settle(pilot)
        assert isinstance(app.screen, AskText)
        await type_text(pilot, "please call back")
        await pilot.press("enter")
        await settle(pilot)
        assert escalation_rows(demo_desk)[1].assigned_to == "lina"
        rows = queue_rows(app)
        assert rows[0][6] == "lina" and rows[0][8] == "zhangwei: please call back"
        # n: a note; the detail panel tells the story
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "customer reached")
        await pilot.press("enter")
        await settle(pilot)
        detail = str(app.screen.query_one("#queue-detail").render())
        assert "reassigned to lina: please call back" in detail
        assert "note: customer reached" in detail
        # a: show what was acknowledged too; f: filter by kind
        await pilot.press("a")
        await settle(pilot)
        assert [r[0] for r in queue_rows(app)] == ["●", "✓"]
        await pilot.press("f", "f")  # every kind → unanswered calls → callbacks overdue
        await settle(pilot)
        assert queue_rows(app) == []
        assert second.acknowledged_at is None
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.dashboard


async def test_the_story_of_an_item_says_how_long_ago(demo_desk: Desk,
                                                      clock: FixedClock) -> None:
    late_call(demo_desk, clock)  # raised at 10:00:30, re-alerts every 30 minutes
    clock.set(START + timedelta(hours=2, minutes=5, seconds=30))
    demo_desk.evaluate()
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        detail = str(app.screen.query_one("#queue-detail").render())
        assert "(2 hours ago)  system  raised: Call not answered in time" in detail
        assert "(5 minutes ago)  system  re-alerted: unacknowledged for 2 hours" in detail
        clock.advance(minutes=10)  # redrawn every second: the words follow the clock
        app.tick()
        detail = str(app.screen.query_one("#queue-detail").render())
        assert "(15 minutes ago)  system  re-alerted: unacknowledged for 2 hours" in detail


async def test_the_story_of_an_item_in_chinese(demo_desk: Desk, clock: FixedClock) -> None:
    set_language("zh_CN")
    late_call(demo_desk, clock)
    clock.set(START + timedelta(minutes=95, seconds=30))
    demo_desk.evaluate()
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)  # the story is read in a worker thread
        detail = str(app.screen.query_one("#queue-detail").render())
        assert "（2小时前）  system  " in detail
        assert "（5分钟前）  system  再次提醒：已1小时30分钟未确认" in detail


async def test_acknowledge_everything_shown(demo_desk: Desk, clock: FixedClock) -> None:
    for number in (GD_NUMBER, "13800138000", "18620001234"):
        late_call(demo_desk, clock, number)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("K")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        await type_text(pilot, "storm")
        await pilot.press("enter")
        await settle(pilot)
        assert all(e.note == "storm" for e in escalation_rows(demo_desk))
        assert queue_rows(app) == []


async def test_open_the_ticket_of_an_escalation(demo_desk: Desk, clock: FixedClock) -> None:
    call = demo_desk.ring(GD_NUMBER).call_id
    clock.advance(seconds=40)
    demo_desk.evaluate()
    demo_desk.answer(call)
    ticket = demo_desk.log_call(Intake(number=GD_NUMBER, kind="fault", level=1,
                                       description="ring down"), call)
    clock.advance(hours=3, minutes=1)
    demo_desk.evaluate()
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        # first row: the call (most overdue); o explains there is no ticket
        assert queue_rows(app)[0][3] == "Call not answered in time"
        await pilot.press("o")
        await settle(pilot)
        assert app.screen is screen
        assert any("is about a call (139 0225 1234), not a ticket" in n.message
                   for n in app._notifications)
        await pilot.press("down")
        await pilot.press("o")
        await settle(pilot)
        from screens.ticket import TicketScreen

        assert isinstance(app.screen, TicketScreen)
        assert app.screen.ticket_id == ticket


async def test_a_realert_rings_the_bell_and_says_what(demo_desk: Desk,
                                                      clock: FixedClock) -> None:
    late_call(demo_desk, clock)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.bells == 0  # what was already waiting does not ring at start
        clock.set(START + timedelta(minutes=30, seconds=31))
        app.refresh_now()
        app.check_alerts()
        await settle(pilot)
        assert app.bells == 1
        texts = [n.message for n in app._notifications]
        assert any("Still unacknowledged after 30 minutes: Call not answered in time · "
                   "139 0225 1234" in t for t in texts)
        app.check_alerts()
        await settle(pilot)
        assert app.bells == 1  # each re-alert rings once


async def test_many_realerts_make_one_notice(demo_desk: Desk, clock: FixedClock) -> None:
    for number in ("13902251234", "13902251235", "13902251236", "13902251237",
                   "13902251238"):
        demo_desk.ring(number)
    clock.advance(seconds=31)
    demo_desk.evaluate()
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        clock.set(START + timedelta(minutes=30, seconds=31))
        app.refresh_now()
        app.check_alerts()
        await settle(pilot)
        assert app.bells == 1
        realerts = [n for n in app._notifications if n.title == "Re-alert"]
        assert len(realerts) == 1  # one notice, not a stack covering the dashboard
        lines = realerts[0].message.splitlines()
        assert len(lines) == 4
        assert all(line.startswith("Still unacknowledged after 30 minutes") for line in lines[:3])
        assert lines[3] == "… and 2 more escalations re-alerted (F3)."


async def test_the_bell_can_be_turned_off(demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.settings = replace(demo_desk.settings, bell=False)
    late_call(demo_desk, clock)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        clock.set(START + timedelta(minutes=31))
        app.refresh_now()
        app.check_alerts()
        await settle(pilot)
        assert app.bells == 0
        assert any("Still unacknowledged" in n.message for n in app._notifications)


async def test_the_shift_is_handed_over_without_paper(demo_desk: Desk,
                                                      clock: FixedClock) -> None:
    late_call(demo_desk, clock)
    clock.set(START.replace(hour=15, minute=50))
    demo_desk.actor = "wangqiang"
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Day shift 08:00–16:00" in (app.shift_text or "")
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen)
        assert screen.state is not None and screen.state.outgoing.key == "2026-11-25/day"
        # c: who is on duty now
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CrewDialog)
        await type_text(pilot, "wangqiang")
        await pilot.press("tab")
        await type_text(pilot, "zhangwei,lina")
        await pilot.press("enter")
        await settle(pilot)
        crew = crew_of(demo_desk.engine, screen.state.outgoing)
        assert [m.login for m in crew.members] == ["wangqiang", "zhangwei", "lina"]
        assert app.shift_text == "Day shift 08:00–16:00 · 王强"
        # w: the note; Ctrl+S hands over
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "One call waiting since 10:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with Session(demo_desk.engine) as s:
            [h] = s.exec(select(Handover)).all()
        assert (h.written_by, h.note, h.unacknowledged) == (
            "wangqiang", "One call waiting since 10:00", 1)
        state = str(screen.query_one("#handover-state").render())
        assert "waiting for the incoming supervisor" in state
        # t by the one who wrote it is refused, with the reason
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert any("You wrote this handover" in n.message for n in app._notifications)
        # the incoming supervisor signs in at this seat and takes over
        demo_desk.actor = "liujing"
        clock.set(START.replace(hour=16, minute=1))
        screen.refresh_data()
        await settle(pilot)
        state = str(screen.query_one("#handover-state").render())
        assert "Handover from wangqiang" in state and "press t" in state
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "ok")
        await pilot.press("enter")
        await settle(pilot)
        with Session(demo_desk.engine) as s:
            [h] = s.exec(select(Handover)).all()
        assert (h.accepted_by, h.accept_note) == ("liujing", "ok")
        assert screen.state is not None and screen.state.pending is None
        # h: the history of handovers
        await pilot.press("h")
        await settle(pilot)
        from textual.widgets import DataTable

        history = screen.query_one("#ho-history", DataTable)
        assert history.row_count == 1
        assert "liujing" in str(history.get_row_at(0)[3])


async def test_every_supervisor_key_is_in_the_palette_and_the_help(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Escalation queue", "Shift handover", "Reports"} <= set(titles)
        await pilot.press("f3")
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Acknowledge", "Reassign", "Note", "Open ticket"} <= set(titles)
        await pilot.press("f1")
        await settle(pilot)
        from screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        ids = {row[3] for row in app.screen.key_rows}
        assert {"app.escalations", "app.handover", "app.reports", "escalations.acknowledge",
                "escalations.reassign", "handover.write", "handover.take_over",
                "reports.month", "reports.export"} <= ids


async def test_the_small_terminal(demo_desk: Desk, clock: FixedClock) -> None:
    late_call(demo_desk, clock)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        assert len(queue_rows(app)) == 1
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        await pilot.press("f5")
        await settle(pilot)
        from screens.reports import ReportsScreen

        screen = app.screen
        assert isinstance(screen, ReportsScreen) and screen.has_class("narrow")
        assert not screen.query_one("#rep-charts").display
        await pilot.press("g")
        await settle(pilot)
        assert screen.query_one("#rep-charts").display
        assert not screen.query_one("#rep-figures-panel").display
        # F3 from here goes back down the stack to the queue already open
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, EscalationQueueScreen)
        assert sum(isinstance(s, EscalationQueueScreen) for s in app.screen_stack) == 1


async def test_with_nobody_on_duty_reassigning_offers_every_engineer(demo_desk: Desk,
                                                                    clock: FixedClock) -> None:
    from hotline.desk.roster import engineers

    late_call(demo_desk, clock)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot)
        assert screen.on_duty is not None and not screen.on_duty.members  # nobody set
        await pilot.press("r")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickEngineer)
        logins = sorted(m.login for m in picker._members)
        assert logins == sorted(e.login for e in engineers(demo_desk.engine)) and logins
