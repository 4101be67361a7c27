"""Screens run desk operations through one helper and ask the application by messages;
they are handed a desk context, so they work in any application that hands them one."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input, Static

from hotline.clock import FixedClock
from hotline.desk.operations import Desk, Intake
from hotline.errors import Conflict
from hotline.supervision.crew import crew_of, set_crew
from hotline.views.dashboard import load_snapshot
from screens.app import HotlineApp
from screens.context import DeskContext
from screens.dashboard import DashboardScreen
from screens.messages import DeskChanged, ShiftChanged
from screens.operations import is_pending, run_operation
from screens.search import SearchScreen
from screens.step_form import StepForm
from screens.ticket import TicketScreen, show_ticket
from screens.widgets.live_table import LiveTable, Now
from tests.screens.test_dashboard import SIZE, rows, settle, type_text, typed_ahead


class RecordingApp(App[None]):
    """An application that records what its screens ask of it and what it is told."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first = screen
        self.changed = 0
        self.said: list[tuple[str, SeverityLevel, float | None]] = []

    def on_mount(self) -> None:
        self.push_screen(self.first)

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.changed += 1

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        self.said.append((message, severity, timeout))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


class Plain(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("a screen")


async def test_the_helper_hands_back_the_result_and_asks_for_a_reload() -> None:
    screen = Plain()
    app = RecordingApp(screen)
    results: list[object] = []
    async with app.run_test() as pilot:
        await pilot.pause()
        assert run_operation(screen, lambda: 42, key="a", then=results.append)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert results == [42] and app.changed == 1 and app.said == []
        assert run_operation(screen, lambda: None, key="a", done="Done.", then=results.append)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert results == [42, None]  # None is a result
        assert app.changed == 2 and app.said == [("Done.", "information", 4.0)]


async def test_a_refusal_is_said_and_nothing_else_happens() -> None:
    screen = Plain()
    app = RecordingApp(screen)
    results: list[object] = []
    refusals: list[str] = []

    def refused() -> int:
        raise Conflict("lina answered this call at 10:00:03")

    async with app.run_test() as pilot:
        await pilot.pause()
        assert run_operation(screen, refused, key="call:1", done="Answered.",
                             then=results.append,
                             failed=lambda error: refusals.append(str(error)))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.said == [("lina answered this call at 10:00:03", "error", 8.0)]
        assert refusals == ["lina answered this call at 10:00:03"]
        assert app.changed == 0 and results == []
        assert not is_pending(screen, "call:1")


async def test_an_unforeseen_failure_is_said_and_the_screen_stays() -> None:
    screen = Plain()
    app = RecordingApp(screen)

    def broken() -> int:
        raise RuntimeError("disk on fire")

    async with app.run_test() as pilot:
        await pilot.pause()
        assert run_operation(screen, broken, key="x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.said == [("The change failed; nothing was saved (disk on fire).", "error",
                             8.0)]
        assert app.is_running and app.screen is screen


async def test_a_second_operation_on_the_same_thing_waits_its_turn_visibly() -> None:
    """A key pressed again while its first operation is under way is refused and said;
    one on another thing goes ahead."""
    import threading

    screen = Plain()
    app = RecordingApp(screen)
    gate = threading.Event()
    ran: list[str] = []

    def slow() -> None:
        gate.wait(30)
        ran.append("first")

    async with app.run_test() as pilot:
        await pilot.pause()
        assert run_operation(screen, slow, key="ticket:7")
        await pilot.pause()
        assert is_pending(screen, "ticket:7")
        assert not run_operation(screen, lambda: ran.append("second"), key="ticket:7")
        assert run_operation(screen, lambda: ran.append("other"), key="ticket:8")
        await pilot.pause()
        assert any("still being saved" in text for text, severity, _ in app.said
                   if severity == "warning")
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert sorted(ran) == ["first", "other"] and not is_pending(screen, "ticket:7")
        assert run_operation(screen, lambda: ran.append("again"), key="ticket:7")
        await app.workers.wait_for_complete()
        assert ran[-1] == "again"


async def test_a_screen_works_in_any_application_that_hands_it_a_context(
        demo_desk: Desk) -> None:
    ticket = demo_desk.log_call(Intake(number="13380012345", kind="consultation", level=None,
                                       description="how to back up the NMS"))
    context = DeskContext(Now(demo_desk.now()), live=False)
    context.attach(demo_desk)
    screen = SearchScreen(context)
    app = RecordingApp(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "13380012345")
        await settle(pilot)
        assert isinstance(app.focused, Input)
        await pilot.press("enter", "enter")  # to the list, open
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, TicketScreen) and opened.ticket_id == ticket
        assert "how to back up the NMS" in str(opened.query_one("#ticket-header").render())


async def test_the_application_reads_the_desk_again_when_a_screen_changed_it(
        demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app, "calls") == []
        demo_desk.ring("13902251234")  # as an operation would, behind the screens' back
        await settle(pilot)
        assert rows(app, "calls") == []
        app.dashboard.post_message(DeskChanged())
        await settle(pilot)
        assert [r[1] for r in rows(app, "calls")] == ["139 0225 1234"]


async def test_one_ticket_screen_shows_each_ticket_asked_for(demo_desk: Desk) -> None:
    first = demo_desk.log_call(Intake(number="13380012345", kind="fault", level=3,
                                      description="fan"))
    second = demo_desk.log_call(Intake(number="13902251234", kind="fault", level=2,
                                       description="fiber cut"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        show_ticket(app.dashboard, first)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.ticket_id == first
        await pilot.press("escape")
        show_ticket(app.dashboard, second)
        await settle(pilot)
        assert screen.ticket_id == second and app.screen is screen


async def test_a_step_key_typed_behind_the_key_that_opened_a_ticket_acts_on_it(
        demo_desk: Desk) -> None:
    demo_desk.log_call(Intake(number="13380012345", kind="fault", level=3,
                              description="fan", promise_callback=True))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        typed_ahead(app, "o", "n")  # open the work item's ticket, then a note on it
        await settle(pilot)
        assert [type(s) for s in app.screen_stack[1:]] == [TicketScreen, StepForm]


async def test_the_header_reads_the_shift_again_when_a_screen_changed_it(
        demo_desk: Desk, clock: FixedClock) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shift = app.context.rota.at(clock.now())
        set_crew(demo_desk, shift, supervisor="lina", engineers=["zhangwei"])
        supervisor = crew_of(demo_desk.engine, shift).supervisor
        assert supervisor is not None and supervisor.name not in (app.shift_text or "")
        app.dashboard.post_message(ShiftChanged())
        await settle(pilot)
        assert app.shift_text is not None and app.shift_text.endswith(supervisor.name)


async def test_a_snapshot_handed_before_the_dashboard_is_mounted_is_shown_with_it(
        demo_desk: Desk) -> None:
    demo_desk.ring("13902251234")
    context = DeskContext(Now(demo_desk.now()), live=False)
    context.attach(demo_desk)
    dashboard = DashboardScreen(context)
    dashboard.show(load_snapshot(demo_desk.engine, demo_desk.now(), demo_desk.settings.tz))
    dashboard.tick()  # the application ticks it from the start: nothing to draw yet
    app = RecordingApp(dashboard)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert len(dashboard.query_one("#calls", LiveTable).keys) == 1
