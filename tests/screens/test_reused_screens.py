"""The intake form, the ticket screen and the dialogs are built once; showing them again
is cheap, and shows what is asked this time."""

from __future__ import annotations

from sqlmodel import Session, select
from textual.dom import DOMNode
from textual.widgets import Input, Static

from hotline.clock import FixedClock
from hotline.desk.operations import Desk
from hotline.store.models import Call
from screens.app import HotlineApp
from screens.dashboard import DashboardScreen
from screens.dialogs import AskText, Confirm, Dialog, KeptDialog
from screens.intake import IntakeScreen
from tests.screens.test_dashboard import SIZE, settle, typed_ahead


def restyled(app: HotlineApp) -> list[DOMNode]:
    """Record the nodes the app restyles (the full pass a screen gets when shown)."""
    seen: list[DOMNode] = []
    original = app.update_styles

    def spy(node: DOMNode, animate: bool = True) -> None:
        seen.append(node)
        original(node, animate=animate)

    app.update_styles = spy  # type: ignore[method-assign]
    return seen


async def test_the_intake_form_is_restyled_only_after_a_change_of_theme(
        demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IntakeScreen)
        await pilot.press("escape")
        await settle(pilot)
        seen = restyled(app)
        await pilot.press("n")  # the same form again: no full pass over it
        await settle(pilot)
        assert app.screen is form
        assert form not in seen
        await pilot.press("escape")
        await settle(pilot)
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await settle(pilot)
        await pilot.press("n")  # the theme changed while it was away: restyled
        await settle(pilot)
        assert form in seen


def _shown(dialog: Dialog[object], selector: str) -> str:
    widget = dialog.query_one(selector, Static)
    return str(widget.content)


async def test_a_kept_dialog_asks_each_question_afresh(demo_desk: Desk) -> None:
    """The same dialog, shown twice: the second question's words, field and hints,
    nothing left of the first (its typed text, its error line)."""
    app = HotlineApp(demo_desk, live=False)
    answers: list[str | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AskText("First", "Which site?", required=True, value="A1"),
                        answers.append)
        await settle(pilot)
        first = app.screen
        assert isinstance(first, AskText) and first.drawn
        assert first.query_one(".dialog").border_title == "First"
        assert _shown(first, ".question") == "Which site?"
        field = first.query_one("#ask-text", Input)
        assert field.value == "A1"
        field.value = ""
        await pilot.press("enter")  # required: refused, said in the error line
        await settle(pilot)
        assert app.screen is first
        assert _shown(first, "#ask-error") == "This cannot be empty."
        await pilot.press("escape")
        await settle(pilot)
        assert answers == [None]

        app.push_screen(AskText("Second", "What was done?", required=False,
                                placeholder="optional"), answers.append)
        await settle(pilot)
        assert app.screen is first  # kept, not built again
        assert first.drawn
        assert first.query_one(".dialog").border_title == "Second"
        assert _shown(first, ".question") == "What was done?"
        assert field.value == "" and field.placeholder == "optional"
        assert _shown(first, "#ask-error") == ""
        assert app.focused is field
        await pilot.press("enter")  # not required: an empty note is an answer
        await settle(pilot)
        assert answers == [None, ""]


async def test_a_kept_question_ignores_keys_typed_before_it_is_drawn_each_time(
        demo_desk: Desk, clock: FixedClock) -> None:
    """"Caller hung up?" asked about two calls in turn, by the same kept dialog: each
    time a "y" typed blind is not an answer, and the question names its own call."""
    first = demo_desk.ring("13902251234")
    clock.advance(seconds=1)
    second = demo_desk.ring("13800138000")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        typed_ahead(app, "x", "y")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, Confirm) and dialog.drawn
        assert "139 0225 1234" in _shown(dialog, ".question")
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)
        await pilot.press("down")
        typed_ahead(app, "x", "y")  # blind again, on the dialog shown a second time
        await settle(pilot)
        assert app.screen is dialog and dialog.drawn
        assert "138 0013 8000" in _shown(dialog, ".question")
        with Session(demo_desk.engine) as s:
            assert [c.state for c in s.exec(select(Call).order_by(Call.id))] == [
                "ringing", "ringing"]
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)
        with Session(demo_desk.engine) as s:
            assert s.get(Call, first.call_id).state == "ringing"  # type: ignore[union-attr]
            assert s.get(Call, second.call_id).state == "abandoned"  # type: ignore[union-attr]


async def test_a_question_asked_over_the_same_kind_gets_its_own_dialog(
        demo_desk: Desk) -> None:
    app = HotlineApp(demo_desk, live=False)
    answers: list[bool | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(Confirm("Outer", "First?"), answers.append)
        await settle(pilot)
        outer = app.screen
        app.push_screen(Confirm("Inner", "Second?"), answers.append)
        await settle(pilot)
        inner = app.screen
        assert isinstance(inner, Confirm) and inner is not outer
        assert _shown(inner, ".question") == "Second?"
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is outer and _shown(outer, ".question") == "First?"
        await pilot.press("n")
        await settle(pilot)
        assert answers == [True, False]


async def test_the_intake_form_and_dialogs_are_built_before_the_first_call(
        demo_desk: Desk) -> None:
    """Built while the desk is quiet (after its first snapshot), shown on the first
    answer and the first question with what they are about."""
    call = demo_desk.ring("13902251234")
    app = HotlineApp(demo_desk, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.dashboard.build_intake_ahead()
        app.build_dialogs_ahead()
        await settle(pilot)
        form = app.get_screen("intake")
        assert isinstance(form, IntakeScreen) and form.is_running
        assert form.query_one("#number", Input).value == ""  # composed, not shown
        built = [s for s in app._installed_screens.values() if isinstance(s, Dialog)]
        assert sorted(type(s).__name__ for s in built) == ["AskText", "ChooseOne", "Confirm"]
        assert all(s.is_running and s not in app.screen_stack for s in built)
        assert isinstance(app.screen, DashboardScreen)

        await pilot.press("a")
        await settle(pilot)
        assert app.screen is form and form.call_id == call.call_id
        assert "".join(ch for ch in form.query_one("#number", Input).value
                       if ch.isdigit()) == "13902251234"
        await pilot.press("escape")
        await settle(pilot)
        answers: list[bool | None] = []
        app.push_screen(Confirm("Quit?", "Quit anyway?"), answers.append)
        typed_ahead(app, "y")  # before it is drawn: not an answer
        await settle(pilot)
        [confirm] = [s for s in built if isinstance(s, Confirm)]
        assert app.screen is confirm and confirm.drawn and answers == []
        assert _shown(confirm, ".question") == "Quit anyway?"
        await pilot.press("y")
        await settle(pilot)
        assert answers == [True]


def test_a_kept_dialog_kind_without_take_content_is_refused_when_made() -> None:
    """A kind the desk keeps must say how it takes the next question: one that does not
    fails when its class is made, not on the first question at the desk."""
    import pytest

    with pytest.raises(TypeError, match="take_content"):

        class Forgetful(KeptDialog[bool]):
            pass

    class Remembers(KeptDialog[bool]):
        def take_content(self, other: Remembers) -> None:
            pass

    assert issubclass(Remembers, Dialog)
