"""Small modal dialogs: yes/no questions and one-line notes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from hotline.i18n import _
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.hints import key_hints


class Confirm(TranslatedModalScreen[bool]):
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
        self.dismiss(value)


class AskText(TranslatedModalScreen[str | None]):
    """Ask for one line of text (Enter confirms, Esc cancels)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(self, title: str, prompt: str, *, required: bool,
                 placeholder: str = "") -> None:
        super().__init__()
        self._title = title
        self._prompt = prompt
        self._required = required
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self._title
            yield Static(self._prompt, classes="question")
            yield Input(placeholder=self._placeholder, id="ask-text", compact=True)
            yield Static("", id="ask-error", classes="error", markup=False)
            yield Label(key_hints(("Enter", _("confirm")), ("Esc", _("cancel"))), classes="keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self._required and not value:
            self.query_one("#ask-error", Static).update(_("This cannot be empty."))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
