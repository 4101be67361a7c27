"""Another program holds the desk's SQLite file locked: the screen goes on.

A second process takes the write lock (``BEGIN IMMEDIATE``) and keeps it. Keys
must still draw their screens and the countdowns must still move, the blocked
operation must end with the database's own "busy" message once its wait is over,
and what was confirmed is either saved or said to have failed — never lost.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session, select

from hotline import demo
from hotline.clock import FixedClock
from hotline.config import Settings
from hotline.desk.operations import Desk, Intake
from hotline.store.models import Call, Event
from screens.app import HotlineApp
from screens.dialogs import Confirm
from screens.operations import is_pending
from screens.search import SearchScreen
from screens.step_form import StepForm
from screens.ticket import TicketScreen, show_ticket
from tests.screens.test_dashboard import SIZE, rows, settle, type_text
from tests.support import make_settings

#: The other program: takes the write lock, says so, keeps it until told (or 60 s).
HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
conn.close()
print("released", flush=True)
"""

#: How many rounds of the event loop a key may take to draw what it opens.
ROUNDS = 10


@contextmanager
def write_lock(path: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        release(holder)


def release(holder: subprocess.Popen[str]) -> None:
    if holder.poll() is None:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        holder.wait(30)


def open_desk(settings: Settings, clock: FixedClock, busy_timeout_ms: int) -> Desk:
    from hotline.sla import SlaEngine
    from hotline.store.engine import make_engine
    from hotline.store.schema import upgrade

    engine = make_engine(settings.db_url, busy_timeout_ms=busy_timeout_ms)
    upgrade(engine)
    sla = SlaEngine.load(settings.policy_dirs, settings.calendar_files, settings.tz)
    return Desk(engine, clock, settings, sla, "zhangwei")


async def drawn_within(pilot, done, rounds: int = ROUNDS) -> int:  # type: ignore[no-untyped-def]
    """The number of event-loop rounds until ``done()`` holds (fails past ``rounds``)."""
    for n in range(1, rounds + 1):
        await pilot.pause()
        if done():
            return n
    raise AssertionError(f"not drawn within {rounds} rounds of the event loop")


async def until_settled(pilot, key: str) -> None:  # type: ignore[no-untyped-def]
    """Wait for the operation on ``key`` to end (bounded, so a hang fails the test)."""
    for _ in range(600):
        if not is_pending(pilot.app, key):
            await settle(pilot)
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the operation on {key} never ended")


def said(app: HotlineApp, text: str) -> bool:
    return any(text in str(n.message) for n in app._notifications)


async def test_a_locked_database_holds_the_operation_not_the_screen(
        tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "desk.db"
    settings = make_settings(f"sqlite:///{path}")
    desk = open_desk(settings, clock, busy_timeout_ms=1500)
    demo.load_directory(desk)
    call = desk.ring("13902251234").call_id
    app = HotlineApp(desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app, "calls")[0][0] == "00:30"
        with write_lock(path):
            # The caller hung up: the question is drawn, and answered once seen.
            await pilot.press("x")
            await drawn_within(pilot, lambda: isinstance(app.screen, Confirm)
                               and app.screen.drawn)
            await pilot.press("y")
            await drawn_within(pilot, lambda: not isinstance(app.screen, Confirm))
            key = f"call:{call}"
            assert is_pending(app, key)  # waiting for the lock, in a worker
            # The same call again while that waits: refused and said, not done blind.
            await pilot.press("x")
            await drawn_within(pilot, lambda: said(app, "still being saved"))
            assert not isinstance(app.screen, Confirm)
            # Other keys draw their screens meanwhile …
            await pilot.press("slash")
            await drawn_within(pilot, lambda: isinstance(app.screen, SearchScreen))
            await pilot.press("escape")
            await drawn_within(pilot, lambda: app.screen is app.dashboard)
            # … and the countdown moves with the clock.
            clock.advance(seconds=7)
            app.tick()
            await drawn_within(pilot, lambda: rows(app, "calls")[0][0] == "00:23")
            assert is_pending(app, key)
            # The wait runs out: the database's own message, and nothing saved.
            await until_settled(pilot, key)
            assert said(app, "The database is busy (another program holds it); nothing "
                             "was saved")
        with Session(desk.engine) as s:
            assert s.exec(select(Call)).one().state == "ringing"
        # The lock is gone: the same keys do it now.
        await pilot.press("x")
        await drawn_within(pilot, lambda: isinstance(app.screen, Confirm) and app.screen.drawn)
        await pilot.press("y")
        await until_settled(pilot, f"call:{call}")
        assert rows(app, "calls") == []
    with Session(desk.engine) as s:
        assert s.exec(select(Call)).one().state == "abandoned"
    desk.engine.dispose()


async def test_a_step_saved_during_a_lock_is_saved_once_it_is_released(
        tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "desk.db"
    settings = make_settings(f"sqlite:///{path}")
    desk = open_desk(settings, clock, busy_timeout_ms=60_000)
    demo.load_directory(desk)
    ticket = desk.log_call(Intake(number="13380012345", kind="fault", level=3,
                                  description="fan alarm"))
    app = HotlineApp(desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        show_ticket(app.dashboard, ticket)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        with write_lock(path) as holder:
            await pilot.press("n")
            await drawn_within(pilot, lambda: isinstance(app.screen, StepForm))
            form = app.screen
            await type_text(pilot, "customer reset the fan tray")
            await pilot.press("ctrl+s")
            await drawn_within(pilot, lambda: "Saving" in str(
                form.query_one("#step-error").render()))
            key = f"ticket:{ticket}"
            assert is_pending(app, key)
            # Esc while it saves: the form stays (the note may yet be recorded).
            await pilot.press("escape")
            await drawn_within(pilot, lambda: said(app, "still being saved"))
            assert app.screen is form
            release(holder)
            await until_settled(pilot, key)
        assert app.screen is screen
        assert said(app, "Note recorded")
    with Session(desk.engine) as s:
        notes = s.exec(select(Event).where(Event.kind == "note")).all()
        assert [n.ticket_id for n in notes] == [ticket]
        assert "customer reset the fan tray" in notes[0].data
    desk.engine.dispose()


async def test_an_acknowledgement_confirmed_then_left_behind_is_kept(
        tmp_path: Path, clock: FixedClock) -> None:
    """The note is confirmed, the queue closed while the database is locked: once the
    lock is gone the acknowledgement is recorded and said, on whatever screen is open."""
    from screens.escalations import EscalationQueueScreen
    from tests.screens.test_supervisor_screens import escalation_rows, late_call, open_queue

    path = tmp_path / "desk.db"
    settings = make_settings(f"sqlite:///{path}")
    desk = open_desk(settings, clock, busy_timeout_ms=60_000)
    demo.load_directory(desk)
    late_call(desk, clock)
    app = HotlineApp(desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        queue = await open_queue(pilot)
        [escalation] = escalation_rows(desk)
        with write_lock(path) as holder:
            await pilot.press("k")
            await drawn_within(pilot, lambda: app.screen is not queue and app.screen.drawn)  # type: ignore[attr-defined]
            await type_text(pilot, "calling back")
            await pilot.press("enter")
            key = f"escalation:{escalation.id}"
            await drawn_within(pilot, lambda: app.screen is queue)
            assert is_pending(app, key)
            await pilot.press("escape")  # the queue is closed meanwhile
            await drawn_within(pilot, lambda: app.screen is app.dashboard)
            assert not any(isinstance(s, EscalationQueueScreen) for s in app.screen_stack)
            release(holder)
            await until_settled(pilot, key)
        assert app.is_running and said(app, "Acknowledged.")
    [after] = escalation_rows(desk)
    assert after.acknowledged_by == "zhangwei" and after.note == "calling back"
    desk.engine.dispose()
