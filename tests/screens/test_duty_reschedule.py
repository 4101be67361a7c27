"""Rescheduling a duty from its ticket screen: the step form's new-planned-date field,
passed to the same core step as ``hotline duties reschedule``; bad dates refused in
words with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from hotline.desk.operations import Desk
from hotline.errors import InputError
from hotline.store.models import Event, Ticket
from screens.app import HotlineApp
from screens.step_form import StepForm, parse_planned
from screens.ticket import TicketScreen
from tests.screens.test_dashboard import settle, type_text
from tests.screens.test_duties_screen import SIZE, duty_desk, open_duties
from tests.support import START, TZ


def planned_of(desk: Desk, ticket_id: int) -> datetime | None:
    with Session(desk.engine) as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        return t.planned_at


def events(desk: Desk) -> int:
    with Session(desk.engine) as s:
        return s.exec(select(func.count()).select_from(Event)).one()


async def open_reschedule(pilot, app: HotlineApp,
                          ticket_id: int) -> StepForm:  # type: ignore[no-untyped-def]
    await open_duties(pilot, "U")
    await pilot.press("down", "down", "enter")  # breached meeting, document, inspection
    await settle(pilot)
    ticket = app.screen
    assert isinstance(ticket, TicketScreen)
    assert ticket.ticket_id == ticket_id
    ticket.action_step("rescheduled")
    await settle(pilot)
    form = app.screen
    assert isinstance(form, StepForm)
    return form


async def test_reschedule_from_the_ticket_screen(demo_desk: Desk) -> None:
    ids = duty_desk(demo_desk)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_reschedule(pilot, app, ids["inspection"])
        await type_text(pilot, "2026-12-20 09:30")
        await pilot.press("tab")
        await type_text(pilot, "customer asked")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    planned = planned_of(demo_desk, ids["inspection"])
    assert planned is not None
    want = datetime(2026, 12, 20, 9, 30, tzinfo=TZ).astimezone(UTC)
    if planned.tzinfo is None:  # SQLite hands back naive UTC
        planned = planned.replace(tzinfo=UTC)
    assert planned == want, planned


@pytest.mark.parametrize("text", ["2026-13-40", "9999-01-01", "0001-01-01", "soon",
                                  "2099-01-01 00:00", "2026-06-30\x00"])
async def test_bad_dates_are_refused_in_words_and_nothing_is_written(
        demo_desk: Desk, text: str) -> None:
    ids = duty_desk(demo_desk)
    before = planned_of(demo_desk, ids["inspection"])
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_reschedule(pilot, app, ids["inspection"])
        written = events(demo_desk)
        form.query_one("#planned").value = text  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        shown = str(form.query_one("#step-error").render())
        assert "New planned date" in shown
        assert events(demo_desk) == written
    assert planned_of(demo_desk, ids["inspection"]) == before


async def test_a_blank_date_is_asked_for(demo_desk: Desk) -> None:
    ids = duty_desk(demo_desk)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_reschedule(pilot, app, ids["inspection"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "Give the new planned date." in str(form.query_one("#step-error").render())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
@example("0001-01-01")
@example("9999-12-31 23:59")
@example("2026-06-30\x00")
@example("\ud800")
@example("9" * 5000)
def test_parse_planned_raises_only_its_own_error(text: str) -> None:
    try:
        value = parse_planned(text, TZ, START)
    except InputError as exc:
        assert str(exc).startswith("New planned date")
        return
    if value is not None:
        assert value.tzinfo is not None
        assert 2000 <= value.year <= 2098
    else:
        assert not text.strip()


def header_text(screen: TicketScreen) -> str:
    return " ".join(str(w.render()) for w in screen.query("Static"))


async def test_the_ticket_screen_shows_the_planned_date_and_the_new_one(
        demo_desk: Desk) -> None:
    ids = duty_desk(demo_desk)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_reschedule(pilot, app, ids["inspection"])
        ticket = app.screen_stack[-2]
        assert isinstance(ticket, TicketScreen)
        # the inspection is planned two hours after START (10:00 in the desk's zone)
        assert "planned 12:00" in header_text(ticket)
        form.query_one("#planned").value = "2026-12-20 09:30"  # type: ignore[attr-defined]
        form.query_one("#text").value = "customer asked"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is ticket, str(form.query_one("#step-error").render())
        shown = header_text(ticket)
        assert "planned 12-20 09:30" in shown
        assert "planned 12:00" not in shown


@pytest.mark.parametrize(("what", "lang", "want"), [
    ("item_raised", "en", "Item raised at the meeting *"),
    ("item_raised", "zh_CN", "会上提出事项 *"),
    ("item_replied", "en", "Answer given"),
    ("item_replied", "zh_CN", "答复内容"),
    ("rescheduled", "en", "Reason *"),
    ("rescheduled", "zh_CN", "原因 *"),
])
def test_duty_steps_name_their_text_field(what: str, lang: str, want: str) -> None:
    from hotline.i18n import _, current_language, set_language
    from screens.step_form import REMARK, TEXT_LABELS

    label, required = TEXT_LABELS[what]
    assert label != REMARK
    before = current_language()
    set_language(lang)
    try:
        assert _(label) + (" *" if required else "") == want
    finally:
        set_language(before)
