"""Small modal dialogs: yes/no questions and one-line notes.

A dialog takes its answer only once it is on screen: keys typed before it was
drawn (behind the key that opened it, while the machine was slow) were typed
without seeing the question, and are not taken as an answer to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from hotline.i18n import _
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.hints import key_hints

Answer = TypeVar("Answer")


class Dialog(TranslatedModalScreen[Answer]):
    """A modal question that takes its answer only once it has been drawn."""

    def __init__(self) -> None:
        super().__init__()
        #: The dialog has been drawn: from now on a key answers it.
        self.drawn = False

    def on_mount(self) -> None:
        self.call_after_refresh(self._on_screen)

    def _on_screen(self) -> None:
        self.drawn = True

    def answer_once_drawn(self, value: Answer) -> None:
        """Close with ``value``, or ring the bell for a key typed before the question
        was to be seen."""
        if not self.drawn:
            self.app.bell()
            return
        self.dismiss(value)


class Confirm(Dialog[bool]):
    """A question answered with y / n (Esc is no)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self._title = title
        self._question = question
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self._title
            yield Static(self._question, classes="question")
            yield Label(key_hints(("y", _("yes")), ("n / Esc", _("no"))), classes="keys")

    def action_answer(self, value: bool) -> None:
        self.answer_once_drawn(value)


class AskText(Dialog[str | None]):
    """Ask for one line of text (Enter confirms, Esc cancels)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(self, title: str, prompt: str, *, required: bool,
                 placeholder: str = "", value: str = "") -> None:
        """``value``: an answer offered (Enter takes it, typing changes it); a
        ``placeholder`` only shows what to type, and is never the answer."""
        super().__init__()
        self._value = value
        self._title = title
        self._prompt = prompt
        self._required = required
        self._placeholder = placeholder
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self._title
            yield Static(self._prompt, classes="question")
            yield Input(self._value, placeholder=self._placeholder, id="ask-text",
                        compact=True)
            yield Static("", id="ask-error", classes="error", markup=False)
            yield Label(key_hints(("Enter", _("confirm")), ("Esc", _("cancel"))), classes="keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not self.drawn:  # typed before the question was to be seen
            self.app.bell()
            return
        value = event.value.strip()
        if self._required and not value:
            self.query_one("#ask-error", Static).update(_("This cannot be empty."))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.answer_once_drawn(None)


class ChooseOne(Dialog[str | None]):
    """Choose one of a few answers by its key (Esc cancels)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, title: str, question: str,
                 choices: Sequence[tuple[str, str, str]]) -> None:
        """``choices``: (key, label, value) for each answer."""
        super().__init__()
        self._title = title
        self._question = question
        self._choices = list(choices)
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self._title
            yield Static(self._question, classes="question")
            yield Label(key_hints(*((key, label) for key, label, _value in self._choices),
                                  ("Esc", _("cancel"))), classes="keys")

    def on_key(self, event: events.Key) -> None:
        for key, _label, value in self._choices:
            if event.key == key:
                event.stop()
                self.answer_once_drawn(value)
                return

    def action_cancel(self) -> None:
        self.answer_once_drawn(None)
