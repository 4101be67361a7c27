"""Keys that do what a new duty engineer expects (issue #17, point 6)."""

from __future__ import annotations

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from screens.app import HotlineApp
from screens.dialogs import Confirm
from screens.intake import IntakeScreen
from tests.screens.test_dashboard import SIZE, settle


async def test_q_asks_first_with_an_answered_call_not_logged(demo_desk: Desk,
                                                            clock: FixedClock) -> None:
    demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("ctrl+q")  # the form is open
        await settle(pilot)
        assert isinstance(app.screen, Confirm) and app.is_running
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")  # answered, logged later
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, Confirm) and app.is_running
        assert "have not logged the call yet" in str(confirm.query_one(".question").render())
        await pilot.press("q")  # again: the question stays, once
        await settle(pilot)
        assert sum(isinstance(s, Confirm) for s in app.screen_stack) == 1
        await pilot.press("y")
        await settle(pilot)
        assert not app.is_running


async def test_q_quits_at_once_with_nothing_open(demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running


def _bar(app: HotlineApp) -> str:
    from screens.widgets.key_bar import KeyBar

    return app.screen.query_one(KeyBar).render().plain


async def test_the_key_bar_offers_only_the_steps_that_can_apply(demo_desk: Desk) -> None:
    from hotline.desk.intake import Intake
    from hotline.desk.steps import StepInput
    from screens.ticket import TicketScreen

    consultation = demo_desk.log_call(Intake(number="0757-83301234", kind="consultation",
                                             level=None, description="licence file"))
    fault = demo_desk.log_call(Intake(number="0757-83301234", kind="fault", level=2,
                                      description="ring down"))
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(TicketScreen(app.context, fault))
        await settle(pilot)
        bar = _bar(app)
        assert "Service restored" in bar and "Fault resolved" in bar and "Ticket closed" in bar
        app.pop_screen()
        app.push_screen(TicketScreen(app.context, consultation))
        await settle(pilot)
        bar = _bar(app)
        assert "Note" in bar and "Ticket closed" in bar
        assert "Service restored" not in bar and "Fault resolved" not in bar
        await pilot.press("R")  # no restore for a consultation: the key says so, no more
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert any("does not apply to a consultation" in str(n.message)
                   for n in app._notifications)
        app.pop_screen()
        demo_desk.record(consultation, "consultation_answered", StepInput(text="sent"))
        demo_desk.record(consultation, "ticket_closed")
        app.push_screen(TicketScreen(app.context, consultation))
        await settle(pilot)
        bar = _bar(app)
        assert "Ticket closed" not in bar and "Service restored" not in bar
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)


async def test_tab_after_numbers_goes_to_a_field_not_an_invisible_stop(demo_desk: Desk) -> None:
    from textual.widgets import Input, TextArea

    from screens.directory_forms import ContactFormScreen

    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = ContactFormScreen(demo_desk)
        app.push_screen(form)
        await settle(pilot)
        seen = []
        for _ in range(8):  # round the form once, and further
            focused = app.focused
            assert isinstance(focused, Input | TextArea), focused
            seen.append(focused.id)
            await pilot.press("tab")
            await settle(pilot)
        assert seen[:7] == ["customer", "name", "title", "site", "email", "numbers",
                            "customer"]


async def test_the_header_names_nobody_until_someone_signs_in(demo_desk: Desk) -> None:
    from screens.dashboard import DeskHeader
    from screens.signin import SignInScreen

    demo_desk.signed_in = False
    demo_desk.actor = "root"
    app = HotlineApp(demo_desk, live=False, sign_in=True)

    def header() -> str:
        return str(app.dashboard.query_one(DeskHeader).render())

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "nobody signed in yet" in header() and "root" not in header()
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press(*"demo1234", "enter")  # the demo secret
        await settle(pilot)
        assert app.screen is app.dashboard
        assert f"signed in: {demo_desk.actor}" in header() and demo_desk.actor != "root"


async def test_a_taken_customer_code_is_refused_on_the_first_ctrl_s(demo_desk: Desk) -> None:
    """Typed fast (or pasted), Ctrl+S arrives before the last characters reach the field:
    the refusal must not be wiped by them."""
    from textual.widgets import Static

    from screens.directory_forms import CustomerFormScreen
    from tests.screens.test_dashboard import typed_ahead

    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = CustomerFormScreen(demo_desk, values={"code": "", "name": "Another branch"})
        app.push_screen(form)
        await settle(pilot)
        typed_ahead(app, *"gdt-sz", "ctrl+s")
        await settle(pilot)
        assert form.query_one("#code").value == "gdt-sz"  # type: ignore[attr-defined]
        error = str(form.query_one("#form-error", Static).render())
        assert "Customer code GDT-SZ is taken" in error


async def test_the_contract_form_says_its_refusal_once(demo_desk: Desk) -> None:
    from textual.widgets import Static

    from screens.directory_forms import ContractFormScreen

    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = ContractFormScreen(demo_desk, values={
            "code": "X-1", "customer": "SDJG", "policy": "standard", "grade": "B",
            "valid_from": "2026-12-01", "valid_to": "2026-11-01"})
        app.push_screen(form)
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        lines = [str(s.render()) for s in form.query(Static)]
        said = [t for t in lines if "ends (2026-11-01) before it starts" in t]
        assert len(said) == 1, lines
        assert app.screen is form


async def test_enter_takes_the_suggested_export_file_name(demo_desk: Desk, tmp_path,  # type: ignore[no-untyped-def]
                                                          monkeypatch) -> None:
    from textual.widgets import Input

    from screens.dialogs import AskText

    monkeypatch.chdir(tmp_path)
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        ask = app.screen
        assert isinstance(ask, AskText)
        suggested = ask.query_one("#ask-text", Input).value
        assert suggested.startswith("sla-") and suggested.endswith(".xlsx")
        await pilot.press("enter")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert not isinstance(app.screen, AskText)
    assert (tmp_path / suggested).stat().st_size > 0


async def test_a_handover_just_given_is_not_overwritten_by_an_older_read(
        demo_desk: Desk, clock: FixedClock) -> None:
    from screens.handover import HandoverLoaded, HandoverScreen, NoteEditor
    from tests.screens.test_dashboard import type_text
    from tests.support import START

    clock.set(START.replace(hour=15, minute=50))
    demo_desk.actor = "wangqiang"
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen) and screen.state is not None
        before = screen.state  # as a read begun before the handover would find it
        assert before.mine is None
        stale_seq = screen._load_seq
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "Quiet shift")
        await pilot.press("ctrl+s")
        await settle(pilot)

        def state() -> str:
            return str(screen.query_one("#handover-state").render())

        assert "waiting for the incoming supervisor" in state()
        screen.post_message(HandoverLoaded(before, seq=stale_seq))  # that read ends now
        await settle(pilot)
        assert "waiting for the incoming supervisor" in state()
        assert "Not handed over yet" not in state()


async def test_the_intake_names_the_level_keys_the_callers_policy_has(demo_desk: Desk) -> None:
    """An unknown caller takes the standard policy (levels 1–3); a Guangdong transmission
    customer's policy has four levels: the hint says which keys choose a level."""
    from textual.widgets import Input, Label

    demo_desk.ring("18611112222")  # not in the directory
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IntakeScreen)
        hint = str(form.query_one("#intake-keys", Label).render())
        assert "1–3 level" in hint and "1–4" not in hint
        # a Guangdong transmission customer in Foshan
        form.query_one("#number", Input).value = "0757-83301234"
        await settle(pilot)
        hint = str(form.query_one("#intake-keys", Label).render())
        assert "1–4 level" in hint
