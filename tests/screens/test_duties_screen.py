"""The Duties screen driven by keyboard on a fake clock: open, order, colours, Enter to
the ticket, the contract filter, recording a duty and bad input refused in words."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.errors import InputError
from hotline.store.models import Contract, SlaClock, Ticket
from screens.app import HotlineApp
from screens.duties import DutiesScreen, DutyForm, read_new_duty
from screens.ticket import TicketScreen
from screens.widgets.live_table import BREACH_STYLE, OK_STYLE, WARN_STYLE, Countdown, LiveTable
from tests.screens.test_dashboard import cell_text, settle, type_text
from tests.support import START, TZ

SIZE = (120, 35)
GD1 = "GD-TX-2026-001"
GD2 = "GD-TX-2026-002"
STD = "STD-2026-010"


def add_duty(desk: Desk, number: str, kind: str, contract: str, subject: str, *,
             due: datetime | None, warn: datetime | None = None, target: str = "",
             planned: datetime | None = None, opened: datetime = START - timedelta(days=3)
             ) -> int:
    """A duty as the SLA evaluation leaves it: its next clock and due time on the ticket."""
    with Session(desk.engine) as s:
        c = s.exec(select(Contract).where(Contract.code == contract)).one()
        t = Ticket(number=number, kind=kind, policy=c.policy, grade=c.grade,
                   customer_id=c.customer_id, contract_id=c.id, opened_at=opened,
                   opened_by="zhangwei", description=subject, planned_at=planned,
                   next_due_at=due, next_clock=target if due else None)
        s.add(t)
        s.flush()
        assert t.id is not None
        if due is not None:
            s.add(SlaClock(ticket_id=t.id, key=target, target=target.split("#")[0],
                           started_at=opened, due_at=due,
                           warn_at=warn or due, state="running"))
        s.commit()
        return t.id


def duty_desk(desk: Desk, now: datetime = START) -> dict[str, int]:
    """Four duties around ``now``: one breached, one warned, one in time, one with
    nothing due."""
    h = timedelta(hours=1)
    opened = now - timedelta(days=3)
    return {
        "inspection": add_duty(desk, "DT-0001", "inspection", GD1, "福田机房半年巡检",
                               due=now + 2 * h, warn=now + h, target="inspection",
                               planned=now + 2 * h, opened=opened),
        "document": add_duty(desk, "DT-0002", "document_request", GD2, "设备手册 V3",
                             due=now + h / 2, warn=now - h / 6, target="document_delivery",
                             opened=opened),
        "meeting": add_duty(desk, "DT-0003", "meeting", STD, "月度生产例会",
                            due=now - h, warn=now - 2 * h, target="meeting_reply#2",
                            opened=opened),
        "upgrade": add_duty(desk, "DT-0004", "upgrade_request", GD1, "网管软件升级",
                            due=None, opened=opened),
    }


def duty_rows(app: HotlineApp) -> list[list[str]]:
    table = app.screen.query_one("#duties", LiveTable)
    return [[cell_text(c) for c in table.get_row(k)] for k in table.keys]


def countdown(app: HotlineApp, number: str) -> Countdown:
    table = app.screen.query_one("#duties", LiveTable)
    for key in table.keys:
        if cell_text(table.get_cell(key, "ticket")) == number:
            cell = table.get_cell(key, "left")
            value = getattr(cell, "value", cell)
            assert isinstance(value, Countdown)
            return value
    raise AssertionError(number)


async def open_duties(pilot, key: str = "f7") -> DutiesScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DutiesScreen)
    return screen


async def test_duties_listed_soonest_due_first_coloured_as_the_work_list(
        demo_desk: Desk, clock: FixedClock) -> None:
    duty_desk(demo_desk)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_duties(pilot)
        rows = duty_rows(app)
        # breached first, then by due time; the duty with nothing due comes last
        assert [r[6] for r in rows] == ["DT-0003", "DT-0002", "DT-0001", "DT-0004"]
        assert [r[0] for r in rows] == ["-1:00:00", "30:00", "2:00:00", "—"]
        assert rows[0][2] == "Meeting" and rows[0][4] == STD
        assert rows[0][3] == "Meeting item reply 2"
        assert rows[3][3] == "nothing due"
        assert countdown(app, "DT-0003").style() == BREACH_STYLE
        assert countdown(app, "DT-0002").style() == WARN_STYLE
        assert countdown(app, "DT-0001").style() == OK_STYLE
        title = app.screen.query_one("#duties-title").render()
        assert "4 duties" in str(title) and "1 past due" in str(title)
        # an hour and a half later the inspection is warned and the document breached
        clock.advance(minutes=90)
        app.refresh_now()
        await settle(pilot)
        assert countdown(app, "DT-0001").style() == WARN_STYLE
        assert countdown(app, "DT-0002").style() == BREACH_STYLE
        assert "2 past due" in str(app.screen.query_one("#duties-title").render())
        assert duty_rows(app)[2][0] == "30:00"


async def test_rows_are_kept_by_key_and_only_what_changed_is_new(demo_desk: Desk,
                                                                  clock: FixedClock) -> None:
    duty_desk(demo_desk)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_duties(pilot)
        table = screen.query_one("#duties", LiveTable)
        before = {key: table.get_row(key) for key in table.keys}
        app.tick()  # a second: the countdowns are drawn again, the rows stay
        await settle(pilot)
        assert all(table.get_row(k)[0] is before[k][0] for k in before)
        h = timedelta(hours=1)
        add_duty(demo_desk, "DT-0005", "document_request", STD, "接口文档",
                 due=START + 3 * h, warn=START + 2 * h, target="document_delivery")
        screen.refresh_data()
        await settle(pilot)
        assert [cell_text(table.get_cell(k, "ticket")) for k in table.keys] == [
            "DT-0003", "DT-0002", "DT-0001", "DT-0005", "DT-0004"]
        # the rows that did not change are the very same cells
        assert all(table.get_row(k)[0] is before[k][0] for k in before)


async def test_a_change_at_the_desk_brings_the_list_up_to_date(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_duties(pilot)
        assert duty_rows(app) == []
        # another seat records a duty: the desk reads itself again, and so does the list
        add_duty(demo_desk, "DT-0009", "document_request", GD1, "资料",
                 due=START + timedelta(days=2), target="document_delivery")
        app.reload()
        await settle(pilot)
        assert [r[6] for r in duty_rows(app)] == ["DT-0009"]


async def test_enter_opens_the_duty_ticket_and_esc_comes_back(demo_desk: Desk) -> None:
    ids = duty_desk(demo_desk)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_duties(pilot, "U")
        await pilot.press("down")  # the document request
        await pilot.press("enter")
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        assert ticket.ticket_id == ids["document"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("o")  # o opens it too (the cursor stayed)
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.ticket_id == ids["document"]


async def test_f_shows_one_contract_at_a_time(demo_desk: Desk) -> None:
    duty_desk(demo_desk)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_duties(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert [r[6] for r in duty_rows(app)] == ["DT-0001", "DT-0004"]  # GD1's
        assert GD1 in str(app.screen.query_one("#duties-title").render())
        await pilot.press("F")
        await settle(pilot)
        assert len(duty_rows(app)) == 4  # back to all contracts


async def test_the_palette_and_the_help_know_the_duties(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.dashboard)}
        assert "Duties" in titles
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "Duties")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DutiesScreen)
        # with the screen open, the palette offers its own actions
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"New duty", "Open ticket", "Contract"} <= titles
        await pilot.press("f1")
        await settle(pilot)
        rows = app.screen.key_rows  # type: ignore[attr-defined]
        assert ("Everywhere", "F7, U", "Duties", "app.duties") in rows
        assert any(r[0] == "Duties" and r[3] == "duties.new" for r in rows)


async def test_a_duty_recorded_from_the_screen_is_listed_with_its_clock(
        demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_duties(pilot)
        assert duty_rows(app) == []
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DutyForm)
        form.query_one("#duty-kind").value = "document_request"  # type: ignore[attr-defined]
        form.query_one("#duty-contract").value = GD1  # type: ignore[attr-defined]
        form.query_one("#duty-subject").focus()
        await type_text(pilot, "SDH manual V3")
        await pilot.press("ctrl+s")  # requested now: Wed 2026-11-25 10:00
        await settle(pilot)
        assert app.screen is screen
        with Session(demo_desk.engine) as s:
            duty = s.exec(select(Ticket).where(Ticket.kind == "document_request")).one()
            assert duty.description == "SDH manual V3" and duty.planned_at is None
            # 5 working days after the request: Thu 26, Fri 27, Mon 30, Tue 1, Wed 2 —
            # due at 24:00 of Wednesday 2 December
            assert duty.next_clock == "document_delivery"
            assert duty.next_due_at == datetime(2026, 12, 3, 0, 0, tzinfo=TZ)
        [row] = duty_rows(app)
        assert row[2] == "Document request" and row[4] == GD1 and row[7] == "SDH manual V3"
        assert row[6] == duty.number
        # a planned inspection takes its planned time
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DutyForm)
        form.query_one("#duty-kind").value = "inspection"  # type: ignore[attr-defined]
        form.query_one("#duty-contract").value = GD2  # type: ignore[attr-defined]
        form.query_one("#duty-subject").value = "禅城汇聚机房巡检"  # type: ignore[attr-defined]
        form.query_one("#duty-when").value = "2026-12-31 09:00"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        with Session(demo_desk.engine) as s:
            inspection = s.exec(select(Ticket).where(Ticket.kind == "inspection")).one()
            assert inspection.planned_at == datetime(2026, 12, 31, 9, 0, tzinfo=TZ)
        assert len(duty_rows(app)) == 2
        # an inspection the customer asked for counts from the request (now)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DutyForm)
        form.query_one("#duty-kind").value = "inspection"  # type: ignore[attr-defined]
        form.query_one("#duty-contract").value = GD1  # type: ignore[attr-defined]
        form.query_one("#duty-subject").value = "光缆割接后巡检"  # type: ignore[attr-defined]
        form.query_one("#duty-on-request").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        with Session(demo_desk.engine) as s:
            asked = s.exec(select(Ticket).where(Ticket.description == "光缆割接后巡检")).one()
            assert asked.planned_at is None and "on_request" in asked.conditions
            assert asked.opened_at == START
        assert len(duty_rows(app)) == 3


def ticket_count(desk: Desk) -> int:
    with Session(desk.engine) as s:
        return int(s.exec(select(func.count()).select_from(Ticket)).one())


async def test_bad_input_is_refused_in_words_and_nothing_is_written(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    before = ticket_count(demo_desk)
    async with app.run_test(size=SIZE) as pilot:
        await open_duties(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DutyForm)

        def error() -> str:
            return str(form.query_one("#duty-error").render())

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error() == "Choose the kind of duty."
        form.query_one("#duty-kind").value = "inspection"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error() == "Choose the contract the duty is under."
        form.query_one("#duty-contract").value = GD1  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error() == "Say what the duty is about (the subject)."
        form.query_one("#duty-subject").value = "半年巡检"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error() == "Inspection: give its planned date and time (YYYY-MM-DD HH:MM)."
        form.query_one("#duty-when").value = "2026-13-40 25:00"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "2026-13-40 25:00" in error() and app.screen is form
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DutiesScreen)
    assert ticket_count(demo_desk) == before


async def test_the_reports_screen_shows_the_duties_of_the_month() -> None:
    from textual.widgets import DataTable

    from tests.reports.test_duty_figures import duty_scene

    desk = duty_scene()  # its clock: 2026-12-03, so F5 shows December
    try:
        app = HotlineApp(desk, live=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f5")
            await settle(pilot)
            table = app.screen.query_one("#rep-figures", DataTable)
            shown = {str(k.value): [cell_text(c).strip() for c in table.get_row(k)]
                     for k in table.rows}
            assert shown["section:duties"][0] == "Contract duties"
            # M1's second reply, breached on 2 December, and its point
            assert shown["duties.breached"] == ["Duties breached", "1"]
            assert shown["duties.points_by_rule.meeting_followup_late"][1] == "-1"
    finally:
        desk.engine.dispose()


@settings(max_examples=200, deadline=None)
@example(kind="inspection", contract=GD1, subject="\ud800", when="2026-12-01 09:00")
@example(kind="inspection", contract=GD1, subject="a\x00b", when="2026-12-01 09:00")
@example(kind="meeting", contract=GD1, subject="x", when="0001-01-01 00:00")
@example(kind="meeting", contract=GD1, subject="x", when="9999-12-31 23:59")
@example(kind="document_request", contract=GD1, subject="x" * 201, when="")
@example(kind="document_request", contract=GD1, subject="x", when="99999999999999999999:00")
@given(kind=st.sampled_from(["inspection", "meeting", "document_request", "", "fault",
                             "inspection\x00"]),
       contract=st.sampled_from([GD1, "", "\x00"]),
       subject=st.text(max_size=300), when=st.text(max_size=40))
def test_the_form_reader_refuses_only_in_its_own_words(kind: str, contract: str,
                                                       subject: str, when: str) -> None:
    now = START
    try:
        duty = read_new_duty(kind, contract, subject, when, tz=TZ, now=now)
    except InputError as exc:
        assert str(exc)
        return
    assert duty.subject == subject.strip() and 0 < len(duty.subject) <= 200
    assert "\x00" not in duty.subject and duty.when.tzinfo is not None


def test_the_form_reader_takes_the_years_the_desk_takes() -> None:
    for text in ("0001-01-01 00:00", "9999-12-31 23:59", "99999-01-01 00:00"):
        try:
            read_new_duty("inspection", GD1, "x", text, tz=TZ, now=START)
        except InputError as exc:
            assert text in str(exc) or "year" in str(exc).lower()
    duty = read_new_duty("document_request", GD1, " 手册 ", "", tz=TZ, now=START)
    assert duty.when == START and duty.subject == "手册" and not duty.planned
    asked = read_new_duty("inspection", GD1, "x", "", tz=TZ, now=START, on_request=True)
    assert asked.when == START and not asked.planned
    try:
        read_new_duty("meeting", GD1, "x", "", tz=TZ, now=START, on_request=True)
    except InputError as exc:
        assert str(exc) == "Only an inspection is asked for on request."
    else:
        raise AssertionError("a meeting on request was taken")


async def test_readable_at_80_by_24_in_chinese_too(demo_desk: Desk) -> None:
    from rich.cells import cell_len

    from hotline.i18n import set_language

    duty_desk(demo_desk)
    for lang in ("en", "zh_CN"):
        set_language(lang)
        app = HotlineApp(demo_desk, live=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_duties(pilot)
            table = screen.query_one("#duties", LiveTable)
            # the least needed columns give way; the countdown, duty, next and contract stay
            assert table.hidden_columns == ["due", "planned", "ticket"]
            assert table.virtual_size.width <= table.size.width
            title = str(screen.query_one("#duties-title").render())
            assert cell_len(title) <= 80 and ("4" in title)
            assert table.row_count == 4
    set_language("en")
