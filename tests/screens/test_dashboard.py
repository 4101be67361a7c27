"""Key flows on the dashboard, driven by keyboard on a fake clock."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select
from textual import events
from textual.app import App

from hotline.clock import FixedClock
from hotline.desk.intake import Intake
from hotline.desk.operations import Desk
from hotline.store.models import Call, Escalation, SlaClock, Ticket
from screens.app import HotlineApp
from screens.dialogs import AskText, Confirm
from screens.intake import IntakeScreen
from screens.widgets.live_table import Countdown, Keyed, LiveTable
from tests.support import build_desk

SIZE = (120, 35)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def table(app: HotlineApp, name: str) -> LiveTable:
    return app.dashboard.query_one(f"#{name}", LiveTable)


def cell_text(value: object) -> str:
    if isinstance(value, Keyed):
        value = value.value
    if isinstance(value, Countdown):
        return value.__rich__().plain
    return getattr(value, "plain", str(value))


def rows(app: HotlineApp, name: str) -> list[list[str]]:
    t = table(app, name)
    return [[cell_text(c) for c in t.get_row(key)] for key in t.keys]


async def tick(pilot, clock: FixedClock, **delta: float) -> None:  # type: ignore[no-untyped-def]
    clock.advance(**delta)
    app = pilot.app
    app.refresh_now()
    await settle(pilot)


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def typed_ahead(app: App[None], *keys: str) -> None:
    """Keys all waiting before the first is handled, as when typed quickly."""
    chars = {"slash": "/", "enter": "\r", "down": None}
    for key in keys:
        app.post_message(events.Key(key, chars.get(key, key)))



async def test_a_call_rings_counts_down_and_is_answered_in_time(demo_desk: Desk,
                                                                clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        [row] = rows(app, "calls")
        assert row[0] == "00:30" and row[1] == "139 0225 1234" and row[3] == "黄志明"
        await tick(pilot, clock, seconds=12)
        assert rows(app, "calls")[0][0] == "00:18"
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        # the caller is known: focus starts on Kind, fault preselected
        await pilot.press("f", "tab", "2", "tab")
        await type_text(pilot, "OSN 3500")
        await pilot.press("tab", "tab")
        await type_text(pilot, "fiber cut")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
        assert rows(app, "calls") == []
        assert app.snapshot is not None and app.snapshot.kpis.answered_in_time == 1
    with Session(demo_desk.engine) as s:
        ticket = s.exec(select(Ticket)).one()
        assert (ticket.kind, ticket.level, ticket.equipment, ticket.description) == (
            "fault", 2, "OSN 3500", "fiber cut")


async def test_an_unknown_caller_is_asked_for_a_name_first(demo_desk: Desk,
                                                          clock: FixedClock) -> None:
    demo_desk.ring("13711112222")  # not in the directory
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        typed_ahead(app, "a", *"Wang")  # the name typed at once behind the answer
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.focused is not None and app.focused.id == "caller-name"
        await pilot.press("tab", "tab", "c")  # customer left empty; then Kind: consultation
        await pilot.press("tab", "tab", "tab")  # Level is off for a consultation
        assert app.focused is not None and app.focused.id == "description"
        await type_text(pilot, "licence 2/3")  # "/" types here; it searches elsewhere
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
    with Session(demo_desk.engine) as s:
        ticket = s.exec(select(Ticket)).one()
        assert (ticket.caller_name, ticket.kind, ticket.description) == (
            "Wang", "consultation", "licence 2/3")


async def test_the_new_callers_customer_is_completed_from_the_directory_as_it_is_now(
        demo_desk: Desk) -> None:
    from textual.widgets import Input

    from hotline.directory.forms import CustomerForm
    from hotline.directory.saving import save_customer

    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        field = app.screen.query_one("#caller-customer", Input)
        assert field.suggester is not None
        assert await field.suggester.get_suggestion("acme") is None
        await pilot.press("escape")
        save_customer(demo_desk, CustomerForm("ACME-SZ", "Acme 深圳", "深圳"))
        await pilot.press("n")  # the same (kept) form, opened again
        await settle(pilot)
        field = app.screen.query_one("#caller-customer", Input)
        assert field.suggester is not None
        assert await field.suggester.get_suggestion("acme") == "ACME-SZ"


async def test_a_call_answered_after_30_seconds_is_escalated_and_late(demo_desk: Desk,
                                                                     clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await tick(pilot, clock, seconds=42)
        assert rows(app, "calls")[0][0] == "-00:12"
        [esc] = rows(app, "escalations")
        assert esc[0] == "●" and esc[3] == "Call not answered in time" and esc[6] == "still ringing"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")  # answered, logged later
        await settle(pilot)
        [row] = rows(app, "calls")
        assert row[0] == "-00:12" and row[7] == "answered"
        assert app.snapshot is not None and app.snapshot.kpis.answered_in_time == 0
        assert rows(app, "escalations")[0][6].startswith("answered at")
        # log it now with l
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("c", "tab", "tab", "tab")  # level is skipped for a consultation
        await type_text(pilot, "how to configure ASON")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app, "calls") == []


async def test_callback_promised_from_intake_and_kept(demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.ring("020-38881234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("c", "tab", "tab", "tab")
        await type_text(pilot, "license question")
        await pilot.press("ctrl+b")
        await settle(pilot)
        work = rows(app, "work")
        callback = next(r for r in work if r[3] == "Callback")
        assert callback[0] == "30:00" and callback[1] == "10:30"
        await tick(pilot, clock, minutes=25)
        callback = next(r for r in rows(app, "work") if r[3] == "Callback")
        assert callback[0] == "05:00"
        await pilot.press("2")
        t = table(app, "work")
        t.move_cursor(row=next(i for i, k in enumerate(t.keys)
                               if cell_text(t.get_row(k)[3]) == "Callback"))
        await pilot.press("d")
        await settle(pilot)
        assert all(r[3] != "Callback" for r in rows(app, "work"))
    with Session(demo_desk.engine) as s:
        cb = s.exec(select(SlaClock).where(SlaClock.target == "callback")).one()
        assert cb.state == "met"


async def test_callback_missed_goes_red_and_to_the_queue(demo_desk: Desk,
                                                         clock: FixedClock) -> None:
    from hotline.desk.operations import Intake

    demo_desk.log_call(Intake(number="13829901234", kind="fault", level=3,
                              description="alarm", promise_callback=True))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await tick(pilot, clock, minutes=32, seconds=13)
        callback = next(r for r in rows(app, "work") if r[3] == "Callback")
        assert callback[0] == "-02:13"
        cd = table(app, "work").get_row(table(app, "work").keys[0])[0]
        assert isinstance(cd, Keyed) and isinstance(cd.value, Countdown)
        assert cd.value.style().endswith("red")
        [esc] = rows(app, "escalations")
        assert esc[3] == "Callback overdue"
        # acknowledge it with a note
        await pilot.press("3", "k")
        await settle(pilot)
        assert isinstance(app.screen, AskText)
        await type_text(pilot, "calling now")
        await pilot.press("enter")
        await settle(pilot)
        assert rows(app, "escalations")[0][0] == "✓"
        assert app.snapshot is not None and app.snapshot.kpis.unacknowledged == 0
    with Session(demo_desk.engine) as s:
        esc_row = s.exec(select(Escalation)).one()
        assert esc_row.acknowledged_by == "zhangwei" and esc_row.note == "calling now"


async def test_new_call_from_a_desk_phone_with_a_bad_number(demo_desk: Desk,
                                                            clock: FixedClock) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        intake = app.screen
        assert isinstance(intake, IntakeScreen)
        await type_text(pilot, "138001380")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(intake.query_one("#intake-error").render())
        assert "11 digits" in error
        assert app.focused is not None and app.focused.id == "number"
        # fix the number; still no description
        for _ in range(9):
            await pilot.press("backspace")
        await type_text(pilot, "0755 8376 5432")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "level" in str(intake.query_one("#intake-error").render())
        assert app.focused is not None and app.focused.id == "level"  # focus goes to the field
        await pilot.press("1", "ctrl+s")
        await settle(pilot)
        assert "description" in str(intake.query_one("#intake-error").render())
        assert app.focused is not None and app.focused.id == "description"
        assert isinstance(app.screen, IntakeScreen)
    with Session(demo_desk.engine) as s:
        assert s.exec(select(Ticket)).all() == [] and s.exec(select(Call)).all() == []


async def test_caller_hangs_up_before_answer(demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert rows(app, "calls") == []
        assert app.snapshot is not None and app.snapshot.kpis.abandoned == 1


async def test_answer_with_nothing_ringing_says_so(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert any("No call is ringing" in str(n.message) for n in app._notifications)


async def test_help_lists_every_dashboard_key(demo_desk: Desk) -> None:
    from screens.dashboard import DashboardScreen
    from screens.help import HelpScreen

    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        ids = {row[3] for row in app.screen.key_rows}
        for b in DashboardScreen.BINDINGS:
            assert b.id in ids  # type: ignore[union-attr]
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_offers_every_dashboard_action(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.dashboard)}
        for wanted in ("Answer", "Log call", "New call", "Callback", "Called back",
                       "Acknowledge", "Caller hung up", "End call without ticket"):
            assert wanted in titles


async def test_another_process_ringing_appears_within_a_second(tmp_path, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    from hotline import demo
    from tests.support import build_desk, make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'desk.db'}")
    seat = build_desk(settings, clock)
    demo.load_directory(seat)
    other = build_desk(settings, clock, "lina")  # stands for another process
    app = HotlineApp(seat, live=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app, "calls") == []
        other.ring("13902251234")
        await pilot.pause(1.0)
        await settle(pilot)
        assert [r[1] for r in rows(app, "calls")] == ["139 0225 1234"]


async def test_restart_shows_the_same_timers(tmp_path, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    from hotline import demo
    from hotline.desk.operations import Intake
    from tests.support import build_desk, make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'desk.db'}")
    first = build_desk(settings, clock)
    demo.load_directory(first)
    first.ring("13902251234")
    first.log_call(Intake(number="13829901234", kind="fault", level=1, description="down",
                          promise_callback=True))
    clock.advance(seconds=45)
    app = HotlineApp(first, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = (rows(app, "calls"), rows(app, "work"), rows(app, "escalations"))
    first.engine.dispose()
    again = build_desk(settings, clock)
    app2 = HotlineApp(again, live=False)
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        after = (rows(app2, "calls"), rows(app2, "work"), rows(app2, "escalations"))
    assert after == before
    assert before[0][0][0] == "-00:15" and any(r[0] == "29:15" for r in before[1])
    assert clock.now() - timedelta(seconds=45) < clock.now()


async def test_first_run_offers_the_demo_directory_once(desk: Desk) -> None:
    from hotline import demo

    app = HotlineApp(desk, live=False, offer_demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)
    assert desk.identify(desk.parse_number("13902251234")).contact_name == "黄志明"
    assert not demo.should_offer(desk)
    again = HotlineApp(desk, live=False, offer_demo=True)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not isinstance(again.screen, Confirm)


async def test_declining_the_demo_is_remembered(desk: Desk) -> None:
    from hotline import demo

    app = HotlineApp(desk, live=False, offer_demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
    assert not demo.should_offer(desk)
    assert desk.identify(desk.parse_number("13902251234")).contact_name is None


async def test_a_user_keymap_rebinds_a_key(demo_desk: Desk, clock: FixedClock) -> None:
    import dataclasses

    demo_desk.settings = dataclasses.replace(demo_desk.settings,
                                             keymap={"dashboard.answer": "space"})
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
        await pilot.press("space")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)


async def test_the_frame_paints_first_and_the_desk_opens_behind_it(demo_desk: Desk) -> None:
    demo_desk.ring("13902251234")
    opened = []

    def opener() -> Desk:
        opened.append(True)
        return demo_desk

    app = HotlineApp(None, opener=opener, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert opened and app.ready
        assert [r[1] for r in rows(app, "calls")] == ["139 0225 1234"]


async def test_a_desk_that_cannot_open_exits_with_its_reason() -> None:
    from hotline.errors import StorageError

    def opener() -> Desk:
        raise StorageError("/srv/desk.db is not a hotline database, or it is damaged")

    app = HotlineApp(None, opener=opener, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    assert app.return_code == 1
    assert app.failure is not None and "not a hotline database" in app.failure


async def test_a_refusal_survives_keys_typed_just_before_the_save(demo_desk: Desk) -> None:
    """A fast typist: characters, then Ctrl+S, all in one burst from the terminal."""
    from textual import events

    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        intake = app.screen
        assert isinstance(intake, IntakeScreen)
        for ch in "13800138000":
            key = events.Key(ch, ch)
            key.set_sender(app)
            app._driver.send_message(key)  # type: ignore[union-attr]
        save = events.Key("ctrl+s", None)
        save.set_sender(app)
        app._driver.send_message(save)  # type: ignore[union-attr]
        await settle(pilot)
        assert "fault level" in str(intake.query_one("#intake-error").render())
        await pilot.press("1")  # on the level now: an edit after the refusal…
        await type_text(pilot, "")
        intake.query_one("#description").focus()
        await type_text(pilot, "x")
        await settle(pilot)
        assert str(intake.query_one("#intake-error").render()) == ""  # …clears it


async def test_reloads_asked_for_during_a_read_make_one_more_read() -> None:
    """Three asks while a read runs: that read, then one more (not three side by side);
    a failed read does not stop the next."""
    import threading

    from hotline.errors import HotlineError
    from tests.scenes import busy_morning

    app = HotlineApp(busy_morning(), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        real = app._read_snapshot
        gate = threading.Event()
        reads: list[int] = []
        fail = [False]

        def gated():  # type: ignore[no-untyped-def]
            reads.append(1)
            gate.wait(5)
            if fail[0]:
                raise HotlineError("database gone")
            return real()

        app._read_snapshot = gated  # type: ignore[method-assign]
        app.reload()
        app.reload()
        app.reload()
        app.reload()
        await pilot.pause()
        assert len(reads) == 1
        gate.set()
        await settle(pilot)
        assert len(reads) == 2 and not app._loading

        gate.clear()
        fail[0] = True
        gate.set()
        app.reload()
        await settle(pilot)
        assert len(reads) == 3 and not app._loading  # the failure was said, not stuck
        fail[0] = False
        app.reload()
        await settle(pilot)
        assert len(reads) == 4 and app.snapshot is not None


async def test_a_new_snapshot_redraws_only_rows_whose_data_changed(demo_desk: Desk,
                                                                   clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    second = demo_desk.ring("13800138000")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        calls = table(app, "calls")
        before = dict(calls._specs)
        demo_desk.answer(second.call_id)
        app.refresh_now()
        await settle(pilot)
        after = calls._specs
        same = [k for k in after if after[k] is before.get(k)]
        changed = [k for k in after if after[k] is not before.get(k)]
        assert same == [f"call:{second.call_id - 1}"]  # the other call: reused as it was
        assert changed == [f"call:{second.call_id}"]  # the answered one: drawn anew
        assert cell_text(calls.get_row(changed[0])[-1]) == "answered"


async def test_a_key_typed_before_the_question_is_drawn_does_not_answer_it(
        demo_desk: Desk) -> None:
    """Reproduced on a loaded machine: "x" then "y" typed blind marked the call abandoned."""
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        typed_ahead(app, "x", "y")  # both waiting before the dialog could be drawn
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, Confirm) and dialog.drawn
        with Session(demo_desk.engine) as s:
            assert s.exec(select(Call)).one().state == "ringing"
        await pilot.press("y")  # seen, then answered
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)
        assert app.snapshot is not None and app.snapshot.kpis.abandoned == 1


async def test_an_answer_the_desk_refuses_closes_the_form_opened_for_it(
        demo_desk: Desk, clock: FixedClock) -> None:
    call = demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        other = build_desk(demo_desk.settings, clock, "lina")
        other.answer(call.call_id)  # another seat, before this one's snapshot shows it
        other.engine.dispose()
        await pilot.press("a")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
        assert any("lina" in str(n.message) for n in app._notifications)
    with Session(demo_desk.engine) as s:
        assert s.exec(select(Call)).one().answered_by == "lina"
        assert s.exec(select(Ticket)).all() == []


async def test_enter_typed_before_the_note_dialog_is_drawn_answers_nothing(
        demo_desk: Desk, clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await tick(pilot, clock, seconds=42)  # unanswered in time: an escalation
        await pilot.press("3")
        typed_ahead(app, "k", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AskText) and app.screen.drawn
        with Session(demo_desk.engine) as s:
            assert s.exec(select(Escalation)).one().acknowledged_at is None
        await pilot.press("enter")
        await settle(pilot)
        with Session(demo_desk.engine) as s:
            assert s.exec(select(Escalation)).one().acknowledged_at is not None
async def test_at_80x24_ringing_calls_get_the_room_an_empty_panel_does_not_need(
        demo_desk: Desk, clock: FixedClock) -> None:
    """20 calls ringing, no callbacks: the empty panels shrink to their header and the
    incoming calls panel shows as many calls as the rest of the screen holds."""
    for i in range(20):
        demo_desk.ring(f"1390225{i:04d}", call_key=f"pbx-{i}")
        clock.advance(seconds=1)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.dashboard
        work = screen.query_one("#work-panel")
        calls = screen.query_one("#calls", LiveTable)
        assert table(app, "work").row_count == 0
        assert work.outer_size.height == 3  # border and header: "0 items" in its title
        escalations = table(app, "escalations").row_count
        assert screen.query_one("#escalations-panel").outer_size.height <= 6
        shown = calls._visible_rows()
        assert shown >= 8, (shown, escalations)
        # a panel with rows grows with them, up to its share
        for i in range(6):
            demo_desk.log_call(Intake(number="020-38881234", kind="consultation", level=None,
                                      description=f"question {i}", promise_callback=True))
        app.refresh_now()
        await settle(pilot)
        assert table(app, "work").row_count >= 6
        assert 4 < work.outer_size.height <= 6  # at most 30% of the 20 lines for panels
        assert calls._visible_rows() >= 5


async def test_the_palette_offers_each_action_once_with_every_key(demo_desk: Desk) -> None:
    """Textual's copy binding has two keys (ctrl+c, super+c): one command, not two."""
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.dashboard))
        titles = [c.title for c in commands]
        assert titles.count("Copy selected text") == 1
        assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)
        helps = {c.title: c.help for c in commands}
        assert helps["Copy selected text"] == "Key: ^c, super+c"
        assert helps["Escalation queue"] == "Key: F3, E"  # F-keys as "F3", as everywhere
