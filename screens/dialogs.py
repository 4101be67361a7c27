"""Small modal dialogs: yes/no questions and one-line notes.

A dialog takes its answer only once it is on screen: keys typed before it was
drawn (behind the key that opened it, while the machine was slow) were typed
without seeing the question, and are not taken as an answer to it.

The desk keeps one of each kind (:class:`KeepsDialogs`): building and styling
a dialog anew for every question cost more than half of the time from the key
to the question on screen. A kept dialog is filled with the new question's
words each time it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from hotline.i18n import _
from screens.reused_screen import ReusedScreen
from screens.translated_bindings import TranslatedModalScreen
from screens.widgets.hints import key_hints

Answer = TypeVar("Answer")
AppResult = TypeVar("AppResult")


class Dialog(TranslatedModalScreen[Answer], ReusedScreen[Answer]):
    """A modal question that takes its answer only once it has been drawn."""

    def __init__(self) -> None:
        super().__init__()
        #: The dialog has been drawn (this time it is shown): from now on a key answers it.
        self.drawn = False

    def on_mount(self) -> None:
        """Nothing: every time it is shown, the first one included, starts on resume."""

    def on_screen_resume(self) -> None:
        # Reset before the keys typed behind the one that opened it are handled: they
        # come after this message in the dialog's queue.
        self.drawn = False
        self.show_content()
        self.call_after_refresh(self._on_screen)

    def on_screen_suspend(self) -> None:
        self.drawn = False

    def _on_screen(self) -> None:
        if self.is_current:
            self.drawn = True

    def show_content(self) -> None:
        """Put the question into the widgets (each time the dialog is shown)."""

    def answer_once_drawn(self, value: Answer) -> None:
        """Close with ``value``, or ring the bell for a key typed before the question
        was to be seen."""
        if not self.drawn:
            self.app.bell()
            return
        self.dismiss(value)


class KeptDialog(Dialog[Answer]):
    """A dialog of which the desk keeps one and shows it again for the next question.

    Each kind says how it takes another's question (:meth:`take_content`) and puts
    it into its widgets (:meth:`show_content`); a kind that does not define
    ``take_content`` is refused when its class is made, not on its first question.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "take_content" not in cls.__dict__:
            raise TypeError(f"{cls.__qualname__} is a kept dialog and must define take_content")

    def take_content(self, other: Any) -> None:
        """Ask ``other``'s question (a dialog of the same kind, never shown) next time."""


class KeepsDialogs(App[AppResult]):
    """An app that shows one kept dialog of each kind (:class:`KeptDialog`) for every question.

    ``push_screen(AskText(…), callback)`` is written as for a new dialog: the new
    one, never mounted, only carries the question to the kept one. A second dialog
    of a kind already on screen (a question asked over another) is shown as it
    comes, and not kept.
    """

    _kept_dialogs: dict[type[KeptDialog[Any]], KeptDialog[Any]] | None = None

    def push_screen(self, screen: Screen[Any] | str, *args: Any, **kwargs: Any) -> Any:
        if isinstance(screen, KeptDialog):
            screen = self._kept_dialog(screen)
        return super().push_screen(screen, *args, **kwargs)

    def build_dialogs_ahead(self) -> None:
        """Build the kept dialogs while the desk is quiet, not on the first question."""
        from screens.reused_screen import build_ahead

        for blank in (Confirm("", ""), AskText("", "", required=False), ChooseOne("", "", [])):
            if self._kept_dialogs is None or type(blank) not in self._kept_dialogs:
                build_ahead(self, self._kept_dialog(blank))  # installed: it is kept

    def _kept_dialog(self, fresh: KeptDialog[Any]) -> KeptDialog[Any]:
        if self._kept_dialogs is None:
            self._kept_dialogs = {}
        kind = type(fresh)
        kept = self._kept_dialogs.get(kind)
        if kept is None:
            self.install_screen(fresh, f"dialog:{kind.__module__}.{kind.__qualname__}")
            self._kept_dialogs[kind] = fresh
            return fresh
        if kept in self.screen_stack:
            return fresh
        kept.take_content(fresh)
        return kept


class Confirm(KeptDialog[bool]):
    """A question answered with y / n (Esc is no)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self._title = title
        self._question = question

    def take_content(self, other: Confirm) -> None:
        self._title = other._title
        self._question = other._question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(classes="question")
            yield Label(classes="keys")

    def show_content(self) -> None:
        self.query_one(".dialog").border_title = self._title
        self.query_one(".question", Static).update(self._question)
        self.query_one(".keys", Label).update(key_hints(("y", _("yes")),
                                                        ("n / Esc", _("no"))))

    def action_answer(self, value: bool) -> None:
        self.answer_once_drawn(value)


class AskText(KeptDialog[str | None]):
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

    def take_content(self, other: AskText) -> None:
        self._value = other._value
        self._title = other._title
        self._prompt = other._prompt
        self._required = other._required
        self._placeholder = other._placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(classes="question")
            yield Input(id="ask-text", compact=True)
            yield Static("", id="ask-error", classes="error", markup=False)
            yield Label(classes="keys")

    def show_content(self) -> None:
        self.query_one(".dialog").border_title = self._title
        self.query_one(".question", Static).update(self._prompt)
        field = self.query_one("#ask-text", Input)
        with field.prevent(Input.Changed):
            field.value = self._value
        field.cursor_position = len(self._value)
        field.placeholder = self._placeholder
        self.query_one("#ask-error", Static).update("")
        self.query_one(".keys", Label).update(key_hints(("Enter", _("confirm")),
                                                        ("Esc", _("cancel"))))
        self.set_focus(field)

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


class ChooseOne(KeptDialog[str | None]):
    """Choose one of a few answers by its key (Esc cancels)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, title: str, question: str,
                 choices: Sequence[tuple[str, str, str]]) -> None:
        """``choices``: (key, label, value) for each answer."""
        super().__init__()
        self._title = title
        self._question = question
        self._choices = list(choices)

    def take_content(self, other: ChooseOne) -> None:
        self._title = other._title
        self._question = other._question
        self._choices = other._choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(classes="question")
            yield Label(classes="keys")

    def show_content(self) -> None:
        self.query_one(".dialog").border_title = self._title
        self.query_one(".question", Static).update(self._question)
        self.query_one(".keys", Label).update(key_hints(
            *((key, label) for key, label, _value in self._choices), ("Esc", _("cancel"))))

    def on_key(self, event: events.Key) -> None:
        for key, _label, value in self._choices:
            if event.key == key:
                event.stop()
                self.answer_once_drawn(value)
                return

    def action_cancel(self) -> None:
        self.answer_once_drawn(None)
