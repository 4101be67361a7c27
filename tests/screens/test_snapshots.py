"""What the desk's screens look like, at 120×35 and 80×24, in English and Chinese (Textual
is pinned).

The dashboard and the intake form are shown on a busy morning (tests.scenes.busy_morning);
every other screen at the end of the day shift (tests.scenes.end_of_day_shift), reached
by its keys as an engineer would. Nothing on screen may come from the wall clock: the
desk's clock is fixed, the wall clock is stopped at the same moment, ticket numbers and
call ids are the scene's own, and text cursors do not blink.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import time_machine
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.i18n import set_language
from screens.app import HotlineApp
from tests.scenes import SHIFT_END, busy_morning, end_of_day_shift
from tests.support import build_desk, make_settings

SIZE = (120, 35)
SMALL = (80, 24)
#: The keys that name characters a ticket number or a query is typed with.
KEY_NAMES = {" ": "space", "-": "minus", ":": "colon"}


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _quiet(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and their results are on screen.

    A screen's first read can start another (the escalation queue reads the selected
    item's history once the list is there): wait until two rounds in a row find none.
    """
    app = pilot.app
    idle = 0
    for _ in range(20):
        await app.workers.wait_for_complete()
        await pilot.pause()
        idle = idle + 1 if len(app.workers) == 0 else 0
        if idle == 2:
            break
    # A text cursor blinks on a timer: show it steadily, whenever the picture is taken.
    for field in app.screen.query("Input, TextArea"):
        assert isinstance(field, Input | TextArea)
        field.cursor_blink = False
    # Screens built ahead while the desk is quiet, and tables sizing their columns to the
    # rows just read, finish on later refreshes: let those run before the picture (a busy
    # machine once caught the wallboard's tables before their columns were sized).
    await pilot.wait_for_scheduled_animations()
    for _ in range(3):
        await pilot.pause()


async def _type(pilot: Pilot[None], text: str) -> None:
    for ch in text:
        await pilot.press(KEY_NAMES.get(ch, ch))


def _keys(*steps: str | tuple[str, ...]) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Press each step's keys (a string is typed), waiting for the desk after each."""

    async def run(pilot: Pilot[None]) -> None:
        await _quiet(pilot)
        for step in steps:
            if isinstance(step, str):
                await _type(pilot, step)
            else:
                await pilot.press(*step)
            await _quiet(pilot)

    return run


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("en")


@pytest.fixture
def frozen() -> Iterator[None]:
    """The wall clock stands at the scene's moment (the desk's own clock is fixed too)."""
    with time_machine.travel(SHIFT_END, tick=False):
        yield


@pytest.fixture(scope="module")
def shift_end_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The end of the day shift, built once for the tests of this module."""
    path = tmp_path_factory.mktemp("shift-end") / "desk.db"
    desk = end_of_day_shift(f"sqlite:///{path}")
    desk.engine.dispose()
    return path


def _shift_end(template: Path, tmp_path: Path, lang: str = "en") -> Desk:
    """A desk of its own on a copy of the scene's database, its clock at 15:45."""
    path = tmp_path / "desk.db"
    source, copy = sqlite3.connect(template), sqlite3.connect(path)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return build_desk(make_settings(f"sqlite:///{path}", lang=lang), FixedClock(SHIFT_END))


@pytest.fixture
def shift_end(shift_end_db: Path, tmp_path: Path, frozen: None) -> Iterator[Desk]:
    desk = _shift_end(shift_end_db, tmp_path)
    yield desk
    desk.engine.dispose()


@pytest.fixture
def shift_end_chinese(shift_end_db: Path, tmp_path: Path, frozen: None,
                      chinese: None) -> Iterator[Desk]:
    desk = _shift_end(shift_end_db, tmp_path, lang="zh_CN")
    yield desk
    desk.engine.dispose()


# --- the dashboard and the intake form, on a busy morning ----------------------------------


def test_dashboard_english(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(busy_morning(), live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle)


def test_dashboard_chinese(snap_compare, chinese: None) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(busy_morning(lang="zh_CN"), live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle)


def test_dashboard_small_terminal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(busy_morning(), live=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=_settle)


def test_dashboard_small_terminal_chinese(snap_compare,  # type: ignore[no-untyped-def]
                                          chinese: None) -> None:
    app = HotlineApp(busy_morning(lang="zh_CN"), live=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=_settle)


def test_intake_form(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def answer(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        await pilot.press("a")
        await _settle(pilot)

    app = HotlineApp(busy_morning(), live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=answer)


def test_intake_form_small_terminal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def answer(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        await pilot.press("a")
        await _settle(pilot)

    app = HotlineApp(busy_morning(), live=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=answer)


# --- every other screen, at the end of the day shift ---------------------------------------

#: Open ticket 261125-0005 (the level-1 fault worked all afternoon) through the search.
OPEN_TICKET = (("slash",), "261125-0005", ("down",), ("enter",))


def test_ticket(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(*OPEN_TICKET))


def test_ticket_chinese(snap_compare,  # type: ignore[no-untyped-def]
                        shift_end_chinese: Desk) -> None:
    app = HotlineApp(shift_end_chinese, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(*OPEN_TICKET))


def test_ticket_small_terminal(snap_compare,  # type: ignore[no-untyped-def]
                               shift_end: Desk) -> None:
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=_keys(*OPEN_TICKET))


def test_ticket_small_terminal_chinese(snap_compare,  # type: ignore[no-untyped-def]
                                       shift_end_chinese: Desk) -> None:
    app = HotlineApp(shift_end_chinese, live=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=_keys(*OPEN_TICKET))


def test_step_form(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    """p on 261125-0004 (remote support requested): the customer's approval, filled in."""
    steps = (("slash",), "261125-0004", ("down",), ("enter",), ("p",), "Wu Haifeng",
             ("tab",), ("e",))
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(*steps))


def test_search(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE,
                        run_before=_keys(("slash",), "kind:fault", ("down",)))


def test_directory(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(("f2",), ("3",)))


def test_directory_contact_form(snap_compare,  # type: ignore[no-untyped-def]
                                shift_end: Desk) -> None:
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE,
                        run_before=_keys(("f2",), ("3",), ("enter",)))


def test_escalation_queue(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(("f3",)))


def test_escalation_queue_chinese(snap_compare,  # type: ignore[no-untyped-def]
                                  shift_end_chinese: Desk) -> None:
    app = HotlineApp(shift_end_chinese, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(("f3",)))


def test_escalation_queue_with_acknowledged(snap_compare,  # type: ignore[no-untyped-def]
                                            shift_end: Desk) -> None:
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(("f3",), ("a",)))


def test_handover(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(("f4",)))


def test_reports(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(("f5",)))


def test_reports_charts_small_terminal(snap_compare,  # type: ignore[no-untyped-def]
                                       shift_end: Desk) -> None:
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=_keys(("f5",), ("g",)))


def test_help(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(("f1",)))


def test_sign_in(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False, sign_in=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys())


def test_duties(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    from tests.screens.test_duties_screen import duty_desk

    duty_desk(shift_end, SHIFT_END)
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(("f7",)))


# --- the wallboard (issue 18), at the end of the day shift ---------------------------------


def test_wall(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys(("f6",)))


def test_wall_small_terminal(snap_compare, shift_end: Desk) -> None:  # type: ignore[no-untyped-def]
    app = HotlineApp(shift_end, live=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=_keys(("f6",)))


def test_wall_chinese(snap_compare,  # type: ignore[no-untyped-def]
                      shift_end_chinese: Desk) -> None:
    app = HotlineApp(shift_end_chinese, live=False, wall=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys())
